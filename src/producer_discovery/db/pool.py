"""The connection pool every worker process uses: autocommit connections, configured on
connect, checked before use and replaced when broken (reconnects after a database restart)."""

from __future__ import annotations

from typing import Any

from psycopg_pool import ConnectionPool

SESSION_SETTINGS = (
    # A worker never holds a transaction open while it waits: these make sure of it.
    "SET idle_in_transaction_session_timeout = '60s'",
    "SET statement_timeout = '60s'",
    "SET application_name = 'producer-discovery'",
)


def configure_connection(conn: Any) -> None:
    for statement in SESSION_SETTINGS:
        conn.execute(statement)


def open_pool(url: str, size: int) -> ConnectionPool:
    """A pool of autocommit connections; broken ones are replaced (reconnects after a restart)."""
    return ConnectionPool(
        url,
        min_size=1,
        max_size=size,
        kwargs={"autocommit": True},
        configure=configure_connection,
        check=ConnectionPool.check_connection,
        reconnect_timeout=3600,
        open=True,
        name="producer-discovery",
    )
