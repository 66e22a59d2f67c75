"""The producer tables (producers, producer_source_ids, track_producers,
track_producer_evidence): identity, credits and evidence as producer identification writes
them, and the enrichment record social enrichment keeps.

    Identity      lock_identity, forgotten, producers_by_source_ids, namesakes,
                  insert_producer, rename_producer, attach_source_id
                  (merging the rows of one person: producer_discovery.db.identities)
    Credits       kept_evidence, replace_track_credits
    Enrichment    mark_enrichment_queued, refresh_enrichment, producer_with_ids,
                  record_enrichment

Every function runs its statements on the connection it is given: the writes of a stage land
in the runtime's one commit. Deciding who is who (fusion, trust, namesakes) is the domain's
(producer_discovery.identification.store); these only read and write rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from producer_discovery.db.queries import query

Connection = psycopg.Connection[Any]
JsonDocument = dict[str, Any]


# Identity ----------------------------------------------------------------------------------
def lock_identity(conn: Connection, key: str) -> None:
    """A transaction advisory lock on one name or source id (db/queries/producer_lock.sql)."""
    conn.execute(query("producer_lock"), {"key": key})


def forgotten(conn: Connection, names: Sequence[str], ids: Sequence[str]) -> set[str]:
    """Which of these normalized names and source ids ("source:id") are on the do-not-collect
    list (forget_producer, migration 0111): "name:<normalized name>" and "id:<source>:<id>"."""
    if not names and not ids:
        return set()
    rows = conn.execute(
        query("producer_forgotten"), {"names": list(names), "ids": list(ids)}
    ).fetchall()
    return {f"{row[0]}:{row[1]}" for row in rows}


@dataclass(frozen=True)
class SourceIdOwner:
    """A stored producer_source_ids row."""

    source: str
    source_id: str
    producer_id: str


def producers_by_source_ids(conn: Connection, ids: Mapping[str, str]) -> list[SourceIdOwner]:
    """The producers already known by any of these source → source id pairs (in no order)."""
    if not ids:
        return []
    sources, source_ids = zip(*ids.items(), strict=True)
    with conn.cursor(row_factory=dict_row) as cursor:
        rows = cursor.execute(
            query("producer_by_source_ids"),
            {"sources": list(sources), "source_ids": list(source_ids)},
        ).fetchall()
    return [SourceIdOwner(row["source"], row["source_id"], str(row["producer_id"])) for row in rows]


@dataclass(frozen=True)
class Namesake:
    """A stored producer under one of the wanted normalized names: the ids it is known by
    ({"genius": ["2400105"], …}), its credits on the tracks of a given track's artist, and
    how many of that track's other producers were credited with it."""

    producer_id: str
    ids: dict[str, list[str]]
    artist_credits: int
    shared_collaborators: int = 0

    @property
    def linked(self) -> bool:
        """Credited on the same artist, or with the same collaborators."""
        return self.artist_credits > 0 or self.shared_collaborators > 0


def namesakes(
    conn: Connection, names: Sequence[str], track_id: str, collaborators: Sequence[str] = ()
) -> list[Namesake]:
    """The producers stored under these normalized names, oldest first, with their links to
    the track's artist and to its other producers (`collaborators`, normalized names)
    (db/queries/producer_candidates_by_name.sql)."""
    with conn.cursor(row_factory=dict_row) as cursor:
        rows = cursor.execute(
            query("producer_candidates_by_name"),
            {"names": list(names), "track_id": track_id, "collaborators": list(collaborators)},
        ).fetchall()
    return [
        Namesake(
            str(row["producer_id"]),
            row["ids"],
            int(row["artist_credits"]),
            int(row["shared_collaborators"]),
        )
        for row in rows
    ]


def insert_producer(conn: Connection, name: str, normalized_name: str, name_source: str) -> str:
    """A new producer named by `name_source`; its id."""
    row = conn.execute(
        query("producer_insert"),
        {"name": name, "normalized_name": normalized_name, "source": name_source},
    ).fetchone()
    assert row is not None
    return str(row[0])


def rename_producer(
    conn: Connection, producer_id: str, name: str, name_source: str, ranking: Sequence[str]
) -> None:
    """The display name becomes `name` unless a source ranked before `name_source` in
    `ranking` (most trusted first) named the producer (db/queries/producer_rename.sql)."""
    conn.execute(
        query("producer_rename"),
        {"producer_id": producer_id, "name": name, "source": name_source, "ranking": list(ranking)},
    )


def attach_source_id(conn: Connection, producer_id: str, source: str, source_id: str) -> bool:
    """The source id joins the producer; False when it is not new (or another holds it)."""
    row = conn.execute(
        query("producer_attach_source_id"),
        {"source": source, "source_id": source_id, "producer_id": producer_id},
    ).fetchone()
    return row is not None


# Credits -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Evidence:
    """One source's credit of one producer on one track, in one role."""

    source: str
    source_id: str | None
    role: str
    role_label: str
    attributes: tuple[str, ...]
    confidence: float


@dataclass(frozen=True)
class StoredEvidence:
    """Evidence read back, with the name of the producer it credits."""

    name: str
    normalized_name: str
    evidence: Evidence


@dataclass(frozen=True)
class TrackCredit:
    """One producer's credit on a track: the fused confidence, the sources joined with '+',
    the roles, and the evidence behind it."""

    producer_id: str
    confidence: float
    source: str
    roles: list[str]
    evidence: list[Evidence] = field(default_factory=list)


