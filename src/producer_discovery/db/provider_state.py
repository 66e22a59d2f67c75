"""The `ProviderState` (clients/provider_state.py) every process shares through PostgreSQL
(migration 0090): Spotify's client-credentials token in `api_credentials` (readable by
discovery_worker only), and facts such as the extended-quota answer in `api_facts`.

Single flight across processes: a missing or expiring token (or an old fact) is fetched in a
transaction that holds a transaction-level advisory lock on that account; the other processes
wait on the lock, then read what the first one stored. The lock is released by the commit (or
by the session's end if its holder dies), so a crash never leaves anybody waiting. The fetch
runs inside that transaction: it is one short request, bounded by the HTTP timeout.
The token is never logged; only its expiry is compared.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool

from producer_discovery.db.queries import query


class PostgresProviderState:
    """ProviderState shared by every process of every host on one database."""

    def __init__(self, pool: ConnectionPool) -> None:
        self.pool = pool

    # Tokens -----------------------------------------------------------------------------
    def shared_token(
        self, api: str, account: str, fetch: Callable[[], tuple[str, float]],
        margin_seconds: float,
    ) -> tuple[str, float]:
        key = {"api": api, "account": account, "margin_seconds": margin_seconds}
        with self.pool.connection() as conn:
            row = conn.execute(query("credential_get"), key).fetchone()
            if row is not None:
                return str(row[0]), float(row[1])
            with conn.transaction():
                conn.execute(query("credential_lock"), key)
                row = conn.execute(query("credential_get"), key).fetchone()
                if row is not None:  # another process fetched it while we waited
                    return str(row[0]), float(row[1])
                token, seconds = fetch()
                conn.execute(query("credential_put"), {**key, "access_token": token,
                                                       "expires_in": seconds})
        return token, seconds

    def invalidate_token(self, api: str, account: str, token: str) -> None:
        with self.pool.connection() as conn:
            conn.execute(query("credential_invalidate"),
                         {"api": api, "account": account, "access_token": token})

    # Facts ------------------------------------------------------------------------------
    def fact(
        self, api: str, account: str, fact: str, max_age: timedelta, learn: Callable[[], Any]
    ) -> Any:
        key = {"api": api, "account": account, "fact": fact,
               "max_age_seconds": max_age.total_seconds()}
        with self.pool.connection() as conn:
            row = conn.execute(query("fact_get"), key).fetchone()
            if row is not None:
                return row[0]
            with conn.transaction():
                conn.execute(query("fact_lock"), key)
                row = conn.execute(query("fact_get"), key).fetchone()
                if row is not None:
                    return row[0]
                value = learn()
                conn.execute(query("fact_put"), {**key, "value": Jsonb(value)})
        return value

    def correct_fact(self, api: str, account: str, fact: str, value: Any) -> None:
        with self.pool.connection() as conn:
            conn.execute(query("fact_put"),
                         {"api": api, "account": account, "fact": fact, "value": Jsonb(value)})
