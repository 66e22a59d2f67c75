"""Bounded waits: the shared limiter's deadline and shutdown, metrics that never
raise into an API call, connections with timeouts, and the connection budget."""

from __future__ import annotations

import time
from collections.abc import Iterator

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg_pool import ConnectionPool

from producer_discovery.db.metrics import BufferedMetrics
from producer_discovery.db.pool import check_connection_budget, open_pool
from producer_discovery.db.rate_limits import Budget, PostgresRateLimiter
from producer_discovery.errors import Deferred


@pytest.fixture
def pool(database_url: str) -> Iterator[ConnectionPool]:
    pool = open_pool(database_url, size=4)
    yield pool
    pool.close()


def test_acquire_on_a_long_pause_defers_at_once_with_the_pause(
    pool: ConnectionPool, database_url: str
) -> None:
    """An API paused for 60 s: acquire raises Deferred within its deadline, carrying about 60 s, instead of sleeping."""
    limiter = PostgresRateLimiter(pool, {"genius": Budget(5.0, 1)}, max_wait=2.0)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("SELECT pause_api('genius', 60, 'test')")
    started = time.monotonic()
    with pytest.raises(Deferred) as raised:
        limiter.acquire("genius")
    assert time.monotonic() - started < 2.0
    assert 55 <= (raised.value.retry_after or 0) <= 61


def test_acquire_gives_up_when_the_worker_stops(pool: ConnectionPool, database_url: str) -> None:
    """A thread waiting for a token returns (Deferred) as soon as the worker is stopping."""
    limiter = PostgresRateLimiter(pool, {"genius": Budget(5.0, 1)}, max_wait=30.0)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("SELECT pause_api('genius', 20, 'test')")
    limiter.stopping.set()
    started = time.monotonic()
    with pytest.raises(Deferred, match="stopping"):
        limiter.acquire("genius")
    assert time.monotonic() - started < 1.0


def test_failed_metrics_flush_never_raises_into_an_api_call_and_the_buffer_is_capped(
    database_url: str,
) -> None:
    """With the database unreachable, 500 recorded calls neither raise nor grow the buffer past its cap."""
    parts = {k: str(v) for k, v in conninfo_to_dict(database_url).items()}
    parts["dbname"] = "no_such_database"
    broken = open_pool(make_conninfo(**parts), size=2)
    try:
        metrics = BufferedMetrics(broken, "test", flush_at=50, capacity=100, connect_timeout=0.3)
        started = time.monotonic()
        for number in range(500):
            metrics.record_api_call("x", "probe", 200, float(number), True)
        assert len(metrics.rows) <= 100
        assert metrics.dropped >= 400
        assert metrics.rows[-1][0] == 499.0, "the newest rows are kept"
        assert time.monotonic() - started < 10
    finally:
        broken.close(timeout=1)


def test_connections_have_connect_and_keepalive_timeouts(pool: ConnectionPool) -> None:
    """Every pooled connection carries connect_timeout and TCP keepalives."""
    with pool.connection() as conn:
        options = conn.info.get_parameters() | conninfo_to_dict(conn.info.dsn)
    assert options["connect_timeout"] == "10"
    assert options["keepalives"] == "1"
    assert options["keepalives_idle"] == "30"


def test_connection_budget_warns_when_pools_exceed_max_connections(database_url: str) -> None:
    """Five stages of 131-connection pools do not fit in the test server's max_connections: a clear warning; one small pool fits."""
    too_many = check_connection_budget(database_url, 5, 131)
    assert too_many.warning is not None
    assert "max_connections" in too_many.warning
    assert check_connection_budget(database_url, 1, 12).warning is None
