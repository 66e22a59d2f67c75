"""The shared API response cache in PostgreSQL (`api_response_cache`), with a TTL.

It is the `ResponseCache` (clients/cache.py) every credits and profile client reads through,
so the other tracks of an album, the other worker processes and tomorrow's re-run reuse one
answer:

    get(api, resource)   the stored response while `expires_at` is in the future, else None
    put(api, resource)   upsert, `expires_at = now() + ttl` (per API, default 7 days)

Single flight across processes: `CachingClient` fetches a missing resource under
`exclusive(api, resource)`, here a PostgreSQL
session advisory lock on that resource, held on one pooled connection (outside any
transaction) for the duration of the fetch. The others poll for the lock, then find the
response in the cache. A crashed holder's session ends and its lock with it; a waiter that
has waited `wait_seconds` fetches anyway (a duplicate request, never a deadlock).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool

from producer_discovery.db.queries import query
from producer_discovery.db.single_flight import single_flight

JsonDocument = dict[str, Any]  # the shape clients.cache.ResponseCache stores

DEFAULT_TTL = timedelta(days=7)
DEFAULT_WAIT_SECONDS = 120.0


class PostgresResponseCache:
    """A `ResponseCache` (clients.cache) shared by every process through PostgreSQL."""

    def __init__(
        self,
        pool: ConnectionPool,
        ttl: timedelta = DEFAULT_TTL,
        ttl_by_api: Mapping[str, timedelta] | None = None,
        wait_seconds: float = DEFAULT_WAIT_SECONDS,
    ) -> None:
        self.pool = pool
        self.ttl = ttl
        self.ttl_by_api = dict(ttl_by_api or {})
        self.wait_seconds = wait_seconds

    def get(self, api: str, key: str) -> JsonDocument | None:
        with self.pool.connection() as conn:
            row = conn.execute(query("cache_get"), {"api": api, "resource": key}).fetchone()
        return row[0] if row else None

    def put(self, api: str, key: str, value: JsonDocument) -> None:
        ttl = self.ttl_by_api.get(api, self.ttl)
        parameters = {
            "api": api,
            "resource": key,
            "response": Jsonb(value),
            "ttl_seconds": ttl.total_seconds(),
        }
        with self.pool.connection() as conn:
            conn.execute(query("cache_put"), parameters)

    @contextmanager
    def exclusive(self, api: str, key: str) -> Iterator[None]:
        """Hold the one right to fetch `key` of `api` (see the module docstring)."""
        with single_flight(self.pool, f"api_response_cache {api} {key}", self.wait_seconds):
            yield
