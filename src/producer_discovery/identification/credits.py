"""Producer credits read from the providers' JSON, one `Credit` per person and role.

The extractors take the documented JSON exactly as the APIs return it (plain dicts) and
never call anything. This module holds the credit model and the role vocabulary shared by
every source; each source's module (`genius`, `musicbrainz`, `discogs`, `title`) holds both
its queries and its reading, and `fusion` merges several sources' credits into one producer.

Roles. A role label ("Co-Producer", "Additional Production", "Producer [Additional]",
"Executive-Producer", a MusicBrainz attribute list) maps to one of `PRODUCTION_ROLES`, or to
nothing when it is not a production credit (engineers, mixers, instruments, writers, labels,
"Production Coordinator"). Executive producers are kept as credits but never count as
producers. A few other roles (`OTHER_ROLES`: writer) are read too, only so that what a
source says *instead* of producer can be kept as evidence beside a producer's credit (one
source says producer, another writer only); they never count as producers, nor add to a
credit's roles, sources or confidence.

Confidence is per source and says how likely the credit is right, whatever the role:

    Genius producer_artists                     0.85
    Genius custom_performances (production)     0.80
    MusicBrainz recording relation              0.80
    Discogs track credit / targeted release     0.75
    MusicBrainz release relation (every track)  0.60
    Discogs release credit (every track)        0.60
    "(Prod. by …)" in the title                 0.40
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from producer_discovery.text import normalize_name

PRODUCER = "producer"
CO_PRODUCER = "co-producer"
ADDITIONAL_PRODUCER = "additional producer"
ASSISTANT_PRODUCER = "assistant producer"
ASSOCIATE_PRODUCER = "associate producer"
VOCAL_PRODUCER = "vocal producer"
EXECUTIVE_PRODUCER = "executive producer"
WRITER = "writer"
OTHER_ROLES = (WRITER,)
PRODUCTION_ROLES = (
    PRODUCER,
    CO_PRODUCER,
    ADDITIONAL_PRODUCER,
    ASSISTANT_PRODUCER,
    ASSOCIATE_PRODUCER,
    VOCAL_PRODUCER,
    EXECUTIVE_PRODUCER,
)
ROLE_OF_QUALIFIER = {
    "co": CO_PRODUCER,
    "additional": ADDITIONAL_PRODUCER,
    "assistant": ASSISTANT_PRODUCER,
    "associate": ASSOCIATE_PRODUCER,
    "vocal": VOCAL_PRODUCER,
    "vocals": VOCAL_PRODUCER,
    "executive": EXECUTIVE_PRODUCER,
}
PRODUCTION_HEADS = frozenset({"producer", "producers", "production", "produced"})
NEUTRAL_QUALIFIERS = frozenset({"music", "beat", "beats", "track", "record", "lead", "main"})
WRITING_LABELS = frozenset(
    {
        ("written", "by"),
        ("writer",),
        ("songwriter",),
        ("lyrics", "by"),
        ("music", "by"),
        ("words", "by"),
        ("composed", "by"),
        ("written", "by", "composed", "by"),
    }
)
FUSED_CO_PREFIX = re.compile(r"^co(produc\w*)$")
LABEL_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Credit:
    """One person credited with one role on one track by one source."""

    name: str  # as credited (Discogs: the release's name variation)
    normalized_name: str
    role: str  # one of PRODUCTION_ROLES
    counts_as_producer: bool  # False for executive producers and other roles (writer)
    source: str  # the crediting source's name in the registry (producer_discovery.sources)
    source_id: str | None  # Genius artist id, MBID, Discogs artist id; None for titles
    role_label: str  # the label as the source wrote it
    attributes: tuple[str, ...] = ()
    confidence: float = 0.0

    @classmethod
    def create(
        cls,
        *,
        name: str,
        role: str,
        source: str,
        source_id: object | None,
        role_label: str,
        confidence: float,
        attributes: Iterable[str] = (),
        identity_name: str | None = None,
    ) -> Credit:
        """Build a credit; `identity_name` (default: `name`) is what gets normalized."""
        return cls(
            name=name.strip(),
            normalized_name=normalize_name(identity_name or name),
            role=role,
            counts_as_producer=counts_as_producer(role),
            source=source,
            source_id=None if source_id in (None, "") else str(source_id),
            role_label=role_label,
            attributes=tuple(attributes),
            confidence=confidence,
        )

    @property
    def asserts_production(self) -> bool:
        """True for a production role (executive included); False for a writer credit."""
        return self.role in PRODUCTION_ROLES

    @property
    def name_keys(self) -> frozenset[str]:
        """Every normalized name this credit can be matched on: the source's canonical name
        and the name as credited (a Discogs `anv`, a MusicBrainz `target-credit`)."""
        return frozenset({self.normalized_name, normalize_name(self.name)})

    def evidence(self) -> dict[str, Any]:
        """The JSON kept as proof of this credit."""
        return {
            "source": self.source,
            "source_id": self.source_id,
            "name": self.name,
            "role": self.role,
            "role_label": self.role_label,
            "attributes": list(self.attributes),
            "confidence": self.confidence,
        }


# Roles -----------------------------------------------------------------------------------
def counts_as_producer(role: str) -> bool:
    """A producing role: not executive, not another role (writer)."""
    return role in PRODUCTION_ROLES and role != EXECUTIVE_PRODUCER


def production_credits(credits: Iterable[Credit]) -> list[Credit]:
    """The credits that assert a production role (what a credit's roles, sources and
    confidence are made of); writer credits are evidence only."""
    return [credit for credit in credits if credit.asserts_production]


def other_role(label: str) -> str | None:
    """WRITER for a writing label ("Written-By", "Songwriter", "Lyrics By", "Music By"…),
    else None. Bracketed text is ignored."""
    words = tuple(label_words(re.sub(r"\[[^\]]*\]", " ", label)))
    return WRITER if words in WRITING_LABELS else None


def label_words(label: str) -> list[str]:
    """Lower-case words of a role label; "Co-Producer(s)" → ["co", "producer"]."""
    words = LABEL_WORD.findall(label.casefold().replace("(s)", ""))
    expanded: list[str] = []
    for word in words:
        fused = FUSED_CO_PREFIX.match(word)
        expanded.extend(["co", fused.group(1)] if fused else [word])
    return expanded


def production_role(label: str, qualifiers: Iterable[str] = ()) -> str | None:
    """The production role a label names, or None when it is not a production credit.

    The label's last word (ignoring a trailing "by") must be producer/production/produced;
    every word before it must be a known qualifier (co, additional, assistant, associate,
    vocal, executive) or a neutral one (music, beat, track…), so "Production Coordinator",
    "Post Production" and "Mixing Engineer" are rejected. Extra `qualifiers` (Discogs
    bracket text, MusicBrainz attributes) may add known qualifiers; other words in them are
    ignored. Executive wins over everything; otherwise the first qualifier written decides.
    """
    words = label_words(label)
    if words and words[-1] == "by":
        words.pop()
    if not words or words[-1] not in PRODUCTION_HEADS:
        return None
    leading = words[:-1]
    if any(w not in ROLE_OF_QUALIFIER and w not in NEUTRAL_QUALIFIERS for w in leading):
        return None
    extra = [w for q in qualifiers for w in label_words(q) if w in ROLE_OF_QUALIFIER]
    roles = [ROLE_OF_QUALIFIER[w] for w in leading + extra if w in ROLE_OF_QUALIFIER]
    if EXECUTIVE_PRODUCER in roles:
        return EXECUTIVE_PRODUCER
    return roles[0] if roles else PRODUCER


def unique_credits(credits: Iterable[Credit]) -> list[Credit]:
    """Credits without repeats of the same (source, id or name, role), first kept."""
    seen: set[tuple[str, str, str]] = set()
    kept: list[Credit] = []
    for credit in credits:
        key = (credit.source, credit.source_id or credit.normalized_name, credit.role)
        if key not in seen:
            seen.add(key)
            kept.append(credit)
    return kept
