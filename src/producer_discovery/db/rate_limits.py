"""The shared rate limit: one token bucket per API in PostgreSQL (take_api_token), drawn from
by every process, and a pause (pause_api) that any process sets on a 429's Retry-After."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from psycopg_pool import ConnectionPool

from producer_discovery.settings import Settings


@dataclass(frozen=True)
class Budget:
    per_second: float
    burst: float = 1.0


# A token is taken a moment before its request leaves; for the providers that punish the
# smallest overrun (MusicBrainz answers 503, Discogs 429), the bucket runs 10 % under the
# configured rate so that scheduling jitter between the token and the send never breaks it.
STRICT_MARGIN = 0.9


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

    def acquire(self, api: str) -> None:
        budget = self.limits.get(api)
        if budget is None:
            return
        while True:
            with self.pool.connection() as conn:
                row = conn.execute(
                    "SELECT take_api_token(%s, %s, %s)", (api, budget.per_second, budget.burst)
                ).fetchone()
            wait = float(row[0]) if row else 0.0
            if wait <= 0:
                return
            time.sleep(min(wait, 5.0))

    def pause(self, api: str, seconds: float) -> None:
        with self.pool.connection() as conn:
            conn.execute("SELECT pause_api(%s, %s, %s)", (api, seconds, "429 Retry-After"))
