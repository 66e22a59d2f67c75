"""What the operator commands read and change (`discover`, `status`, `health`, `dlq`,
`producers`, `demo`), each a named query, on one autocommit connection with dict rows, as the
operator login (or whatever login DATABASE_URL names).

    with OperatorDatabase.connect(url) as database:
        database.start_artist_discovery("Nova Reyes")
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.rows import dict_row

from producer_discovery.db.queries import query
from producer_discovery.errors import ConfigurationError

Row = dict[str, Any]


def check_connection(url: str) -> None:
    """Connect once, or raise a ConfigurationError of one line."""
    try:
        psycopg.connect(url, connect_timeout=10).close()
    except psycopg.OperationalError as error:
        raise ConfigurationError(f"cannot connect to the database: {first_line(error)}") from error


REFUSALS = (
    "password authentication failed",
    "no password supplied",
    "does not exist",
    "no pg_hba.conf entry",
)


def wait_for_connection(
    url: str, within: float = 30.0, log: Callable[[str], None] | None = None
) -> None:
    """Connect once, retrying while the server is not up yet (refused, starting up), with a
    back-off of 0.5 s doubling to 5 s, for at most `within` seconds; then a ConfigurationError
    of one line. Refused credentials or an unknown database fail at once."""
    deadline = time.monotonic() + within
    delay = 0.5
    while True:
        try:
            psycopg.connect(url, connect_timeout=10).close()
            return
        except psycopg.OperationalError as error:
            # libpq gives a refused connection no SQLSTATE: its message says what waiting
            # cannot cure (credentials, an unknown role or database)
            final = any(reason in str(error) for reason in REFUSALS)
            if final or time.monotonic() + delay > deadline:
                raise ConfigurationError(
                    f"cannot connect to the database: {first_line(error)}"
                ) from error
            if log:
                log(f"database not reachable yet ({first_line(error)}); retrying in {delay:g} s")
            time.sleep(delay)
            delay = min(delay * 2, 5.0)


def first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


class OperatorDatabase:
    def __init__(self, conn: psycopg.Connection[Row]) -> None:
        self.conn = conn

    @classmethod
    @contextmanager
    def connect(cls, url: str) -> Iterator[OperatorDatabase]:
        try:
            conn = psycopg.connect(url, autocommit=True, row_factory=dict_row, connect_timeout=10)
        except psycopg.OperationalError as error:
            raise ConfigurationError(
                f"cannot connect to the database: {first_line(error)}"
            ) from error
        with conn:
            yield cls(conn)

    def _rows(self, name: str, parameters: dict[str, Any] | None = None) -> list[Row]:
        return self.conn.execute(query(name), parameters or {}).fetchall()

    def _one(self, name: str, parameters: dict[str, Any] | None = None) -> Row | None:
        return self.conn.execute(query(name), parameters or {}).fetchone()

    # Discovery --------------------------------------------------------------------------
    def start_artist_discovery(self, name: str) -> int:
        """The queued message id (start_artist_discovery)."""
        row = self._one("start_artist_discovery", {"name": name})
        assert row is not None
        return int(row["msg_id"])

    def discovery_progress(self, message_id: int) -> dict[str, Any]:
        """get_discovery_progress: the artist, counts, queued messages per stage, idle."""
        row = self._one("discovery_progress", {"msg_id": message_id})
        assert row is not None
        progress: dict[str, Any] = row["progress"]
        return progress

    def worker_liveness(self) -> list[Row]:
        return self._rows("worker_liveness")

    def start_bulk_artist_discovery(
        self, genre: str, min_popularity: int | None, limit: int | None
    ) -> list[Row]:
        """One row per queued artist: artist_name, msg_id, source."""
        return self._rows(
            "start_bulk_artist_discovery",
            {"genre": genre, "min_popularity": min_popularity, "limit": limit},
        )

    # Status and health ------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        dead = self._one("dead_letter_count")
        redriven = self._one("redriven_count")
        return {
            "queues": self._rows("queue_depths"),
            "workers": self._rows("worker_liveness"),
            "processing": self._rows("processing_stats"),
            "dead_letters": int(dead["n"]) if dead else 0,
            "redriven_dead_letters": int(redriven["n"]) if redriven else 0,
            "throughput_last_15_minutes": self._rows("recent_throughput"),
            "retention": self._rows("retention_stats"),
            "sources": self._rows("source_gaps"),
        }

    def health(self) -> dict[str, Any]:
        row = self._one("system_health")
        assert row is not None
        health: dict[str, Any] = row["h"]
        return health

    # Dead letters -----------------------------------------------------------------------
    def dead_letters(self) -> list[Row]:
        return self._rows("dlq_list")

    def replay_dead_letters(self, queue: str | None, message_id: int | None) -> list[Row]:
        return self._rows("dlq_replay", {"queue": queue, "message_id": message_id})

    def producer_ids_by_prefix(self, prefix: str) -> list[str]:
        """At most two producer ids starting with `prefix` (lower-case hex and dashes)."""
        return [row["id"] for row in self._rows("producer_ids_by_prefix", {"prefix": prefix})]

    def catalogue_counts(self) -> dict[str, int]:
        """Artists, songs, producers and credits in the catalogue."""
        row = self._one("catalogue_counts")
        return {key: int(value) for key, value in (row or {}).items()}

    # Producers --------------------------------------------------------------------------
    def contact_visible(self) -> bool:
        """Whether this login may read contact details (an operator, not a reader)."""
        row = self._one("producers_contact_visible")
        return bool(row and row["visible"])

    def leaderboard(self, artist: str | None, with_contact: bool) -> list[Row]:
        name = "producers_leaderboard" if with_contact else "producers_leaderboard_public"
        return self._rows(name, {"artist": artist})

    def search(self, text: str, limit: int) -> dict[str, list[Row]]:
        parameters = {"q": text, "limit": limit}
        return {
            "artists": self._rows("search_artists", parameters),
            "producers": self._rows("search_producers", parameters),
        }

    def producer(self, producer_id: str) -> dict[str, Any] | None:
        """get_producer's document with get_producer_contact's fields, or None."""
        row = self._one("producer_document", {"producer_id": producer_id})
        document: dict[str, Any] | None = row["producer"] if row else None
        if document is not None:
            contact = self._one("producer_contact", {"producer_id": producer_id})
            document.update(contact["contact"] if contact and contact["contact"] else {})
        return document

    # Erasure ----------------------------------------------------------------------------
    def producers_named(self, normalized_name: str) -> list[Row]:
        """The producers stored under a normalized name (id, name), oldest first."""
        return self._rows("producer_ids_by_name", {"normalized_name": normalized_name})

    # Identities (definitions/55_identities.sql) ------------------------------------------
    def merge_candidates(self) -> list[Row]:
        """producer_merge_candidates(): the possible duplicates, with evidence."""
        return self._rows("identity_candidates")

    def merge_producers(self, keep: str, gone: str, reason: str | None) -> int:
        """merge_producers_by_operator(): the merge id."""
        row = self._one("identity_merge_by_operator", {"a": keep, "b": gone, "reason": reason})
        assert row is not None
        return int(row["merge_id"])

    def unmerge_producers(self, merge_id: int) -> dict[str, Any]:
        """unmerge_producers(): what was restored."""
        row = self._one("identity_unmerge", {"merge_id": merge_id})
        assert row is not None
        restored: dict[str, Any] = row["restored"]
        return restored

    def keep_producers_apart(self, first: str, second: str, reason: str | None) -> bool:
        """keep_producers_apart(): True when recorded now, False when kept apart already."""
        row = self._one("identity_keep_apart", {"a": first, "b": second, "reason": reason})
        return bool(row and row["recorded"])

    def forget_producer(self, producer_id: str) -> Row | None:
        """forget_producer(): what was deleted, or None when there is no such producer."""
        row = self._one("producer_forget", {"producer_id": producer_id})
        return row["forgotten"] if row else None

    def artists_named(self, name: str) -> list[Row]:
        """The artists of this name (case, accents and punctuation ignored)."""
        return self._rows("artists_named", {"name": name})

    def recommendations(self, artist_id: str, limit: int) -> dict[str, Any] | None:
        """get_recommended_producers' document, or None for an unknown artist."""
        row = self._one("recommended_producers", {"artist_id": artist_id, "limit": limit})
        document: dict[str, Any] | None = row["recommendations"] if row else None
        return document
