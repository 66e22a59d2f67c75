"""The shared rate limit in PostgreSQL: one budget for every process, and a 429 pause for all."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from psycopg_pool import ConnectionPool

from producer_discovery.clients.base import ApiClient
from producer_discovery.db.metrics import BufferedMetrics
from producer_discovery.db.rate_limits import Budget, PostgresRateLimiter
from producer_discovery.errors import RateLimited
from producer_discovery.retry import RetryPolicy
from producer_discovery.sandbox.server import Request, Response, SandboxServer
from producer_discovery.settings import Settings


class OneRateLimit(SandboxServer):
    """Answers 429 with Retry-After: 2 to its first request, 200 afterwards; keeps arrival times."""

    def __init__(self) -> None:
        super().__init__()
        self.arrivals: list[float] = []
        self.route("GET", "/thing", "thing", self.thing)

    def thing(self, request: Request) -> Response:
        with self.lock:
            self.arrivals.append(time.monotonic())
            first = len(self.arrivals) == 1
        if first:
            return Response(429, {"error": "slow down"}, {"Retry-After": "2"})
        return Response(200, {"ok": True})


class ThingClient(ApiClient):
    """A client of the one-rate-limit server; its URL travels in genius_api_url and it draws
    on Genius' budget (the limiter and the SQL functions know only the registry's APIs)."""

    api = "genius"

    @classmethod
    def base_url_of(cls, settings: Settings) -> str:
        return settings.genius_api_url


@pytest.fixture
def pools(database_url: str) -> Iterator[list[ConnectionPool]]:
    """Two pools: the connections of two separate worker processes."""
    created = [
        ConnectionPool(database_url, min_size=1, max_size=2, kwargs={"autocommit": True}, open=True)
        for _ in range(2)
    ]
    yield created
    for pool in created:
        pool.close()


@pytest.mark.slow
def test_429_retry_after_pauses_the_api_for_every_process(pools: list[ConnectionPool]) -> None:
    """A 429 with Retry-After: 2 seen by one client holds back another that shares only the database."""
    budgets = {"genius": Budget(100.0, burst=10)}
    no_retries = RetryPolicy(in_call_attempts=1)
    with (
        OneRateLimit() as server,
        ThingClient.from_settings(
            Settings(genius_api_url=server.url),
            limiter=PostgresRateLimiter(pools[0], budgets),
            retry_policy=no_retries,
        ) as first,
        ThingClient.from_settings(
            Settings(genius_api_url=server.url),
            limiter=PostgresRateLimiter(pools[1], budgets),
            retry_policy=no_retries,
        ) as second,
    ):
        with pytest.raises(RateLimited) as raised:
            first.get_json("/thing", endpoint="thing")
        assert raised.value.retry_after == 2
        paused_at = server.arrivals[0]
        assert second.get_json("/thing", endpoint="thing") == {"ok": True}
        assert server.arrivals[1] - paused_at >= 1.9


def test_token_bucket_is_shared_across_processes(pools: list[ConnectionPool]) -> None:
    """Two limiters drawing from a 5/s bucket together never exceed it."""
    budgets = {"musicbrainz": Budget(5.0, burst=1)}
    limiters = [PostgresRateLimiter(pool, budgets) for pool in pools]
    granted: list[float] = []

    def draw(limiter: PostgresRateLimiter) -> None:
        for _ in range(5):
            limiter.acquire("musicbrainz")
            granted.append(time.monotonic())

    threads = [threading.Thread(target=draw, args=(limiter,)) for limiter in limiters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    granted.sort()
    assert len(granted) == 10
    assert granted[-1] - granted[0] >= 9 / 5 * 0.95  # ten tokens at 5/s from an empty burst of 1


def test_api_calls_are_recorded_in_batches(pools: list[ConnectionPool], database_url: str) -> None:
    """Every call lands in monitoring.pipeline_metrics as api_call with its tags, written on flush."""
    metrics = BufferedMetrics(pools[0], stage="test_stage", flush_at=1000)
    with (
        OneRateLimit() as server,
        ThingClient.from_settings(
            Settings(genius_api_url=server.url),
            metrics=metrics,
            retry_policy=RetryPolicy(in_call_attempts=1),
        ) as client,
    ):
        with pytest.raises(RateLimited):
            client.get_json("/thing", endpoint="thing")
        client.get_json("/thing", endpoint="thing")
    with pools[0].connection() as conn:
        assert conn.execute("SELECT count(*) FROM monitoring.pipeline_metrics").fetchone() == (0,)
        assert metrics.flush() == 2
        rows = conn.execute(
            "SELECT tags->>'status', tags->>'success', tags->>'api', tags->>'stage' FROM monitoring.pipeline_metrics "
            "WHERE metric_name = 'api_call' ORDER BY tags->>'status'"
        ).fetchall()
    assert rows == [
        ("200", "true", "genius", "test_stage"),
        ("429", "false", "genius", "test_stage"),
    ]