def kept_evidence(conn: Connection, track_id: str, sources: Sequence[str]) -> list[StoredEvidence]:
    """The track's stored evidence from these sources (db/queries/producer_kept_evidence.sql)."""
    if not sources:
        return []
    with conn.cursor(row_factory=dict_row) as cursor:
        rows = cursor.execute(
            query("producer_kept_evidence"), {"track_id": track_id, "sources": list(sources)}
        ).fetchall()
    return [
        StoredEvidence(
            name=row["name"],
            normalized_name=row["normalized_name"],
            evidence=Evidence(
                source=row["source"],
                source_id=row["source_id"],
                role=row["role"],
                role_label=row["role_label"] or row["role"],
                attributes=tuple(row["attributes"] or ()),
                confidence=float(row["confidence"]),
            ),
        )
        for row in rows
    ]


def replace_track_credits(conn: Connection, track_id: str, credits: Sequence[TrackCredit]) -> None:
    """The track's credits and evidence become exactly these: the evidence is cleared, the
    credits of producers not among these removed, then each credit upserted with its evidence."""
    conn.execute(query("producer_clear_evidence"), {"track_id": track_id})
    conn.execute(
        query("producer_remove_stale_credits"),
        {"track_id": track_id, "producer_ids": [credit.producer_id for credit in credits]},
    )
    for credit in credits:
        conn.execute(
            query("producer_upsert_track_credit"),
            {
                "track_id": track_id,
                "producer_id": credit.producer_id,
                "confidence": credit.confidence,
                "source": credit.source,
                "roles": credit.roles,
            },
        )
        with conn.cursor() as cursor:
            cursor.executemany(
                query("producer_insert_evidence"),
                [evidence_row(track_id, credit.producer_id, item) for item in credit.evidence],
            )


def evidence_row(track_id: str, producer_id: str, evidence: Evidence) -> dict[str, Any]:
    return {
        "track_id": track_id,
        "producer_id": producer_id,
        "source": evidence.source,
        "source_id": evidence.source_id,
        "role": evidence.role,
        "role_label": evidence.role_label,
        "attributes": Jsonb(list(evidence.attributes)),
        "confidence": evidence.confidence,
    }


# Enrichment --------------------------------------------------------------------------------
def mark_enrichment_queued(conn: Connection, producer_ids: Sequence[str]) -> list[str]:
    """The producers among these never enriched nor queued, now marked queued; sorted."""
    if not producer_ids:
        return []
    rows = conn.execute(
        query("producer_mark_enrichment_queued"), {"producer_ids": list(producer_ids)}
    ).fetchall()
    return sorted(str(row[0]) for row in rows)


def refresh_enrichment(conn: Connection, producer_ids: Sequence[str]) -> list[str]:
    """The enriched producers among these, their enrichment reopened for a refresh
    (db/queries/producer_refresh_enrichment.sql); in id order."""
    if not producer_ids:
        return []
    # First wait for the rows (an enrichment committing now holds them), then read them and
    # their processing status in a statement of its own: in one statement, the status would
    # be read as it was before the wait (READ COMMITTED: a statement's snapshot is taken at
    # its start), an enrichment that completed meanwhile would look IN_PROGRESS and not be
    # reopened, and the refresh sent here would find the producer COMPLETED and be dropped.
    conn.execute(query("producer_lock_rows"), {"producer_ids": list(producer_ids)})
    rows = conn.execute(
        query("producer_refresh_enrichment"), {"producer_ids": list(producer_ids)}
    ).fetchall()
    return [str(row[0]) for row in rows]


@dataclass(frozen=True)
class ProducerIds:
    """A producer's name and the ids it is known by at each source that has any, oldest
    first: {"genius": ("2400105",), …}."""

    producer_id: str
    name: str
    source_ids: dict[str, tuple[str, ...]]


def producer_with_ids(conn: Connection, producer_id: UUID | str) -> ProducerIds | None:
    """The producer and its source ids, or None when there is no such producer."""
    with conn.cursor(row_factory=dict_row) as cursor:
        row = cursor.execute(query("enrichment_producer"), {"producer_id": producer_id}).fetchone()
    if row is None:
        return None
    source_ids = {source: tuple(ids) for source, ids in row["source_ids"].items()}
    return ProducerIds(row["producer_id"], row["name"], source_ids)


@dataclass(frozen=True)
class EnrichmentRecord:
    """One enrichment run's outcome (db/queries/enrichment_record.sql): the profile columns,
    whether every source asked could answer, metadata.social and metadata.enrichment."""

    instagram_handle: str | None
    instagram_bio: str | None
    email: str | None
    image_url: str | None
    complete: bool
    social: JsonDocument
    enrichment: JsonDocument


def record_enrichment(conn: Connection, producer_id: str, record: EnrichmentRecord) -> None:
    """Write one run's outcome on the producer row (and lock it until the commit)."""
    conn.execute(
        query("enrichment_record"),
        {
            "instagram_handle": record.instagram_handle,
            "instagram_bio": record.instagram_bio,
            "email": record.email,
            "image_url": record.image_url,
            "producer_id": producer_id,
            "complete": record.complete,
            "social": Jsonb(record.social),
            "enrichment": Jsonb(record.enrichment),
        },
    )
