"""Storing one track's identification: one producer per person, credits, evidence, hand-off.

Runs inside the worker's one commit (`Outcome.write`):

1. Keep: evidence stored earlier from a source that is skipped this time (its token is
   missing) is read back and fused again, so a skipped source never erases what it said.
2. Fuse (`credits_fusion.fuse`); only people whose fused `counts_as_producer` is true go on
   (executive producers, engineers, writers and featured artists never become producers),
   and none who was forgotten (`forget_producer`: one of their normalized names or source
   ids is on the do-not-collect list) — they are neither stored nor credited again.
3. Resolve each person to a `producers` row, under transaction advisory locks on their
   normalized names and source ids (sorted, so two workers never deadlock and never both
   create the same person):
   - by source ids (`producer_source_ids`): the owner of the most trusted matching id; when
     the ids point to two rows (the person was first seen through different sources on
     different tracks), the rows are merged (`merge_same_person`, definitions/
     55_identities.sql: recorded with its evidence, and refused for rows with different ids
     of one source or kept apart by an operator);
   - else by normalized name, among the stored namesakes whose ids do not contradict the
     credit's (same source, different id = another person, never merged on name alone) and,
     when both carry ids (of different sources), who are linked to this credit: credited on
     this artist's tracks, or with one of this track's other producers; several left → the
     one linked so, if only one is;
   - else a new producer. Every source id of the credit is attached to the producer unless
     another producer already holds it. The display name follows the most trusted source.
   - then the other namesakes whose ids do not contradict the credit's: when the credit
     carries ids, linked ones (same artist, shared collaborators) are merged into the
     producer; the others (and every one, for a credit without ids: a title's "prod. X" is
     too little to tell two namesakes apart), become merge candidates for an operator.
4. Replace the track's credits: `track_producers` (fused confidence 1 − Π(1 − cₛ), every
   source joined with '+', roles; all three from the production credits only) and
   `track_producer_evidence` (one row per source and role, writer credits included, so what
   a source says instead of producer is kept); producers no longer credited lose their
   credit on this track.
5. Hand-off: the producers never enriched nor queued yet are marked queued and returned, so
   the caller sends exactly one social_enrichment message for each.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import psycopg

from producer_discovery.db import identities
from producer_discovery.db import producers as db
from producer_discovery.identification.credits import (
    Credit,
    counts_as_producer,
    production_credits,
)
from producer_discovery.identification.fusion import (
    FusedProducer,
    Ranking,
    fuse,
    fused_confidence,
    ordered_roles,
    trust_rank,
)

Connection = psycopg.Connection[Any]


@dataclass
class StoredCredits:
    """What one track's write did."""

    producers: dict[str, list[Credit]] = field(default_factory=dict)  # producer id → credits
    created: list[str] = field(default_factory=list)
    to_enrich: list[str] = field(default_factory=list)
    learned: dict[str, list[str]] = field(default_factory=dict)  # producer id → new "source:id"
    to_refresh: list[str] = field(default_factory=list)  # enriched producers that learned ids
    not_producers: list[str] = field(default_factory=list)  # names credited in other roles
    kept: int = 0

    def summary(self) -> dict[str, Any]:
        return {
            "outcome": "identified" if self.producers else "no_producer_found",
            "producers": len(self.producers),
            "new_producers": len(self.created),
            "enrichment_queued": len(self.to_enrich),
            "enrichment_refreshed": len(self.to_refresh),
            "not_producers": sorted(self.not_producers),
            "kept_from_skipped_sources": self.kept,
        }


def store_identification(
    conn: Connection,
    track_id: str,
    credits: list[Credit],
    skipped_sources: list[str],
    ranking: Ranking,
) -> StoredCredits:
    """Fuse a track's credits and store them (module docstring); call inside a transaction.
    `ranking` orders the credit sources by trust (the identifier's)."""
    kept = kept_credits(conn, track_id, skipped_sources)
    fused = fuse([*credits, *kept], ranking)
    producers = not_forgotten(conn, [person for person in fused if person.counts_as_producer])
    stored = StoredCredits(kept=len(kept))
    stored.not_producers = [
        person.display_name for person in fused if not person.counts_as_producer
    ]
    lock_identities(conn, producers)
    for producer in producers:
        resolution = resolve_producer(
            conn, producer, track_id, ranking, collaborators(producer, producers)
        )
        producer_id = resolution.producer_id
        for gone in resolution.merged:  # a row this track credited already, merged away
            stored.producers.setdefault(producer_id, []).extend(stored.producers.pop(gone, []))
            stored.learned.setdefault(producer_id, []).extend(stored.learned.pop(gone, []))
            stored.created = [created for created in stored.created if created != gone]
        stored.producers.setdefault(producer_id, []).extend(producer.evidence)
        if resolution.created:
            stored.created.append(producer_id)
        elif resolution.new_ids:
            stored.learned.setdefault(producer_id, []).extend(resolution.new_ids)
    replace_track_credits(conn, track_id, stored.producers)
    # Hand-off: the producers to send to social enrichment now, marked so no other commit
    # does; the enriched ones that learned a source id, reopened for one more enrichment.
    stored.to_enrich = db.mark_enrichment_queued(conn, list(stored.producers))
    stored.to_refresh = db.refresh_enrichment(conn, list(stored.learned))
    return stored


