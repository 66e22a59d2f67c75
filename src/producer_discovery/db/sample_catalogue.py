"""The writes that seed the web's sample catalogues (sandbox/web_catalogue.py): rows as the five
stages leave them, written straight into the tables for tests and benchmarks. Each a named
query; they work on a connection of any row factory."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.rows import tuple_row
from psycopg.types.json import Jsonb

from producer_discovery.db.queries import query


def scalar(conn: psycopg.Connection[Any], name: str, parameters: dict[str, Any]) -> Any:
    """The first column of the one row a named query returns."""
    with conn.cursor(row_factory=tuple_row) as cursor:
        row = cursor.execute(query(name), parameters).fetchone()
    assert row is not None, name
    return row[0]


def seed_artist(
    conn: psycopg.Connection[Any], name: str, spotify_id: str, genres: list[str]
) -> str:
    return str(
        scalar(
            conn,
            "producer_seed_artist",
            {"name": name, "spotify_id": spotify_id, "metadata": Jsonb({"genres": genres})},
        )
    )


def seed_album(
    conn: psycopg.Connection[Any],
    artist_id: str,
    name: str,
    spotify_id: str,
    track_count: int,
    release_date: str | None,
) -> str:
    album_id = str(
        scalar(
            conn,
            "producer_seed_album",
            {
                "artist_id": artist_id,
                "name": name,
                "spotify_id": spotify_id,
                "metadata": Jsonb({"album_type": "album", "total_tracks": track_count}),
            },
        )
    )
    conn.execute(query("web_seed_album_date"), {"album_id": album_id, "release_date": release_date})
    return album_id


def seed_producer(conn: psycopg.Connection[Any], name: str, normalized_name: str) -> str:
    return str(
        scalar(
            conn,
            "producer_insert",
            {"name": name, "normalized_name": normalized_name, "source": "genius"},
        )
    )


def seed_profile(
    conn: psycopg.Connection[Any], producer_id: str, profile: dict[str, Any], social: dict[str, Any]
) -> None:
    conn.execute(
        query("enrichment_record"),
        {
            "producer_id": producer_id,
            "complete": True,
            "instagram_handle": profile.get("instagram_handle"),
            "instagram_bio": profile.get("bio"),
            "email": profile.get("email"),
            "image_url": profile.get("image_url"),
            "social": Jsonb(social),
            "enrichment": Jsonb({"sources": ["genius"]}),
        },
    )


def seed_credit(
    conn: psycopg.Connection[Any],
    track_id: str,
    producer_id: str,
    confidence: float,
    roles: list[str],
    sources: dict[str, float],
    other_roles: dict[str, str] | None = None,
) -> None:
    """One fused credit and its evidence, one row per source; `other_roles` ({source: label
    of a writing role}) adds what a source says instead (evidence only, role "writer")."""
    conn.execute(
        query("producer_upsert_track_credit"),
        {
            "track_id": track_id,
            "producer_id": producer_id,
            "confidence": confidence,
            "source": "+".join(sorted(sources)),
            "roles": roles,
        },
    )
    evidence = [
        (source, roles[0], roles[0].title(), source_confidence)
        for source, source_confidence in sorted(sources.items())
    ] + [(source, "writer", label, 0.7) for source, label in sorted((other_roles or {}).items())]
    for source, role, role_label, source_confidence in evidence:
        conn.execute(
            query("producer_insert_evidence"),
            {
                "track_id": track_id,
                "producer_id": producer_id,
                "source": source,
                "source_id": None,
                "role": role,
                "role_label": role_label,
                "attributes": Jsonb([]),
                "confidence": source_confidence,
            },
        )


def seed_dead_letter(conn: psycopg.Connection[Any], artist_name: str, reason: str) -> int:
    """An artist_discovery message dead-lettered as the runtime does it; its DLQ message id."""
    conn.execute(query("web_seed_dead_letter"), {"name": artist_name, "reason": reason})
    with conn.cursor(row_factory=tuple_row) as cursor:
        rows = cursor.execute(query("dlq_list")).fetchall()
        names = [column.name for column in cursor.description or []]
    position = names.index("message_id")
    return max(int(row[position]) for row in rows)
