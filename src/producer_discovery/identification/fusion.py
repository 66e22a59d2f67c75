"""Fusing the credits of one track from several sources into one entry per person.

Identity, in this order:
1. Source ids. Two credits with the same Genius artist id, the same MBID or the same Discogs
   artist id are the same person.
2. The normalized name, across sources. A credit joins the one person of that name who has
   no id yet from the credit's source. Two credits of the same name with *different* ids
   from the same source are two people, and a name shared by several people is ambiguous:
   the credit then stands alone rather than being guessed onto one of them.
3. Credits without an id (a "(Prod. by …)" title hint) join the single person of that name
   when there is exactly one; otherwise they form their own entry.

Confidence grows with independent sources: 1 − Π(1 − cₛ), where cₛ is the highest
confidence of any credit from source s. Several credits from one source are one witness.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from producer_discovery.errors import ConfigurationError
from producer_discovery.identification.credits import (
    PRODUCTION_ROLES,
    Credit,
    production_credits,
)

Ranking = tuple[str, ...]  # the credit sources, most trusted first (the registry's trust)


@dataclass
class FusedProducer:
    """One person credited on one track, with every source's evidence."""

    display_name: str
    normalized_name: str
    ids: dict[str, str]  # {"genius": "123", "musicbrainz": "<mbid>", "discogs": "456"}
    roles: list[str]
    counts_as_producer: bool
    sources: list[str]  # alphabetical
    confidence: float
    evidence: list[Credit] = field(default_factory=list)

    @property
    def source(self) -> str:
        """The sources as stored in `track_producers.source`: "genius+musicbrainz"."""
        return "+".join(self.sources)

    def to_json(self) -> dict[str, Any]:
        """A JSON-serialisable dict of everything known about this credit."""
        return {
            "name": self.display_name,
            "normalized_name": self.normalized_name,
            "ids": dict(self.ids),
            "roles": list(self.roles),
            "counts_as_producer": self.counts_as_producer,
            "source": self.source,
            "sources": list(self.sources),
            "confidence": round(self.confidence, 6),
            "evidence": [credit.evidence() for credit in self.evidence],
        }


@dataclass
class Person:
    """Credits believed to name one person while fusing."""

    credits: list[Credit] = field(default_factory=list)
    ids: dict[str, str] = field(default_factory=dict)
    names: set[str] = field(default_factory=set)

    def add(self, credit: Credit) -> None:
        self.credits.append(credit)
        self.names |= credit.name_keys
        if credit.source_id is not None:
            self.ids.setdefault(credit.source, credit.source_id)


def trust_rank(source: str, ranking: Ranking) -> int:
    """0 for the most trusted source, larger for less trusted ones; a source the ranking does
    not name is refused (no source is silently trusted least)."""
    if source not in ranking:
        raise ConfigurationError(f"{source!r} is not a registered credit source")
    return ranking.index(source)


def same_name_people(people: list[Person], credit: Credit) -> list[Person]:
    """The people already known under one of the credit's normalized names."""
    return [person for person in people if person.names & credit.name_keys]


def person_for(people: list[Person], credit: Credit) -> Person | None:
    """The person a credit belongs to, or None when it is someone new (module rules)."""
    if credit.source_id is not None:
        for person in people:
            if person.ids.get(credit.source) == credit.source_id:
                return person
    namesakes = same_name_people(people, credit)
    taken = any(credit.source in person.ids for person in namesakes)
    if credit.source_id is not None and taken:
        return None
    return namesakes[0] if len(namesakes) == 1 else None


def group_people(credits: Iterable[Credit], ranking: Ranking) -> list[Person]:
    """Credits grouped into people: credits with ids first, most trusted source first."""
    ordered = sorted(
        credits, key=lambda credit: (credit.source_id is None, trust_rank(credit.source, ranking))
    )
    people: list[Person] = []
    for credit in ordered:
        person = person_for(people, credit)
        if person is None:
            person = Person()
            people.append(person)
        person.add(credit)
    return people


def fused_confidence(credits: Iterable[Credit]) -> float:
    """1 − Π(1 − cₛ) over sources, cₛ the best confidence a source gave."""
    best: dict[str, float] = {}
    for credit in credits:
        best[credit.source] = max(best.get(credit.source, 0.0), credit.confidence)
    return 1.0 - math.prod(1.0 - confidence for confidence in best.values())


def ordered_roles(credits: Iterable[Credit]) -> list[str]:
    """Distinct roles, main producing roles first and executive last."""
    roles = {credit.role for credit in credits}
    rank = {role: index for index, role in enumerate(PRODUCTION_ROLES)}
    return sorted(roles, key=lambda role: (rank.get(role, len(rank)), role))


def fuse_person(person: Person, ranking: Ranking) -> FusedProducer:
    """The fused view of one person's credits; the most trusted source names them."""
    credits = sorted(person.credits, key=lambda credit: trust_rank(credit.source, ranking))
    namer = credits[0]
    # roles, sources and confidence come from the production credits; a writer credit is
    # evidence only (all credits when there is none: such a person is no producer anyway)
    asserting = production_credits(credits) or credits
    return FusedProducer(
        display_name=namer.name,
        normalized_name=namer.normalized_name,
        ids=dict(sorted(person.ids.items(), key=lambda item: trust_rank(item[0], ranking))),
        roles=ordered_roles(asserting),
        counts_as_producer=any(credit.counts_as_producer for credit in credits),
        sources=sorted({credit.source for credit in asserting}),
        confidence=fused_confidence(asserting),
        evidence=credits,
    )


def fuse(credits: Iterable[Credit], ranking: Ranking) -> list[FusedProducer]:
    """One entry per person credited on a track, most confident first; `ranking` orders the
    sources by trust (producer_discovery.sources)."""
    fused = [fuse_person(person, ranking) for person in group_people(credits, ranking)]
    return sorted(fused, key=lambda producer: (-producer.confidence, producer.normalized_name))
