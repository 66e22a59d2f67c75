"""What a stage's handler may use, built once per worker process and passed down."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

import psycopg
from psycopg_pool import ConnectionPool

from producer_discovery.clients.base import ApiClient
from producer_discovery.clients.cache import CachingClient
from producer_discovery.db.metrics import BufferedMetrics
from producer_discovery.db.rate_limits import PostgresRateLimiter, budgets
from producer_discovery.db.response_cache import PostgresResponseCache
from producer_discovery.retry import RetryPolicy
from producer_discovery.settings import Settings

Client = TypeVar("Client", bound=ApiClient)

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


def pool_size(settings: Settings) -> int:
    """Connections one worker process may hold in its pool (the listener adds one)."""
    return settings.worker_concurrency * 2 + 3


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


@dataclass
class Resources:
    settings: Settings
    pool: ConnectionPool
    limiter: PostgresRateLimiter
    metrics: BufferedMetrics
    retry_policy: RetryPolicy
    response_cache: PostgresResponseCache
    worker_id: str
    url: str

    @classmethod
    def build(cls, settings: Settings, url: str, stage: str) -> Resources:
        pool = open_pool(url, size=pool_size(settings))
        return cls(
            settings=settings,
            pool=pool,
            limiter=PostgresRateLimiter(pool, budgets(settings)),
            metrics=BufferedMetrics(pool, stage),
            retry_policy=RetryPolicy(settings.retry_base_seconds, settings.retry_cap_seconds),
            response_cache=PostgresResponseCache(
                pool, ttl=timedelta(hours=settings.api_cache_ttl_hours)
            ),
            worker_id=f"{socket.gethostname()}:{os.getpid()}:{stage}",
            url=url,
        )

    def client(self, client_class: type[Client], *, cached: bool = True) -> Client:
        """A client built by the one recipe, lent the shared limiter, metrics and retry
        policy, and (for a CachingClient, unless `cached` is False) the shared cache."""
        options: dict[str, Any] = {
            "limiter": self.limiter,
            "metrics": self.metrics,
            "retry_policy": self.retry_policy,
        }
        if issubclass(client_class, CachingClient) and cached:
            options["cache"] = self.response_cache
        return client_class.from_settings(self.settings, **options)

    def close(self) -> None:
        try:
            self.metrics.flush()
        except Exception:  # metrics never stop a shutdown; flush() has already logged
            pass
        finally:
            self.pool.close()


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
        return (f"{self.wanted} connections may be opened but the server has "
                f"{self.available} left (max_connections {self.max_connections} − "
                f"{self.reserved} reserved − {self.in_use} in use): lower --concurrency, run "
                f"fewer replicas, raise max_connections or put PgBouncer in front "
                f"(docs/reliability.md, \"Connections\")")


def check_connection_budget(url: str, processes: int, per_process: int) -> ConnectionBudget:
    """Compare the connections about to be opened with the server's max_connections."""
    with psycopg.connect(url, autocommit=True, **CONNECTION_OPTIONS) as conn:
        row = conn.execute(
            "SELECT current_setting('max_connections')::int, "
            "current_setting('superuser_reserved_connections')::int, "
            "(SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')::int"
        ).fetchone()
    assert row is not None
    return ConnectionBudget(row[0], row[1], row[2], processes * per_process)
