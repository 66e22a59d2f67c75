"""Discogs paces itself by its rate-limit headers (clients/discogs.py): when the moving
window's remainder falls to the reserve, Discogs is paused for every process before the
window is exhausted, so a client whose own budget is too generous meets no 429."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from psycopg_pool import ConnectionPool

from producer_discovery.clients.discogs import DiscogsClient, pacing_pause
from producer_discovery.db.rate_limits import Budget, PostgresRateLimiter
from producer_discovery.retry import RetryPolicy
from producer_discovery.sandbox.discogs import DiscogsSandbox
from producer_discovery.settings import Settings

RELEASES = (31000101, 31000102, 31000201, 31000301, 31000302)


def headers(limit: int, remaining: int) -> dict[str, str]:
    return {"X-Discogs-Ratelimit": str(limit), "X-Discogs-Ratelimit-Remaining": str(remaining)}


def test_the_pause_grows_as_the_window_empties() -> None:
    """Above the reserve (5 % of 60, at least 2: here 3) no pause; then longer as fewer
    requests are left, the whole window when none is."""
    assert pacing_pause(headers(60, 4)) == 0
    assert 0 < pacing_pause(headers(60, 3)) < pacing_pause(headers(60, 1)) < 60
    assert pacing_pause(headers(60, 0)) == 60
    assert pacing_pause({}) == 0
    assert pacing_pause(headers(60, 0) | {"X-Discogs-Ratelimit": "lots"}) == 0


@pytest.fixture
def pool(database_url: str) -> Iterator[ConnectionPool]:
    with ConnectionPool(
        database_url, kwargs={"autocommit": True}, min_size=1, max_size=2
    ) as opened:
        yield opened


@pytest.mark.slow
def test_a_budget_larger_than_the_window_meets_no_429(pool: ConnectionPool) -> None:
    """Our bucket allows 50 requests a second; the server's window allows 8 every 4 seconds
    (another program sharing the token, as it were): 24 requests are paced by the headers
    and none is refused."""
    no_retries = RetryPolicy(in_call_attempts=1)
    with DiscogsSandbox(token="t", requests_per_minute=8) as server:
        server.window_seconds = 4.0
        settings = Settings(discogs_token="t", discogs_api_url=server.url)
        limiter = PostgresRateLimiter(pool, {"discogs": Budget(50.0, burst=5)})
        with DiscogsClient.from_settings(
            settings, limiter=limiter, retry_policy=no_retries
        ) as client:
            client.window_seconds = 4.0
            for number in range(24):
                assert client.release(RELEASES[number % len(RELEASES)]) is not None
        assert sum(server.rejected.values()) == 0
        assert server.requests["releases"] == 24
