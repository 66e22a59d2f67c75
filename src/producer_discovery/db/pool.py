"""The connection pool every worker process uses: autocommit connections with bounded waits on
the wire, configured on connect, checked before use and replaced when broken (reconnects after
a database restart); and the check of a process's connections against max_connections."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

from producer_discovery.db.queries import query

SESSION_SETTINGS = (
    # A worker never holds a transaction open while it waits: these make sure of it.
    "SET idle_in_transaction_session_timeout = '60s'",
    "SET statement_timeout = '60s'",
    "SET application_name = 'producer-discovery'",
)


# Bounded waits on the wire: a connect that cannot finish in 10 s fails (and is retried by the
# pool or the loop), and TCP keepalives notice within about a minute a server that vanished
# without closing the connection (a lost host, a failover), where a read would otherwise hang.
CONNECTION_OPTIONS: dict[str, Any] = {
    "connect_timeout": 10,
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
}


def configure_connection(conn: Any) -> None:
    for statement in SESSION_SETTINGS:
        conn.execute(statement)


def open_pool(url: str, size: int) -> ConnectionPool:
    """A fixed pool of autocommit connections; broken ones are replaced in the background
    (reconnects after a restart). Fixed, because a pool that only grows on demand replaces a
    killed connection one at a time, behind its reconnect back-off, while work waits."""
    return ConnectionPool(
        url,
        min_size=size,
        max_size=size,
        timeout=15,
        kwargs={"autocommit": True, **CONNECTION_OPTIONS},
        configure=configure_connection,
        check=ConnectionPool.check_connection,
        reconnect_timeout=3600,
        open=True,
        name="producer-discovery",
    )


@dataclass(frozen=True)
class ConnectionBudget:
    """What `processes` processes of `per_process` connections would take of the server."""

    max_connections: int
    reserved: int
    in_use: int
    wanted: int

    @property
    def available(self) -> int:
        return self.max_connections - self.reserved - self.in_use

    @property
    def warning(self) -> str | None:
        if self.wanted <= self.available:
            return None
        return (
            f"{self.wanted} connections may be opened but the server has "
            f"{self.available} left (max_connections {self.max_connections} − "
            f"{self.reserved} reserved − {self.in_use} in use): lower --concurrency, run "
            f"fewer replicas, raise max_connections or put PgBouncer in front "
            f'(docs/reliability.md, "Connections")'
        )


def check_connection_budget(url: str, processes: int, per_process: int) -> ConnectionBudget:
    """Compare the connections about to be opened with the server's max_connections."""
    with psycopg.connect(url, autocommit=True, **CONNECTION_OPTIONS) as conn:
        row = conn.execute(query("connection_budget")).fetchone()
    assert row is not None
    return ConnectionBudget(row[0], row[1], row[2], processes * per_process)
