"""What a source contributes to a producer's public profile.

    Profile          the `profile` part of a source's entry in the registry
                     (producer_discovery.sources): how its client looks a profile up, how a
                     profile document reads, and what it is looked up by
    ProfileSource    that part bound for one worker process: a lookup (None when the source
                     is not configured), its name as metadata records it, and its trust

A profile is looked up by the producer's ids at the source (`by_field` None: Genius,
MusicBrainz, Discogs), or by the value of a profile field the other sources found
(`by_field="instagram_handle"`: Business Discovery).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from producer_discovery.enrichment.profiles import ProfileValue, SocialFinding, findings_of
from producer_discovery.errors import PermanentError

JsonDocument = dict[str, Any]
SourceLookup = Callable[[str], JsonDocument | None]
Reader = Callable[[JsonDocument], list[ProfileValue]]
Client = TypeVar("Client")


@dataclass(frozen=True)
class ProfileSource:
    """One public source as the Enricher asks it (enrichment.store)."""

    name: str  # as metadata.social and metadata.enrichment record it
    trust: float
    lookup: SourceLookup | None  # None: the source is not configured
    read: Reader
    by_field: str | None = None  # None: looked up by the producer's ids at `name`
    only_source_of: frozenset[str] = frozenset()  # fields no other source may give

    def findings(self, document: JsonDocument, seen_at: datetime) -> list[SocialFinding]:
        """What one profile document of this source shows, seen at `seen_at`."""
        return findings_of(self.read(document), self.name, self.trust, seen_at)


@dataclass(frozen=True)
class Profile(Generic[Client]):
    """How a source contributes to profiles: `lookup(client)` looks a profile up by id or
    field value, `read` turns its document into profile values; `recorded_as` names it in
    metadata when that is not the source's name ("instagram-graph")."""

    lookup: Callable[[Client], SourceLookup]
    read: Reader
    by_field: str | None = None
    recorded_as: str | None = None
    only_source_of: frozenset[str] = field(default_factory=frozenset)

    def bound(self, name: str, trust: float, client: Client | None) -> ProfileSource:
        """The source asked by one worker process: `client` None when it is not configured."""
        return ProfileSource(
            name=self.recorded_as or name,
            trust=trust,
            lookup=self.lookup(client) if client is not None else None,
            read=self.read,
            by_field=self.by_field,
            only_source_of=self.only_source_of,
        )


def numeric_lookup(lookup: Callable[[int], JsonDocument | None]) -> SourceLookup:
    """A lookup by a numeric id (Genius, Discogs) that takes the id as stored, as text."""

    def by_text(identifier: str) -> JsonDocument | None:
        if not identifier.isdigit():
            raise PermanentError(f"not a numeric id: {identifier!r}")
        return lookup(int(identifier))

    return by_text
