"""Linking the producer rows of one person (definitions/55_identities.sql, migration 0132):
the automatic merge, the merge candidates, and the namesakes related to a producer.

Every function runs on the connection it is given, inside the caller's one commit. Deciding
who is who is the domain's (identification.store, enrichment.identities)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from producer_discovery.db.queries import query

Connection = psycopg.Connection[Any]

IDENTIFICATION = "identification"
ENRICHMENT = "enrichment"


def merge_same_person(
    conn: Connection, keep: str, gone: str, decided_by: str, evidence: Mapping[str, Any]
) -> list[str] | None:
    """Merge `gone` into `keep`, recorded with its evidence; the source ids ("source:id")
    `keep` gained, or None when the pair may never be merged (nothing changed)."""
    row = conn.execute(
        query("identity_merge_same_person"),
        {"keep": keep, "gone": gone, "decided_by": decided_by, "evidence": Jsonb(dict(evidence))},
    ).fetchone()
    if row is None or row[0] is None:
        return None
    return list(row[0])


def record_candidate(
    conn: Connection, first: str, second: str, noticed_by: str, track_id: str | None
) -> bool:
    """Two namesakes nothing links nor tells apart, listed for an operator; True when new."""
    row = conn.execute(
        query("identity_record_candidate"),
        {"a": first, "b": second, "noticed_by": noticed_by, "track_id": track_id},
    ).fetchone()
    return bool(row and row[0])


@dataclass(frozen=True)
class RelatedNamesake:
    """Another producer under one of the wanted names, and what links it to a producer."""

    producer_id: str
    normalized_name: str
    shared_artists: int
    shared_collaborators: int

    @property
    def linked(self) -> bool:
        return self.shared_artists > 0 or self.shared_collaborators > 0


def related_namesakes(
    conn: Connection, producer_id: str, names: Sequence[str]
) -> list[RelatedNamesake]:
    """The other producers under these normalized names, oldest first
    (db/queries/identity_related_namesakes.sql)."""
    if not names:
        return []
    with conn.cursor(row_factory=dict_row) as cursor:
        rows = cursor.execute(
            query("identity_related_namesakes"),
            {"producer_id": producer_id, "names": list(names)},
        ).fetchall()
    return [
        RelatedNamesake(
            str(row["producer_id"]),
            row["normalized_name"],
            int(row["shared_artists"]),
            int(row["shared_collaborators"]),
        )
        for row in rows
    ]
