"""Identification plans shared through PostgreSQL (`identification_plans`, migration 0091).

A credit source plans a whole artist at once (which release holds each album, which
recording each song) and every song's message reuses the plan:

    plans = IdentificationPlans(pool, "musicbrainz")
    plans.read(artist_id)              {subject: {key: decision}}, entries younger than max_age
    with plans.planning(artist_id):    the one right to extend this artist's plan (single
        plans.read(artist_id) …        flight across processes: a session advisory lock)
        plans.record(artist_id, entries)
    plans.albums(artist_id)            the artist's albums with stored tracks
    plans.songs(artist_id)             every song of the artist, as producer identification
                                       reads one (db.catalogue.TrackContext)

The lock is held on one pooled connection outside any transaction while the planner calls
the API; the others poll for it, then read what it recorded. A crashed holder's session ends
and its lock with it; a waiter that waited `wait_seconds` plans anyway (duplicate requests,
never a deadlock), as the response cache's single flight does.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from psycopg.rows import dict_row
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool

from producer_discovery.db.catalogue import TrackContext, artist_song_contexts
from producer_discovery.db.queries import query
from producer_discovery.db.single_flight import single_flight

JsonDocument = dict[str, Any]
Plan = dict[str, dict[str, JsonDocument]]  # subject → key → decision
DEFAULT_MAX_AGE = timedelta(days=7)  # as long as the response cache keeps what it was made of
DEFAULT_WAIT_SECONDS = 120.0


@dataclass(frozen=True)
class PlanEntry:
    subject: str  # "artist" | "album" | "song"
    key: str
    decision: JsonDocument


@dataclass(frozen=True)
class AlbumToPlan:
    """One of the artist's albums as a plan sees it."""

    album_id: str
    title: str
    metadata: JsonDocument
    artist_name: str
    songs: int  # songs identified through it (their representative track is on it)


class IdentificationPlans:
    def __init__(
        self,
        pool: ConnectionPool,
        source: str,
        max_age: timedelta = DEFAULT_MAX_AGE,
        wait_seconds: float = DEFAULT_WAIT_SECONDS,
    ) -> None:
        self.pool = pool
        self.source = source
        self.max_age = max_age
        self.wait_seconds = wait_seconds

    def read(self, artist_id: str) -> Plan:
        parameters = {
            "source": self.source,
            "artist_id": artist_id,
            "max_age_seconds": self.max_age.total_seconds(),
        }
        plan: Plan = {"artist": {}, "album": {}, "song": {}}
        with self.pool.connection() as conn:
            for subject, key, decision in conn.execute(
                query("identification_plan_read"), parameters
            ).fetchall():
                plan.setdefault(subject, {})[key] = decision
        return plan

    def record(self, artist_id: str, entries: Sequence[PlanEntry]) -> None:
        if not entries:
            return
        document = [{"subject": e.subject, "key": e.key, "decision": e.decision} for e in entries]
        parameters = {"source": self.source, "artist_id": artist_id, "entries": Jsonb(document)}
        with self.pool.connection() as conn:
            conn.execute(query("identification_plan_record"), parameters)

    @contextmanager
    def planning(self, artist_id: str) -> Iterator[None]:
        """Hold the one right to extend this artist's plan (see the module docstring)."""
        with single_flight(
            self.pool, f"identification_plan {self.source} {artist_id}", self.wait_seconds
        ):
            yield

    def albums(self, artist_id: str) -> list[AlbumToPlan]:
        with self.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cursor:
            rows = cursor.execute(
                query("identification_plan_albums"), {"artist_id": artist_id}
            ).fetchall()
        return [
            AlbumToPlan(
                row["album_id"],
                row["title"],
                row["metadata"],
                row["artist_name"],
                int(row["songs"] or 0),
            )
            for row in rows
        ]

    def songs(self, artist_id: str) -> list[TrackContext]:
        with self.pool.connection() as conn:
            return artist_song_contexts(conn, artist_id)
