"""Instagram Graph API client: Business Discovery, the one legitimate bio lookup by handle.

It needs the operator's own professional (Business or Creator) account: its id
(`INSTAGRAM_USER_ID`) and a token for it (`INSTAGRAM_ACCESS_TOKEN`). It can only read other
Business or Creator accounts, and never an e-mail field.

The Graph API answers most errors with HTTP 400 and says what went wrong in
`{"error": {"code", "error_subcode", "is_transient", …}}`, so this client refines the base
class's status-only classification by reading the body. The Graph API version is a setting
(INSTAGRAM_GRAPH_VERSION): Meta retires each version about two years after its release.

    code 190, 2500, 10, 200 (token or permission)  ConfigurationError
    code 100 subcode 33 (our user id unknown)      ConfigurationError
    code 110 subcode 2207013                       None: no such account, or a personal one
    code 4, 17, 32, 613, 80002, or HTTP 429        RateLimited (the limiter pauses everyone)
    code 1, 2, is_transient, or HTTP 5xx           TransientError
    anything else                                  PermanentError
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from producer_discovery.clients.base import ApiClient, parse_retry_after
from producer_discovery.errors import (
    ConfigurationError,
    NotFound,
    PermanentError,
    RateLimited,
    TransientError,
)
from producer_discovery.settings import Settings

DISCOVERY_FIELDS = "biography,name,website,username,profile_picture_url,followers_count,media_count"
CONFIGURATION_CODES = frozenset({10, 190, 200, 2500})
UNKNOWN_OBJECT = (100, 33)
ACCOUNT_NOT_DISCOVERABLE = (110, 2207013)
RATE_LIMIT_CODES = frozenset({4, 17, 32, 613, 80002})
TRANSIENT_CODES = frozenset({1, 2})
USERNAME = re.compile(r"^(?!\.)(?!.*\.\.)(?!.*\.$)[a-z0-9._]{1,30}$")
RATE_LIMIT_DEFAULT_SECONDS = 60.0  # Meta sends no Retry-After; its windows are an hour long


class InstagramClient(ApiClient):
    api = "instagram"
    credentials = ("instagram_access_token", "instagram_user_id")

    def __init__(self, settings: Settings, **options: Any) -> None:
        """`options`: limiter, metrics, retry_policy, transport (see ApiClient)."""
        token, user_id = settings.instagram_access_token, settings.instagram_user_id
        if token is None or not token.get_secret_value() or not user_id:
            raise ConfigurationError(
                "Instagram Business Discovery needs INSTAGRAM_ACCESS_TOKEN and INSTAGRAM_USER_ID."
            )
        super().__init__(settings, **options)
        self.access_token = token.get_secret_value()
        self.user_id = user_id
        self.graph_version = settings.instagram_graph_version

    @classmethod
    def is_configured(cls, settings: Settings) -> bool:
        """True once either Graph API setting is given (both are then required)."""
        return settings.instagram_access_token is not None or settings.instagram_user_id is not None

    @classmethod
    def base_url_of(cls, settings: Settings) -> str:
        return settings.instagram_api_url

    def business_discovery(self, username: str) -> dict[str, Any] | None:
        """The `business_discovery` object of a Business or Creator account (biography,
        name, website, username, profile_picture_url, followers_count, media_count, id);
        None when the username ("name" or "@name"; links are read by enrichment.links) is
        not one Instagram accepts, unknown or a personal account."""
        username = username.strip().removeprefix("@").casefold()
        if not USERNAME.match(username):
            return None
        params = {
            "fields": f"business_discovery.username({username}){{{DISCOVERY_FIELDS}}}",
            "access_token": self.access_token,
        }
        try:
            body = self.get_json(
                f"{self.graph_version}/{self.user_id}", endpoint="business_discovery", params=params
            )
        except NotFound:
            return None
        account: dict[str, Any] | None = body.get("business_discovery")
        return account

    def refine_error(self, response: httpx.Response, endpoint: str) -> Exception | None:
        """The Graph API's error codes (see the module docstring). No URL in any message:
        the token travels in the query string."""
        error = graph_error_of(response)
        code, subcode = error.get("code"), error.get("error_subcode")
        message = str(error.get("message") or response.text[:200])
        detail = f"instagram {endpoint}: HTTP {response.status_code} code {code}: {message}"
        if (code, subcode) == ACCOUNT_NOT_DISCOVERABLE:
            return NotFound(detail)
        if code in CONFIGURATION_CODES or (code, subcode) == UNKNOWN_OBJECT:
            return ConfigurationError(
                f"{detail} (check INSTAGRAM_ACCESS_TOKEN and INSTAGRAM_USER_ID)"
            )
        if code in RATE_LIMIT_CODES or response.status_code == 429:
            retry_after = parse_retry_after(
                response.headers.get("Retry-After"), RATE_LIMIT_DEFAULT_SECONDS
            )
            self.limiter.pause(self.api, retry_after)
            return RateLimited(detail, retry_after)
        if code in TRANSIENT_CODES or error.get("is_transient") or response.status_code >= 500:
            return TransientError(detail)
        return PermanentError(detail)


def graph_error_of(response: httpx.Response) -> dict[str, Any]:
    """The `error` object of a Graph API answer, or {} when the body is not one."""
    try:
        body = response.json()
    except ValueError:
        return {}
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}