def not_forgotten(conn: Connection, producers: list[FusedProducer]) -> list[FusedProducer]:
    """The people not on the do-not-collect list (forget_producer), neither by a normalized
    name nor by a source id."""
    names = sorted({name for person in producers for name in identity_names(person)})
    ids = sorted(
        {f"{source}:{source_id}" for p in producers for source, source_id in p.ids.items()}
    )
    listed = db.forgotten(conn, names, ids)
    if not listed:
        return producers
    return [
        person
        for person in producers
        if not any(f"name:{name}" in listed for name in identity_names(person))
        and not any(
            f"id:{source}:{source_id}" in listed for source, source_id in person.ids.items()
        )
    ]


# Kept evidence -----------------------------------------------------------------------------
def kept_credits(conn: Connection, track_id: str, sources: list[str]) -> list[Credit]:
    """The track's stored evidence from the given (skipped) sources, as credits again."""
    if not sources:
        return []
    return [credit_from_evidence(stored) for stored in db.kept_evidence(conn, track_id, sources)]


def credit_from_evidence(stored: db.StoredEvidence) -> Credit:
    evidence = stored.evidence
    return Credit(
        name=stored.name,
        normalized_name=stored.normalized_name,
        role=evidence.role,
        counts_as_producer=counts_as_producer(evidence.role),
        source=evidence.source,
        source_id=evidence.source_id,
        role_label=evidence.role_label,
        attributes=evidence.attributes,
        confidence=evidence.confidence,
    )


# Identity ----------------------------------------------------------------------------------
def identity_names(producer: FusedProducer) -> list[str]:
    """The normalized names the person's credits identify them by."""
    return sorted(
        {credit.normalized_name for credit in producer.evidence} | {producer.normalized_name}
    )


def lock_keys(producers: Iterable[FusedProducer]) -> list[str]:
    keys: set[str] = set()
    for producer in producers:
        keys |= {f"producer name {name}" for name in identity_names(producer)}
        keys |= {f"producer id {source} {source_id}" for source, source_id in producer.ids.items()}
    return sorted(keys)


def lock_identities(conn: Connection, producers: list[FusedProducer]) -> None:
    """Transaction locks on every name and id about to be resolved, in one global order."""
    for key in lock_keys(producers):
        db.lock_identity(conn, key)


def collaborators(producer: FusedProducer, producers: list[FusedProducer]) -> list[str]:
    """The normalized names of the track's other producers."""
    own = set(identity_names(producer))
    return sorted(
        {name for other in producers if other is not producer for name in identity_names(other)}
        - own
    )


@dataclass
class Resolution:
    """The producer row of one fused person: whether it is new, the source ids ("source:id")
    it learned in this commit, and the rows merged into it."""

    producer_id: str
    created: bool
    new_ids: list[str] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)

    def merge(self, conn: Connection, gone: str, evidence: dict[str, Any]) -> None:
        """Merge `gone` into this row as one person, unless the pair may never be merged."""
        gained = identities.merge_same_person(
            conn, self.producer_id, gone, identities.IDENTIFICATION, evidence
        )
        if gained is not None:
            self.new_ids.extend(gained)
            self.merged.append(gone)


def resolve_producer(
    conn: Connection,
    producer: FusedProducer,
    track_id: str,
    ranking: Ranking,
    co_credited: list[str] | None = None,
) -> Resolution:
    """The producer row of a fused person (module docstring, step 3)."""
    owners = owners_by_source_ids(conn, producer, ranking)
    candidates = db.namesakes(conn, identity_names(producer), track_id, co_credited or [])
    owner = owners[0] if owners else owner_by_name(candidates, producer)
    if owner is None:
        resolution = Resolution(insert_producer(conn, producer, ranking), created=True)
    else:
        resolution = Resolution(owner, created=False)
        rename_producer(conn, owner, producer, ranking)
    for other in owners[1:]:
        ids = sorted(f"{source}:{source_id}" for source, source_id in producer.ids.items())
        resolution.merge(
            conn,
            other,
            {"reason": "one credit carries ids of both", "source_ids": ids, "track_id": track_id},
        )
    for source, source_id in producer.ids.items():
        if db.attach_source_id(conn, resolution.producer_id, source, source_id):
            resolution.new_ids.append(f"{source}:{source_id}")
    join_namesakes(conn, resolution, producer, track_id, candidates, owners)
    return resolution


