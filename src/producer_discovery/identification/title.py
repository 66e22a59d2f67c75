"""The "(Prod. by …)" in a track's own title as a credit source: asks no one.

    requests   none                                                         0 a track

The names of a "(Prod. by X)", "[prod. X & Y]" or "- Prod. by X" marker
(text.producer_names_in_title) are producer credits of low confidence (0.40), without ids:
fusion joins them to the one person of that name other sources credit, when there is one.
"""

from __future__ import annotations

from collections.abc import Sequence

from producer_discovery.identification.credit_source import Ask, Tools
from producer_discovery.identification.credits import PRODUCER, Credit, unique_credits
from producer_discovery.identification.track import SourceAnswer, TrackIsrc, TrackToIdentify
from producer_discovery.text import producer_names_in_title

SOURCE = "title"  # its name in the registry (producer_discovery.sources)
TITLE_CONFIDENCE = 0.40


def title_credits(producer_names: Sequence[str]) -> list[Credit]:
    """Low-confidence credits for the names of a "(Prod. by …)" in a track title."""
    credits = [
        Credit.create(
            name=name,
            role=PRODUCER,
            source=SOURCE,
            source_id=None,
            role_label="prod. by",
            confidence=TITLE_CONFIDENCE,
        )
        for name in producer_names
        if name and name.strip()
    ]
    return unique_credits(credits)


def title_answer(track: TrackToIdentify, isrc: TrackIsrc) -> SourceAnswer:
    """The credits of the track's own title; no document is used."""
    return SourceAnswer(title_credits(producer_names_in_title(track.title)))


def asker(tools: Tools) -> Ask:
    return title_answer
