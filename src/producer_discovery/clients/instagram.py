"""Instagram Graph API client: Business Discovery, the one legitimate bio lookup by handle.

It needs the operator's own professional (Business or Creator) account: its id
(`INSTAGRAM_USER_ID`) and a token for it (`INSTAGRAM_ACCESS_TOKEN`). It can only read other
Business or Creator accounts, and never an e-mail field.

The Graph API answers most errors with HTTP 400 and says what went wrong in
`{"error": {"code", "error_subcode", "is_transient", …}}`, so this client reads the body
instead of the base class's status-only classification:

    code 190, 2500, 10, 200 (token or permission)  ConfigurationError
    code 100 subcode 33 (our user id unknown)      ConfigurationError
    code 110 subcode 2207013                       None: no such account, or a personal one
    code 4, 17, 32, 613, 80002, or HTTP 429        RateLimited (the limiter pauses everyone)
    code 1, 2, is_transient, or HTTP 5xx           TransientError
    anything else                                  PermanentError
"""

from __future__ import annotations

import time
from typing import Any

import httpx

from producer_discovery.clients.base import ApiClient, parse_retry_after
from producer_discovery.errors import (
    ConfigurationError,
    PermanentError,
    RateLimited,
    TransientError,
)
from producer_discovery.settings import Settings
from producer_discovery.social_links import normalise_handle

DEFAULT_API_URL = "https://graph.facebook.com"
DEFAULT_GRAPH_VERSION = "v21.0"
DISCOVERY_FIELDS = "biography,name,website,username,profile_picture_url,followers_count,media_count"
CONFIGURATION_CODES = frozenset({10, 190, 200, 2500})
UNKNOWN_OBJECT = (100, 33)
ACCOUNT_NOT_DISCOVERABLE = (110, 2207013)
RATE_LIMIT_CODES = frozenset({4, 17, 32, 613, 80002})
TRANSIENT_CODES = frozenset({1, 2})
RATE_LIMIT_DEFAULT_SECONDS = 60.0  # Meta sends no Retry-After; its windows are an hour long


class InstagramClient(ApiClient):
    api = "instagram"

    def __init__(
        self,
        access_token: str | None,
        user_id: str | None,
        *,
        api_url: str = DEFAULT_API_URL,
        graph_version: str = DEFAULT_GRAPH_VERSION,
        **options: Any,
    ) -> None:
        if not access_token or not user_id:
            raise ConfigurationError(
                "Instagram Business Discovery needs INSTAGRAM_ACCESS_TOKEN and INSTAGRAM_USER_ID."
            )
        options.setdefault("user_agent", "producer-discovery")
        super().__init__(api_url, **options)
        self.access_token = access_token
        self.user_id = user_id
        self.graph_version = graph_version

    @classmethod
    def from_settings(cls, settings: Settings, **options: Any) -> InstagramClient | None:
        """The client, or None when no Graph API token is configured (no bios then)."""
        if settings.instagram_access_token is None and settings.instagram_user_id is None:
            return None
        token = settings.instagram_access_token
        options.setdefault("user_agent", settings.user_agent)
        options.setdefault("timeout", settings.http_timeout_seconds)
        return cls(
            token.get_secret_value() if token else None,
            settings.instagram_user_id,
            api_url=settings.instagram_api_url,
            **options,
        )

    def business_discovery(self, handle: str) -> dict[str, Any] | None:
        """The `business_discovery` object of a Business or Creator account (biography,
        name, website, username, profile_picture_url, followers_count, media_count, id);
        None when the handle is invalid, unknown or a personal account."""
        username = normalise_handle(handle)
        if username is None:
            return None
        return self.retry_policy.call(lambda: self._discover_once(username))

    def _discover_once(self, username: str) -> dict[str, Any] | None:
        params = {
            "fields": f"business_discovery.username({username}){{{DISCOVERY_FIELDS}}}",
            "access_token": self.access_token,
        }
        response = self._get(f"{self.graph_version}/{self.user_id}", params)
        if not response.is_success:
            self._raise_unless_undiscoverable(response)
            return None
        account: dict[str, Any] | None = response.json().get("business_discovery")
        return account

    def _get(self, path: str, params: dict[str, str]) -> httpx.Response:
        """One GET through the shared limiter and the metrics; no URL in any message, since
        the token travels in the query string."""
        self.limiter.acquire(self.api)
        started = time.perf_counter()
        try:
            response = self.http.get(self.url(path), params=params)
        except httpx.TransportError as error:
            self._record("business_discovery", 0, started, False)
            raise TransientError(f"instagram business_discovery: {type(error).__name__}") from error
        self._record("business_discovery", response.status_code, started, response.is_success)
        return response

    def _raise_unless_undiscoverable(self, response: httpx.Response) -> None:
        """Return quietly for an account that cannot be discovered; raise for every other
        refusal (see the module docstring)."""
        error = graph_error_of(response)
        code, subcode = error.get("code"), error.get("error_subcode")
        message = str(error.get("message") or response.text[:200])
        detail = f"instagram business_discovery: HTTP {response.status_code} code {code}: {message}"
        if (code, subcode) == ACCOUNT_NOT_DISCOVERABLE:
            return
        if code in CONFIGURATION_CODES or (code, subcode) == UNKNOWN_OBJECT:
            raise ConfigurationError(
                f"{detail} (check INSTAGRAM_ACCESS_TOKEN and INSTAGRAM_USER_ID)"
            )
        if code in RATE_LIMIT_CODES or response.status_code == 429:
            retry_after = parse_retry_after(
                response.headers.get("Retry-After"), RATE_LIMIT_DEFAULT_SECONDS
            )
            self.limiter.pause(self.api, retry_after)
            raise RateLimited(detail, retry_after)
        if code in TRANSIENT_CODES or error.get("is_transient") or response.status_code >= 500:
            raise TransientError(detail)
        raise PermanentError(detail)


def graph_error_of(response: httpx.Response) -> dict[str, Any]:
    """The `error` object of a Graph API answer, or {} when the body is not one."""
    try:
        body = response.json()
    except ValueError:
        return {}
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}