def join_namesakes(
    conn: Connection,
    resolution: Resolution,
    producer: FusedProducer,
    track_id: str,
    candidates: list[db.Namesake],
    owners: list[str],
) -> None:
    """The other namesakes the credit does not contradict: merged when linked (same artist,
    shared collaborators) and the credit carries ids, else recorded as merge candidates
    (module docstring, step 3)."""
    for namesake in candidates:
        if namesake.producer_id == resolution.producer_id or namesake.producer_id in owners:
            continue
        if contradicts(namesake.ids, producer.ids):
            continue  # another person of the same name
        if namesake.linked and producer.ids:
            evidence = {
                "reason": "the same name, linked by artists or collaborators",
                "normalized_name": producer.normalized_name,
                "artist_credits": namesake.artist_credits,
                "shared_collaborators": namesake.shared_collaborators,
                "track_id": track_id,
            }
            resolution.merge(conn, namesake.producer_id, evidence)
        else:
            identities.record_candidate(
                conn,
                resolution.producer_id,
                namesake.producer_id,
                identities.IDENTIFICATION,
                track_id,
            )


def owners_by_source_ids(conn: Connection, producer: FusedProducer, ranking: Ranking) -> list[str]:
    """The producers holding the person's source ids, the most trusted source's first."""
    owners = db.producers_by_source_ids(conn, producer.ids)
    owners.sort(key=lambda owner: trust_rank(owner.source, ranking))
    return list(dict.fromkeys(owner.producer_id for owner in owners))


def owner_by_name(candidates: list[db.Namesake], producer: FusedProducer) -> str | None:
    """The stored namesake who can be this person, or None (module docstring)."""
    compatible = [c for c in candidates if can_be(c, producer)]
    if len(compatible) > 1:
        compatible = [c for c in compatible if c.linked]
    return compatible[0].producer_id if len(compatible) == 1 else None


def can_be(candidate: db.Namesake, producer: FusedProducer) -> bool:
    """Whether a stored namesake may be this person. Both known by ids of other sources only
    (Discogs here, Genius there): the name alone is not enough — two "Alex Kim"s — so it takes
    the namesake's credits on this artist's tracks, or with this track's other producers, to
    corroborate it."""
    if contradicts(candidate.ids, producer.ids):
        return False
    if producer.ids and candidate.ids:
        return candidate.linked
    return True


def contradicts(stored_ids: dict[str, list[str]], credited_ids: dict[str, str]) -> bool:
    """True when a stored producer has, for a source, ids that are not the credit's id."""
    return any(
        source in stored_ids and source_id not in stored_ids[source]
        for source, source_id in credited_ids.items()
    )


def name_source(producer: FusedProducer, ranking: Ranking) -> str:
    """The source whose credit names the person (the most trusted one)."""
    return min(
        (credit.source for credit in producer.evidence),
        key=lambda source: trust_rank(source, ranking),
    )


def insert_producer(conn: Connection, producer: FusedProducer, ranking: Ranking) -> str:
    return db.insert_producer(
        conn, producer.display_name, producer.normalized_name, name_source(producer, ranking)
    )


def rename_producer(
    conn: Connection, producer_id: str, producer: FusedProducer, ranking: Ranking
) -> None:
    source = name_source(producer, ranking)
    db.rename_producer(conn, producer_id, producer.display_name, source, ranking)


# Credits -----------------------------------------------------------------------------------
def replace_track_credits(
    conn: Connection, track_id: str, producers: dict[str, list[Credit]]
) -> None:
    """The track's credits and evidence become exactly these (module docstring, step 4)."""
    db.replace_track_credits(
        conn,
        track_id,
        [
            db.TrackCredit(
                producer_id=producer_id,
                confidence=round(fused_confidence(production_credits(credits)), 6),
                source="+".join(sorted({c.source for c in production_credits(credits)})),
                roles=ordered_roles(production_credits(credits)),
                evidence=[evidence_of(credit) for credit in credits],
            )
            for producer_id, credits in producers.items()
        ],
    )


def evidence_of(credit: Credit) -> db.Evidence:
    return db.Evidence(
        source=credit.source,
        source_id=credit.source_id,
        role=credit.role,
        role_label=credit.role_label,
        attributes=tuple(credit.attributes),
        confidence=credit.confidence,
    )
