"""What a credit source is to identification: the contract between a source's own module
(genius.py, musicbrainz.py, discogs.py, title.py) and the identifier.

    Credits(asker)          the `credits` part of a source's entry in the registry
                            (producer_discovery.sources): how it credits a song
    asker(tools) -> Ask     built once per worker process from the Tools below
    Ask(track, isrc)        one song's credits from that source (a SourceAnswer)

A source's module reads its provider's documents and raises what clients raise; the
identifier records a source that fails alone as missing (identify.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from producer_discovery.clients.base import ApiClient
from producer_discovery.clients.spotify import SpotifyClient
from producer_discovery.identification.musicbrainz_plan import PlanStore
from producer_discovery.identification.track import SourceAnswer, TrackIsrc, TrackToIdentify

Client = TypeVar("Client", bound=ApiClient)

Ask = Callable[[TrackToIdentify, TrackIsrc], SourceAnswer]


class ClientFactory(Protocol):
    def __call__(self, client_class: type[Client]) -> Client:
        """A client of that class, built by the runtime (shared limits, metrics, cache)."""


@dataclass(frozen=True)
class Tools:
    """What a source may use to build its asker: clients built by the runtime, the per-artist
    plans shared through the database (by source name), and Spotify for ISRCs (None when its
    credentials are not set)."""

    client: ClientFactory
    plans: Callable[[str], PlanStore]
    spotify: SpotifyClient | None


@dataclass(frozen=True)
class Credits:
    """How a source credits a song: `asker` builds what asks it about one song;
    `names_people` is True when its credits carry the person's id at the source (kept in
    producer_source_ids), False for a source without ids (a "(Prod. by …)" title)."""

    asker: Callable[[Tools], Ask]
    names_people: bool = True
