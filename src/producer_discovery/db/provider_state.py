"""The `ProviderState` (clients/provider_state.py) every process shares through PostgreSQL
(migration 0090): Spotify's client-credentials token in `api_credentials` (readable by
discovery_worker only), and facts such as the extended-quota answer in `api_facts`.

Single flight across processes, as in the response cache: a missing or expiring token (or an
old fact) is fetched by the one process holding a session advisory lock on it, on one pooled
connection, outside any transaction (no transaction stays open across the HTTP request); the
others poll for the lock, then find what the first one stored. A crashed holder's session
ends and its lock with it; a waiter that has waited `wait_seconds` fetches anyway (a duplicate
request, never a deadlock). The token is never logged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool

from producer_discovery.db.queries import query
from producer_discovery.db.single_flight import single_flight

DEFAULT_WAIT_SECONDS = 60.0


class PostgresProviderState:
    """ProviderState shared by every process of every host on one database."""

    def __init__(self, pool: ConnectionPool, wait_seconds: float = DEFAULT_WAIT_SECONDS) -> None:
        self.pool = pool
        self.wait_seconds = wait_seconds

    # Tokens -----------------------------------------------------------------------------
    def shared_token(
        self,
        api: str,
        account: str,
        fetch: Callable[[], tuple[str, float]],
        margin_seconds: float,
    ) -> tuple[str, float]:
        key = {"api": api, "account": account, "margin_seconds": margin_seconds}
        stored = self._token(key)
        if stored is not None:
            return stored
        with self._exclusive(f"api_credentials {api} {account}"):
            stored = self._token(key)  # another process may have fetched it while we waited
            if stored is not None:
                return stored
            token, seconds = fetch()
            with self.pool.connection() as conn:
                conn.execute(
                    query("credential_put"), {**key, "access_token": token, "expires_in": seconds}
                )
        return token, seconds

    def invalidate_token(self, api: str, account: str, token: str) -> None:
        with self.pool.connection() as conn:
            conn.execute(
                query("credential_invalidate"),
                {"api": api, "account": account, "access_token": token},
            )

    def _token(self, key: Mapping[str, Any]) -> tuple[str, float] | None:
        with self.pool.connection() as conn:
            row = conn.execute(query("credential_get"), key).fetchone()
        return (str(row[0]), float(row[1])) if row is not None else None

    # Facts ------------------------------------------------------------------------------
    def fact(
        self, api: str, account: str, fact: str, max_age: timedelta, learn: Callable[[], Any]
    ) -> Any:
        key = {
            "api": api,
            "account": account,
            "fact": fact,
            "max_age_seconds": max_age.total_seconds(),
        }
        stored = self._fact(key)
        if stored is not None:
            return stored[0]
        with self._exclusive(f"api_facts {api} {account} {fact}"):
            stored = self._fact(key)
            if stored is not None:
                return stored[0]
            value = learn()
            self.correct_fact(api, account, fact, value)
        return value

    def correct_fact(self, api: str, account: str, fact: str, value: Any) -> None:
        with self.pool.connection() as conn:
            conn.execute(
                query("fact_put"),
                {"api": api, "account": account, "fact": fact, "value": Jsonb(value)},
            )

    def _fact(self, key: Mapping[str, Any]) -> tuple[Any] | None:
        """(value,) of a fresh fact, None when there is none (a stored JSON null is a value)."""
        with self.pool.connection() as conn:
            row = conn.execute(query("fact_get"), key).fetchone()
        return (row[0],) if row is not None else None

    # Single flight ----------------------------------------------------------------------
    @contextmanager
    def _exclusive(self, lock_key: str) -> Iterator[None]:
        """Hold the advisory lock `lock_key`, or go on without it after `wait_seconds`."""
        with single_flight(self.pool, lock_key, self.wait_seconds):
            yield
