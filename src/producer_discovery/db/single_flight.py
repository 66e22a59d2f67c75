"""One process at a time for a piece of work many processes may want at once (fetching one
URL, Spotify's token, planning one artist): a session advisory lock named by a text key
(`cache_try_lock` / `cache_unlock`), polled until `wait_seconds` have passed. The lock lives
as long as the session that holds it: a process that dies frees it. A waiter that waited long
enough goes on without it (a duplicate request or plan, never a deadlock)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg_pool import ConnectionPool

from producer_discovery.db.queries import query

POLL_SECONDS = 0.1


@contextmanager
def single_flight(pool: ConnectionPool, key: str, wait_seconds: float) -> Iterator[None]:
    """Hold the lock named `key` while the body runs, or run it unlocked after waiting."""
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        with pool.connection() as conn:
            row = conn.execute(query("cache_try_lock"), {"key": key}).fetchone()
            if row and row[0]:
                try:
                    yield
                finally:
                    # an error: the session is gone, and its lock with it
                    with contextlib.suppress(psycopg.Error):
                        conn.execute(query("cache_unlock"), {"key": key})
                return
        time.sleep(POLL_SECONDS)
    yield  # waited long enough: go on without the lock
