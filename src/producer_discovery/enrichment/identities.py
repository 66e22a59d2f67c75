"""After a producer's enrichment run, in the same commit: the other producer rows its profiles
say are the same person, merged into it (docs/reliability.md, "Identities").

- A MusicBrainz artist's url relation to a Discogs artist page (profile `same_as`,
  "discogs:12345"): the producer holding discogs:12345 is this person and is merged into this
  one; when nobody holds it, the id is attached to this producer, so a later Discogs credit
  finds it.
- The producer's name and its aliases (Genius alternate names, Discogs name variations,
  MusicBrainz aliases), normalized: another producer under one of them that is credited on
  the same artist, or with the same collaborators, is this person and is merged. One with
  nothing in common is left alone: a merge candidate when it bears the producer's own name.

A merge is refused (and nothing changes) for rows with different ids of one source or kept
apart by an operator (`merge_same_person`, definitions/55_identities.sql). Identity locks on
every name and id involved are taken first, in the order producer identification takes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import psycopg

from producer_discovery.db import identities
from producer_discovery.db import producers as db
from producer_discovery.enrichment.profiles import SocialProfile
from producer_discovery.text import normalize_name

Connection = psycopg.Connection[Any]


@dataclass
class Linked:
    """What one run's links did: the rows merged into the producer, the ids it gained
    ("source:id"), and the pairs left to an operator."""

    merged: list[str] = field(default_factory=list)
    gained: list[str] = field(default_factory=list)
    candidates: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {"merged_producers": self.merged, "learned_ids": self.gained}


def same_as_ids(profile: SocialProfile) -> list[tuple[str, str, str]]:
    """(source, id, where it was read) of every other-source id the profiles link."""
    found = []
    for item in profile.same_as:
        source, _, source_id = item.value.partition(":")
        if source and source_id:
            found.append((source, source_id, item.source))
    return found


def link_identities(
    conn: Connection, producer_id: str, name: str, profile: SocialProfile
) -> Linked:
    """Merge into `producer_id` the rows the profile says are the same person (module
    docstring); call inside the enrichment's commit."""
    linked = Linked()
    own_name = normalize_name(name)
    names = sorted({own_name} | {normalize_name(alias) for alias in profile.aliases} - {""})
    links = same_as_ids(profile)
    keys = {f"producer name {each}" for each in names}
    keys |= {f"producer id {source} {source_id}" for source, source_id, _ in links}
    for key in sorted(keys):
        db.lock_identity(conn, key)
    for source, source_id, read_from in links:
        link_source_id(conn, linked, producer_id, source, source_id, read_from)
    for namesake in identities.related_namesakes(conn, producer_id, names):
        if namesake.producer_id in linked.merged:
            continue
        if namesake.linked:
            evidence = {
                "reason": "an alias or the name names it, linked by artists or collaborators",
                "normalized_name": namesake.normalized_name,
                "shared_artists": namesake.shared_artists,
                "shared_collaborators": namesake.shared_collaborators,
            }
            merge(conn, linked, producer_id, namesake.producer_id, evidence)
        elif namesake.normalized_name == own_name and identities.record_candidate(
            conn, producer_id, namesake.producer_id, identities.ENRICHMENT, None
        ):
            linked.candidates.append(namesake.producer_id)
    return linked


def link_source_id(
    conn: Connection, linked: Linked, producer_id: str, source: str, source_id: str, read_from: str
) -> None:
    owners = {owner.producer_id for owner in db.producers_by_source_ids(conn, {source: source_id})}
    if not owners:
        if db.attach_source_id(conn, producer_id, source, source_id):
            linked.gained.append(f"{source}:{source_id}")
        return
    for owner in sorted(owners - {producer_id}):
        evidence = {"reason": f"the {read_from} profile links {source}:{source_id}"}
        merge(conn, linked, producer_id, owner, evidence)


def merge(conn: Connection, linked: Linked, keep: str, gone: str, evidence: dict[str, Any]) -> None:
    gained = identities.merge_same_person(conn, keep, gone, identities.ENRICHMENT, evidence)
    if gained is not None:
        linked.merged.append(gone)
        linked.gained.extend(gained)
