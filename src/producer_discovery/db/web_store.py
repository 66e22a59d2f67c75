"""What the web app reads and changes, each one named query over the SQL functions of
migrations/definitions/80_web.sql (the same ones the CLI and psql call).

Every request gets a pooled connection in one transaction. Where the database has the
least-privilege roles (`discovery_reader`, `discovery_operator`) and the app's login may take
them, the transaction first does `SET LOCAL ROLE` to the reader for anonymous requests and to
the operator for operator requests; otherwise it runs as the login itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from producer_discovery.db.queries import query
from producer_discovery.db.watch import NEW_SINCE_MAX, new_since

READER = "discovery_reader"
OPERATOR = "discovery_operator"

Connection = psycopg.Connection[dict[str, Any]]


class Store:
    """A connection pool and the queries of the web app."""

    def __init__(self, url: str, max_size: int = 8) -> None:
        self.pool: ConnectionPool[Connection] = ConnectionPool(
            url,
            min_size=1,
            max_size=max_size,
            open=False,
            kwargs={"row_factory": dict_row},
            name="web",
        )
        self.roles: dict[str, bool] = {}

    def open(self) -> None:
        self.pool.open(wait=True, timeout=30)
        with self.pool.connection() as conn:
            rows = conn.execute(
                query("web_available_roles"), {"roles": [READER, OPERATOR]}
            ).fetchall()
        self.roles = {row["rolname"]: row["usable"] for row in rows}

    def close(self) -> None:
        self.pool.close()

    @contextmanager
    def connection(self, operator: bool) -> Iterator[Connection]:
        """One transaction, as the reader or the operator role where those can be taken."""
        role = OPERATOR if operator else READER
        with self.pool.connection() as conn:
            if self.roles.get(role):
                conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role)))
            yield conn

    # Reading ----------------------------------------------------------------------------

    def search(self, text: str, limit: int = 10) -> dict[str, list[dict[str, Any]]]:
        with self.connection(operator=False) as conn:
            parameters = {"q": text, "limit": limit}
            return {
                "artists": conn.execute(query("search_artists"), parameters).fetchall(),
                "producers": conn.execute(query("search_producers"), parameters).fetchall(),
            }

    def artist(self, artist_id: str) -> dict[str, Any] | None:
        with self.connection(operator=False) as conn:
            row = conn.execute(query("artist_document"), {"artist_id": artist_id}).fetchone()
        return row["artist"] if row else None

    def producer(self, producer_id: str, with_contact: bool) -> dict[str, Any] | None:
        with self.connection(operator=with_contact) as conn:
            row = conn.execute(query("producer_document"), {"producer_id": producer_id}).fetchone()
            document: dict[str, Any] | None = row["producer"] if row else None
            if document is not None and with_contact:
                contact = conn.execute(
                    query("producer_contact"), {"producer_id": producer_id}
                ).fetchone()
                document.update(contact["contact"] if contact else {})
        return document

    def leaderboard(self, limit: int) -> list[dict[str, Any]]:
        with self.connection(operator=False) as conn:
            return conn.execute(query("producer_leaderboard_top"), {"limit": limit}).fetchall()

    def pipeline(self, hours: int = 24, operator: bool = False) -> dict[str, Any]:
        """The overview and history everyone sees (counts); for the operator also the dead
        letters' bodies and the open worker issues' messages."""
        with self.connection(operator=False) as conn:
            overview = conn.execute(query("pipeline_overview")).fetchone()
            history = conn.execute(query("pipeline_history"), {"hours": hours}).fetchone()
        assert overview is not None
        assert history is not None
        document: dict[str, Any] = overview["overview"] | {"history": history["history"]}
        if operator:
            with self.connection(operator=True) as conn:
                details = conn.execute(query("pipeline_details")).fetchone()
            assert details is not None
            document |= details["details"]
        return document

    def merge_candidates(self) -> list[dict[str, Any]]:
        """The possible duplicates (producer_merge_candidates(), definitions/55_identities.sql),
        readable by everyone: names, ids, sources, artists and the evidence in words."""
        with self.connection(operator=False) as conn:
            return conn.execute(query("identity_candidates")).fetchall()

    # What is new (definitions/85_watch.sql) ---------------------------------------------

    def new_since(self, since: datetime, maximum: int = NEW_SINCE_MAX) -> dict[str, Any]:
        """Albums and credits that arrived since `since` (no contact details: the reader)."""
        with self.connection(operator=False) as conn:
            return new_since(conn, since, maximum)

    # Operator sessions (migration 0110) --------------------------------------------------

    def session_open(self, id_hash: str, seconds: int) -> None:
        with self.connection(operator=True) as conn:
            conn.execute(query("web_session_open"), {"id_hash": id_hash, "seconds": seconds})

    def session_valid(self, id_hash: str) -> bool:
        with self.connection(operator=True) as conn:
            row = conn.execute(query("web_session_valid"), {"id_hash": id_hash}).fetchone()
        return bool(row and row["valid"])

    def session_revoke(self, id_hash: str) -> None:
        with self.connection(operator=True) as conn:
            conn.execute(query("web_session_revoke"), {"id_hash": id_hash})

    # Operator actions -------------------------------------------------------------------

    def discover_artist(self, name: str) -> list[int]:
        with self.connection(operator=True) as conn:
            row = conn.execute(query("discover_artist"), {"name": name}).fetchone()
        return [int(row["msg_id"])] if row else []

    def discover_genre(self, genre: str, limit: int) -> list[int]:
        with self.connection(operator=True) as conn:
            rows = conn.execute(
                query("discover_genre"), {"genre": genre, "limit": limit}
            ).fetchall()
        return [int(row["msg_id"]) for row in rows]

    def forget_producer(self, producer_id: str) -> dict[str, Any] | None:
        """Erase a producer and keep them from being collected again (forget_producer)."""
        with self.connection(operator=True) as conn:
            row = conn.execute(query("producer_forget"), {"producer_id": producer_id}).fetchone()
        return row["forgotten"] if row else None

    def merge_producers(self, keep: str, gone: str, reason: str) -> int:
        """An operator merges `gone` into `keep` (merge_producers_by_operator): the merge id."""
        with self.connection(operator=True) as conn:
            row = conn.execute(
                query("identity_merge_by_operator"), {"a": keep, "b": gone, "reason": reason}
            ).fetchone()
        assert row is not None
        return int(row["merge_id"])

    def keep_producers_apart(self, first: str, second: str, reason: str) -> bool:
        """Two producers are two people, for good (keep_producers_apart)."""
        with self.connection(operator=True) as conn:
            row = conn.execute(
                query("identity_keep_apart"), {"a": first, "b": second, "reason": reason}
            ).fetchone()
        return bool(row and row["recorded"])

    def replay(self, queue: str, message_id: int) -> list[dict[str, Any]]:
        with self.connection(operator=True) as conn:
            return conn.execute(
                query("dlq_replay"), {"queue": queue, "message_id": message_id}
            ).fetchall()

    # Recommendations and exports ----------------------------------------------------------

    def recommendations(self, artist_id: str, limit: int) -> dict[str, Any] | None:
        """get_recommended_producers: the producers to suggest to an artist (no contact
        data), or None for an unknown artist."""
        with self.connection(operator=False) as conn:
            row = conn.execute(
                query("recommended_producers"), {"artist_id": artist_id, "limit": limit}
            ).fetchone()
        return row["recommendations"] if row else None

    def emails(self, producer_ids: list[str]) -> dict[str, str | None]:
        """{producer id: e-mail} for an operator's export (read as the operator role)."""
        with self.connection(operator=True) as conn:
            rows = conn.execute(query("producers_emails"), {"ids": producer_ids}).fetchall()
        return {row["id"]: row["email"] for row in rows}
