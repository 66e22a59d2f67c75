"""What every API client shares: one httpx client, the shared rate limit, metrics, errors.

A request goes: rate limiter (shared by every process, in PostgreSQL) → HTTP → metric →
classification into the error tree:

    2xx          the response
    401          `on_unauthorized()` is asked to refresh credentials, then one more try
    404          NotFound (a PermanentError)
    429          the limiter is paused for every process for Retry-After seconds → RateLimited
    5xx, network TransientError
    other 4xx    PermanentError

Transient errors are retried in-process by the one RetryPolicy; what is still failing goes up
to the worker runtime, which hides the message for the policy's delay.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

import httpx

from producer_discovery.errors import NotFound, PermanentError, RateLimited, TransientError
from producer_discovery.retry import RetryPolicy


class RateLimiter(Protocol):
    def acquire(self, api: str) -> None:
        """Block until one request to `api` may be sent."""

    def pause(self, api: str, seconds: float) -> None:
        """Stop every process from calling `api` for `seconds`."""


class MetricsRecorder(Protocol):
    def record_api_call(
        self, api: str, endpoint: str, status: int, duration_ms: float, success: bool
    ) -> None:
        """Remember one outbound call (written to monitoring.pipeline_metrics in batches)."""


class Unlimited:
    """A RateLimiter that never waits (unit tests, one-off scripts)."""

    def acquire(self, api: str) -> None:
        return None

    def pause(self, api: str, seconds: float) -> None:
        return None


@dataclass
class CountingMetrics:
    """A MetricsRecorder that keeps calls in memory (unit tests, benchmarks)."""

    calls: list[tuple[str, str, int, bool]] = field(default_factory=list)

    def record_api_call(
        self, api: str, endpoint: str, status: int, duration_ms: float, success: bool
    ) -> None:
        self.calls.append((api, endpoint, status, success))


def parse_retry_after(value: str | None, default: float = 1.0) -> float:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return default
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return default


class ApiClient:
    """Base of every client. Subclasses set `api` and call `get_json`."""

    api: str = "api"

    def __init__(
        self,
        base_url: str,
        *,
        user_agent: str,
        limiter: RateLimiter | None = None,
        metrics: MetricsRecorder | None = None,
        retry_policy: RetryPolicy | None = None,
        timeout: float = 20.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.limiter = limiter or Unlimited()
        self.metrics = metrics or CountingMetrics()
        self.retry_policy = retry_policy or RetryPolicy()
        self.http = httpx.Client(
            timeout=timeout,
            headers={"User-Agent": user_agent, "Accept": "application/json"},
            transport=transport,
            follow_redirects=True,
            event_hooks={"response": [self._refuse_redirect_elsewhere]},
        )

    def close(self) -> None:
        self.http.close()

    # Hooks ------------------------------------------------------------------------------
    def auth_headers(self) -> dict[str, str]:
        """Headers that authenticate a request; override in subclasses."""
        return {}

    def on_unauthorized(self) -> bool:
        """Called on a 401; return True when credentials were refreshed and a retry may pass."""
        return False

    def is_transient_status(self, status: int) -> bool:
        return status >= 500

    # Requests ---------------------------------------------------------------------------
    def url(self, path_or_url: str) -> str:
        """A path under the base URL, or an absolute URL (a `next` page) on the base's origin:
        the credentials sent with every request never go to another host."""
        if path_or_url.startswith(("http://", "https://")):
            if not same_origin(httpx.URL(path_or_url), httpx.URL(self.base_url)):
                raise PermanentError(
                    f"{self.api}: refusing to send credentials to {httpx.URL(path_or_url).host} "
                    f"(not {httpx.URL(self.base_url).host})")
            return path_or_url
        return f"{self.base_url}/{path_or_url.lstrip('/')}"

    def _refuse_redirect_elsewhere(self, response: httpx.Response) -> None:
        """A redirect is followed only on the origin it came from (a token may be in the query)."""
        if response.has_redirect_location:
            target = response.request.url.join(response.headers["Location"])
            if not same_origin(target, response.request.url):
                raise PermanentError(
                    f"{self.api}: refusing a redirect from {response.request.url.host} to {target.host}")

    def get_json(
        self, path_or_url: str, *, endpoint: str, params: dict[str, Any] | None = None
    ) -> Any:
        """GET and decode JSON, with the shared limit, in-process retries and metrics."""
        return self.retry_policy.call(
            lambda: self._send("GET", path_or_url, endpoint=endpoint, params=params).json()
        )

    def _send(
        self,
        method: str,
        path_or_url: str,
        *,
        endpoint: str,
        params: dict[str, Any] | None = None,
        refreshed: bool = False,
    ) -> httpx.Response:
        self.limiter.acquire(self.api)
        started = time.perf_counter()
        status = 0
        try:
            response = self.http.request(
                method, self.url(path_or_url), params=params, headers=self.auth_headers()
            )
            status = response.status_code
        except httpx.TransportError as error:
            self._record(endpoint, status, started, False)
            raise TransientError(f"{self.api} {endpoint}: {type(error).__name__}") from error
        self._record(endpoint, status, started, response.is_success)
        if response.is_success:
            return response
        detail = f"{self.api} {endpoint}: HTTP {status} {response.text[:200]}"
        if status == 401 and not refreshed and self.on_unauthorized():
            return self._send(method, path_or_url, endpoint=endpoint, params=params, refreshed=True)
        if status == 429:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            self.limiter.pause(self.api, retry_after)
            raise RateLimited(detail, retry_after)
        if status == 404:
            raise NotFound(detail)
        if self.is_transient_status(status):
            retry_after = response.headers.get("Retry-After")
            raise TransientError(detail, parse_retry_after(retry_after) if retry_after else None)
        raise PermanentError(detail)

    def _record(self, endpoint: str, status: int, started: float, success: bool) -> None:
        elapsed_ms = (time.perf_counter() - started) * 1000.0
        self.metrics.record_api_call(self.api, endpoint, status, elapsed_ms, success)


def same_origin(first: httpx.URL, second: httpx.URL) -> bool:
    return (first.scheme, first.host, first.port) == (second.scheme, second.host, second.port)
