"""The shared rate limit: one token bucket per API in PostgreSQL (take_api_token), drawn from
by every process, and a pause (pause_api) that any process sets on a 429's Retry-After.

`acquire` is a bounded wait: a token that cannot be had within `max_wait` seconds (the API is
paused for longer, or the bucket is oversubscribed) raises Deferred with the wait, so the
runtime hides the message for that long, without spending an attempt, instead of blocking a
worker thread; and a stopping worker's threads give up at once (Deferred too).

`block` (block_api, migration 0081) pauses an API that blocks us (a quota 429 without
Retry-After, a CDN 403, refused credentials) for every process, with a growing back-off; while
such a block lasts, `acquire` fails fast with SourceBlocked (a Deferred) instead of waiting, so
a source that is out costs neither a worker thread nor the other sources' answers."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from psycopg_pool import ConnectionPool

from producer_discovery.db.queries import query
from producer_discovery.errors import Deferred, SourceBlocked
from producer_discovery.settings import Settings


@dataclass(frozen=True)
class Budget:
    per_second: float
    burst: float = 1.0


# A token is taken a moment before its request leaves; for the providers that punish the
# smallest overrun (MusicBrainz answers 503, Discogs 429), the bucket runs 10 % under the
# configured rate so that scheduling jitter between the token and the send never breaks it.
STRICT_MARGIN = 0.9
BLOCK_CHECK_AFTER_SECONDS = 2.0  # a longer wait may be a block: ask before sleeping


def budgets(settings: Settings) -> dict[str, Budget]:
    """Each API's budget from the settings (MusicBrainz 1/s, Discogs 60/min by default)."""
    return {
        "spotify": Budget(settings.spotify_requests_per_second, burst=2),
        "genius": Budget(settings.genius_requests_per_second, burst=2),
        "musicbrainz": Budget(settings.musicbrainz_requests_per_second * STRICT_MARGIN, burst=1),
        "discogs": Budget(settings.discogs_requests_per_minute / 60.0 * STRICT_MARGIN, burst=1),
        "instagram": Budget(settings.instagram_requests_per_second, burst=2),
    }


@dataclass
class PostgresRateLimiter:
    """RateLimiter (see clients.base) backed by the api_rate_limits table."""

    pool: ConnectionPool
    limits: dict[str, Budget]
    stopping: threading.Event = field(default_factory=threading.Event)
    max_wait: float = 30.0
    block_base_seconds: float = 60.0
    block_cap_seconds: float = 3600.0

    def acquire(self, api: str) -> None:
        budget = self.limits.get(api)
        if budget is None:
            return
        waited = 0.0
        while True:
            if self.stopping.is_set():
                raise Deferred(f"{api}: no token taken, the worker is stopping", 1.0)
            with self.pool.connection() as conn:
                row = conn.execute(
                    "SELECT take_api_token(%s, %s, %s)", (api, budget.per_second, budget.burst)
                ).fetchone()
            wait = float(row[0]) if row else 0.0
            if wait <= 0:
                return
            if wait > BLOCK_CHECK_AFTER_SECONDS:
                self.raise_if_blocked(api)
            if waited + wait > self.max_wait:
                raise Deferred(f"{api}: the shared limit has no token for {wait:.1f}s more", wait)
            pause = min(wait, 5.0)
            self.stopping.wait(pause)
            waited += pause

    def pause(self, api: str, seconds: float) -> None:
        with self.pool.connection() as conn:
            conn.execute("SELECT pause_api(%s, %s, %s)", (api, seconds, "429 Retry-After"))

    def block(self, api: str, reason: str) -> float:
        """block_api: pause `api` for every process, base doubling up to cap while it lasts."""
        with self.pool.connection() as conn:
            row = conn.execute(
                query("block_api"),
                {
                    "api": api,
                    "reason": reason[:200],
                    "base_seconds": self.block_base_seconds,
                    "cap_seconds": max(self.block_cap_seconds, self.block_base_seconds),
                },
            ).fetchone()
        return float(row[0]) if row else self.block_base_seconds

    def raise_if_blocked(self, api: str) -> None:
        """SourceBlocked when `api` is blocked (not merely rate limited) for a while yet."""
        with self.pool.connection() as conn:
            row = conn.execute(query("api_block"), {"api": api}).fetchone()
        if row is not None:
            remaining = max(1.0, float(row[0]))
            raise SourceBlocked(
                f"{api} is blocked for {remaining:.0f}s more ({row[1]})", api, remaining
            )
