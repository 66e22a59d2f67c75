"""What every API client shares: one recipe, one send path, one status → error mapping.

Every client is built the same way, `Client.from_settings(settings, **options)`: its URLs,
credentials, User-Agent and timeout come from Settings; `options` are what the runtime lends
it (the shared `limiter`, `metrics`, `retry_policy`, a response `cache`, and in tests an httpx
`transport`). A client whose credentials are missing raises ConfigurationError there;
`is_configured(settings)` asks first, for optional sources.

Every request (GET, the Spotify token POST, the Graph API call) goes through `send()`:
rate limiter (shared by every process, in PostgreSQL) → HTTP → metric → `error_for()`, the
one classification into the error tree (an answered request also tells the limiter, which
ends an outage of that source: `answered`):

    2xx          the response
    401          `on_unauthorized()` is asked to refresh credentials, then one more try;
                 a static token (Genius, Discogs) refused: CredentialsRejected, the API
                 blocked for every process (`limiter.block`, growing back-off); a client that
                 refreshes its token (Spotify): PermanentError after the refresh
    404          NotFound (a PermanentError)
    429          the limiter is paused for every process for Retry-After seconds → RateLimited
    5xx, network TransientError
    other 4xx    PermanentError
    (a client refines this by overriding `refine_error()`: Spotify's invalid_client
    (CredentialsRejected) and quota 429 without Retry-After, Genius' CDN 403 (both
    SourceBlocked: `blocked()`), the Graph API's error codes)

Transient errors are retried in-process by the one RetryPolicy; what is still failing goes up
to the worker runtime, which hides the message for the policy's delay.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, Protocol, Self

import httpx

from producer_discovery.errors import (
    CredentialsRejected,
    NotFound,
    PermanentError,
    RateLimited,
    SourceBlocked,
    TransientError,
)
from producer_discovery.retry import RetryPolicy
from producer_discovery.settings import Settings


class RateLimiter(Protocol):
    def acquire(self, api: str) -> None:
        """Block until one request to `api` may be sent."""

    def pause(self, api: str, seconds: float) -> None:
        """Stop every process from calling `api` for `seconds`."""

    def block(self, api: str, reason: str) -> float:
        """Pause `api` for every process with a growing back-off; the pause in seconds."""

    def answered(self, api: str) -> int:
        """`api` answered a request: an outage of it ends (gaps it left are refilled)."""


class MetricsRecorder(Protocol):
    def record_api_call(
        self, api: str, endpoint: str, status: int, duration_ms: float, success: bool
    ) -> None:
        """Remember one outbound call (written to monitoring.pipeline_metrics in batches)."""


DEFAULT_BLOCK_SECONDS = 60.0  # what a limiter without a database (Unlimited) reports
# The end of a block's reason when our credentials were refused (api_outage() reads it: such
# an outage is not waited for, since nothing says it will pass soon).
CREDENTIALS_REFUSED = "credentials refused"


class Unlimited:
    """A RateLimiter that never waits (unit tests, one-off scripts)."""

    def acquire(self, api: str) -> None:
        return None

    def pause(self, api: str, seconds: float) -> None:
        return None

    def block(self, api: str, reason: str) -> float:
        return DEFAULT_BLOCK_SECONDS

    def answered(self, api: str) -> int:
        return 0


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
    """Base of every client. Subclasses set `api`, `base_url_of()` and call `get_json`."""

    api: str = "api"  # its name in the registry of sources (producer_discovery.sources)
    credentials: tuple[str, ...] = ()  # the Settings fields holding its credentials
    # A client that gets fresh credentials on a 401 (Spotify's token) knows its secret was
    # accepted: a 401 even after the refresh is the request's problem, not a refused secret.
    refreshes_credentials: bool = False
    other_origins: tuple[str, ...] = ()  # configured URLs off the base (Spotify's token URL)

    def __init__(
        self,
        settings: Settings,
        *,
        limiter: RateLimiter | None = None,
        metrics: MetricsRecorder | None = None,
        retry_policy: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self.base_url = self.base_url_of(settings).rstrip("/")
        self.limiter = limiter or Unlimited()
        self.metrics = metrics or CountingMetrics()
        self.retry_policy = retry_policy or RetryPolicy(
            base_seconds=settings.retry_base_seconds, cap_seconds=settings.retry_cap_seconds
        )
        self.http = httpx.Client(
            timeout=settings.http_timeout_seconds,
            headers={"User-Agent": settings.user_agent, "Accept": "application/json"},
            transport=transport,
            follow_redirects=True,
            event_hooks={"response": [self._refuse_redirect_elsewhere]},
        )

    @classmethod
    def from_settings(cls, settings: Settings, **options: Any) -> Self:
        """The one way to build a client (see the module docstring)."""
        return cls(settings, **options)

    @classmethod
    def is_configured(cls, settings: Settings) -> bool:
        """Whether Settings hold what this client needs: each of its `credentials` is set."""
        return all(getattr(settings, name) is not None for name in cls.credentials)

    @classmethod
    def unconfigured_reason(cls) -> str:
        """Why a client that `is_configured` refuses is off: "GENIUS_ACCESS_TOKEN is not set"."""
        return " and ".join(name.upper() for name in cls.credentials) + " is not set"

    @classmethod
    def base_url_of(cls, settings: Settings) -> str:
        raise NotImplementedError

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # Hooks ------------------------------------------------------------------------------
    def auth_headers(self) -> dict[str, str]:
        """Headers that authenticate a request; override in subclasses."""
        return {}

    def on_unauthorized(self) -> bool:
        """Called on a 401; return True when credentials were refreshed and a retry may pass."""
        return False

    def observe(self, response: httpx.Response) -> None:
        """Look at every answer, errors included (Discogs paces itself by its rate-limit
        headers); nothing by default."""

    def refine_error(self, response: httpx.Response, endpoint: str) -> Exception | None:
        """A provider-specific error for a failed response, or None for the default mapping."""
        return None

    # Requests ---------------------------------------------------------------------------
    def url(self, path_or_url: str) -> str:
        """A path under the base URL, or an absolute URL (a `next` page) on the base's origin:
        the credentials sent with every request never go to another host."""
        if path_or_url.startswith(("http://", "https://")):
            origins = (self.base_url, *self.other_origins)
            if not any(
                same_origin(httpx.URL(path_or_url), httpx.URL(origin)) for origin in origins
            ):
                raise PermanentError(
                    f"{self.api}: refusing to send credentials to {httpx.URL(path_or_url).host} "
                    f"(not {httpx.URL(self.base_url).host})"
                )
            return path_or_url
        return f"{self.base_url}/{path_or_url.lstrip('/')}"

    def _refuse_redirect_elsewhere(self, response: httpx.Response) -> None:
        """A redirect is followed only on the origin it came from (a token may be in the query)."""
        if response.has_redirect_location:
            target = response.request.url.join(response.headers["Location"])
            if not same_origin(target, response.request.url):
                raise PermanentError(
                    f"{self.api}: refusing a redirect from {response.request.url.host} to {target.host}"
                )

    def get_json(
        self, path_or_url: str, *, endpoint: str, params: dict[str, Any] | None = None
    ) -> Any:
        """GET and decode JSON, with the shared limit, in-process retries and metrics. NUL
        characters are dropped from every string: PostgreSQL's text and jsonb cannot hold
        them, and real answers sometimes carry one."""
        return self.retry_policy.call(
            lambda: decode_json(
                self.send("GET", path_or_url, endpoint=endpoint, params=params).text
            )
        )

    def send(
        self,
        method: str,
        path_or_url: str,
        *,
        endpoint: str,
        params: dict[str, Any] | None = None,
        data: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        refreshed: bool = False,
    ) -> httpx.Response:
        """One request through the limiter and the metrics; a failure raised as `error_for`
        says. `headers` replace the authentication headers (the token request)."""
        self.limiter.acquire(self.api)
        started = time.perf_counter()
        status = 0
        try:
            response = self.http.request(
                method,
                self.url(path_or_url),
                params=params,
                data=data,
                headers=self.auth_headers() if headers is None else headers,
            )
            status = response.status_code
        except httpx.TransportError as error:
            self._record(endpoint, status, started, False)
            raise TransientError(f"{self.api} {endpoint}: {type(error).__name__}") from error
        self._record(endpoint, status, started, response.is_success)
        self.observe(response)
        if response.is_success:
            self.limiter.answered(self.api)
            return response
        if status == 401 and headers is None and not refreshed and self.on_unauthorized():
            return self.send(
                method, path_or_url, endpoint=endpoint, params=params, data=data, refreshed=True
            )
        raise self.error_for(response, endpoint)

    def error_for(self, response: httpx.Response, endpoint: str) -> Exception:
        """The one status → error mapping (see the module docstring)."""
        refined = self.refine_error(response, endpoint)
        if refined is not None:
            return refined
        status = response.status_code
        detail = f"{self.api} {endpoint}: HTTP {status} {response.text[:200]}"
        if status == 401 and not self.refreshes_credentials:
            return self.rejected(endpoint, detail)
        if status == 429:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            self.limiter.pause(self.api, retry_after)
            return RateLimited(detail, retry_after)
        if status == 404:
            return NotFound(detail)
        if status >= 500:
            retry_after = response.headers.get("Retry-After")
            return TransientError(detail, parse_retry_after(retry_after) if retry_after else None)
        return PermanentError(detail)

    def blocked(self, endpoint: str, reason: str) -> SourceBlocked:
        """The provider blocks us for a while: pause it for every process (growing back-off)."""
        seconds = self.limiter.block(self.api, f"{endpoint}: {reason}")
        return SourceBlocked(
            f"{self.api} {endpoint}: {reason}; paused {seconds:.0f}s", self.api, seconds
        )

    def rejected(self, endpoint: str, detail: str) -> CredentialsRejected:
        """The provider refused our credentials: pause it (growing back-off) and say so."""
        seconds = self.limiter.block(self.api, f"{endpoint}: {CREDENTIALS_REFUSED}")
        return CredentialsRejected(
            f"{detail[:300]} (credentials refused; {self.api} paused {seconds:.0f}s)",
            self.api,
            seconds,
        )

    def _record(self, endpoint: str, status: int, started: float, success: bool) -> None:
        elapsed_ms = (time.perf_counter() - started) * 1000.0
        self.metrics.record_api_call(self.api, endpoint, status, elapsed_ms, success)


def same_origin(first: httpx.URL, second: httpx.URL) -> bool:
    return (first.scheme, first.host, first.port) == (second.scheme, second.host, second.port)


ESCAPED_NUL = re.compile(r"(?<!\\)((?:\\\\)*)\\u0000")


def decode_json(text: str) -> Any:
    """A JSON document without NUL characters: every `\\u0000` escape (one not itself
    escaped: preceded by an even number of backslashes) is removed before decoding, and a raw
    NUL, which JSON does not allow inside strings, is removed too."""
    return json.loads(ESCAPED_NUL.sub(r"\1", text).replace("\x00", ""))
