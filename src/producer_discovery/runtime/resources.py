"""What a stage's handler may use, built once per worker process and passed down."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar

from psycopg_pool import ConnectionPool

from producer_discovery.clients.base import ApiClient
from producer_discovery.clients.cache import CachingClient
from producer_discovery.clients.spotify import SpotifyClient
from producer_discovery.db.metrics import BufferedMetrics
from producer_discovery.db.pool import open_pool
from producer_discovery.db.provider_state import PostgresProviderState
from producer_discovery.db.rate_limits import PostgresRateLimiter
from producer_discovery.db.response_cache import PostgresResponseCache
from producer_discovery.retry import RetryPolicy
from producer_discovery.settings import Settings
from producer_discovery.sources import budgets

Client = TypeVar("Client", bound=ApiClient)


def pool_size(settings: Settings) -> int:
    """Connections one worker process may hold in its pool (the listener adds one)."""
    return settings.worker_concurrency * 2 + 3


@dataclass
class Resources:
    settings: Settings
    pool: ConnectionPool
    limiter: PostgresRateLimiter
    metrics: BufferedMetrics
    retry_policy: RetryPolicy
    response_cache: PostgresResponseCache
    provider_state: PostgresProviderState
    worker_id: str
    url: str
    clients: list[ApiClient] = field(default_factory=list)  # built here, closed by close()

    @classmethod
    def build(cls, settings: Settings, url: str, stage: str) -> Resources:
        """Every API of the registry gets its budget; ConfigurationError when the database
        does not know one of them (it was not migrated since the source was added)."""
        pool = open_pool(url, size=pool_size(settings))
        limiter = PostgresRateLimiter(
            pool,
            budgets(settings),
            block_base_seconds=settings.source_block_base_seconds,
            block_cap_seconds=settings.source_block_cap_seconds,
            probe_within=settings.source_wait_seconds,
        )
        try:
            limiter.check_registered()
        except BaseException:
            pool.close()
            raise
        return cls(
            settings=settings,
            pool=pool,
            limiter=limiter,
            metrics=BufferedMetrics(pool, stage),
            retry_policy=RetryPolicy(settings.retry_base_seconds, settings.retry_cap_seconds),
            response_cache=PostgresResponseCache(
                pool, ttl=timedelta(hours=settings.api_cache_ttl_hours)
            ),
            provider_state=PostgresProviderState(pool),
            worker_id=f"{socket.gethostname()}:{os.getpid()}:{stage}",
            url=url,
        )

    def client(self, client_class: type[Client], *, cached: bool = True) -> Client:
        """A client built by the one recipe, lent the shared limiter, metrics and retry
        policy, (for a CachingClient, unless `cached` is False) the shared cache, and (for
        Spotify) the token and extended-quota answer every process shares."""
        options: dict[str, Any] = {
            "limiter": self.limiter,
            "metrics": self.metrics,
            "retry_policy": self.retry_policy,
        }
        if issubclass(client_class, CachingClient) and cached:
            options["cache"] = self.response_cache
        if issubclass(client_class, SpotifyClient):
            options["provider_state"] = self.provider_state
        client = client_class.from_settings(self.settings, **options)
        self.clients.append(client)
        return client

    def close(self) -> None:
        try:
            self.metrics.flush()
        except Exception:  # metrics never stop a shutdown; flush() has already logged
            pass
        finally:
            for client in self.clients:
                client.close()
            self.pool.close()
