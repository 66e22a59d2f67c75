"""InstagramClient against a running InstagramGraphSandbox, over real HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from producer_discovery.clients.base import CountingMetrics
from producer_discovery.clients.instagram import InstagramClient
from producer_discovery.enrichment.profiles import merge_findings
from producer_discovery.errors import ConfigurationError, RateLimited
from producer_discovery.retry import RetryPolicy
from producer_discovery.sandbox.instagram import DEFAULT_USER_ID, InstagramGraphSandbox
from producer_discovery.sandbox.server import Faults
from producer_discovery.settings import Settings
from producer_discovery.sources import INSTAGRAM
from tests.support.limiters import RecordingLimiter
from tests.support.sandboxes import INSTAGRAM_TOKEN, Sandboxes

FAST_RETRIES = RetryPolicy(base_seconds=0.02, cap_seconds=0.5, in_call_attempts=4)
ALL_FIELDS = "biography,name,website,username,profile_picture_url,followers_count,media_count"


@pytest.fixture
def sandbox(sandboxes: Sandboxes) -> InstagramGraphSandbox:
    """The module's sandbox with no faults and fresh counters."""
    return sandboxes.instagram


@pytest.fixture
def client_for(sandbox: InstagramGraphSandbox) -> Iterator[Callable[..., InstagramClient]]:
    """Builds clients of the sandbox (fast retries by default) and closes them afterwards."""
    made: list[InstagramClient] = []

    def make(**options: Any) -> InstagramClient:
        options.setdefault("retry_policy", FAST_RETRIES)
        settings = Settings(
            instagram_access_token=SecretStr(options.pop("access_token", INSTAGRAM_TOKEN)),
            instagram_user_id=options.pop("user_id", DEFAULT_USER_ID),
            instagram_api_url=sandbox.url,
            instagram_graph_version=options.pop("graph_version", "v21.0"),
        )
        client = InstagramClient.from_settings(settings, **options)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


def discovery_of(handle: str, fields: str = ALL_FIELDS) -> str:
    return f"business_discovery.username({handle}){{{fields}}}"


def raw_get(sandbox: InstagramGraphSandbox, path: str, **params: str) -> httpx.Response:
    return httpx.get(f"{sandbox.url}{path}", params=params)


def test_business_account_is_discovered_with_its_bio(
    client_for: Callable[..., InstagramClient],
) -> None:
    """A business account answers with the requested fields, and its bio yields the e-mail."""
    account = client_for().business_discovery("@KelsoAndMarr")
    assert account is not None
    assert account["username"] == "kelsoandmarr"
    assert account["followers_count"] == 18250
    assert set(account) == {
        "biography",
        "name",
        "website",
        "username",
        "profile_picture_url",
        "followers_count",
        "media_count",
        "id",
    }
    profile = merge_findings(INSTAGRAM.profile_source(None).findings(account, datetime.now(UTC)))
    assert profile.email == "kelsomarr@example.com"
    assert profile.instagram_bio == account["biography"]


def test_creator_account_without_email_gives_a_bio_but_no_email(
    client_for: Callable[..., InstagramClient],
) -> None:
    """A creator bio without an address fills the bio and leaves the e-mail empty."""
    account = client_for().business_discovery("devoneil.beats")
    assert account is not None
    profile = merge_findings(INSTAGRAM.profile_source(None).findings(account, datetime.now(UTC)))
    assert profile.instagram_bio
    assert profile.email is None


@pytest.mark.parametrize("handle", ["kaitomercer", "nobody.here.at.all"])
def test_personal_or_unknown_account_is_none(
    sandbox: InstagramGraphSandbox, client_for: Callable[..., InstagramClient], handle: str
) -> None:
    """Personal and missing accounts both come back as None, like Meta's 110/2207013."""
    assert client_for().business_discovery(handle) is None
    assert sandbox.requests["business_discovery"] == 1


def test_invalid_handle_is_none_without_a_request(
    sandbox: InstagramGraphSandbox, client_for: Callable[..., InstagramClient]
) -> None:
    """A username Instagram could not have (or a link: enrichment reads links) is refused
    before any call."""
    assert client_for().business_discovery("https://www.instagram.com/p/C0ffee/") is None
    assert client_for().business_discovery("two..dots") is None
    assert sandbox.total == 0


def test_bad_token_is_a_configuration_error(
    sandbox: InstagramGraphSandbox, client_for: Callable[..., InstagramClient]
) -> None:
    """A refused token (code 190) is the operator's to fix, never retried."""
    with pytest.raises(ConfigurationError, match="code 190"):
        client_for(access_token="expired-token").business_discovery("kelsoandmarr")
    assert sandbox.requests["business_discovery"] == 1


def test_wrong_own_user_id_is_a_configuration_error(
    client_for: Callable[..., InstagramClient],
) -> None:
    """An INSTAGRAM_USER_ID the Graph API does not know (100/33) is a configuration error."""
    with pytest.raises(ConfigurationError, match="INSTAGRAM_USER_ID"):
        client_for(user_id="12345").business_discovery("kelsoandmarr")


def test_missing_credentials_are_a_configuration_error() -> None:
    """A client cannot be built without both the token and the user id."""
    with pytest.raises(ConfigurationError):
        InstagramClient.from_settings(Settings(instagram_access_token=SecretStr(INSTAGRAM_TOKEN)))
    with pytest.raises(ConfigurationError):
        InstagramClient.from_settings(Settings(instagram_user_id=DEFAULT_USER_ID))


def test_instagram_is_optional_and_works_once_configured(
    sandbox: InstagramGraphSandbox,
) -> None:
    """No token and no user id means not configured (no bios); both set means a working one."""
    unconfigured = Settings(instagram_access_token=None, instagram_user_id=None)
    assert not InstagramClient.is_configured(unconfigured)
    configured = Settings(
        instagram_access_token=SecretStr(INSTAGRAM_TOKEN),
        instagram_user_id=DEFAULT_USER_ID,
        instagram_api_url=sandbox.url,
    )
    assert InstagramClient.is_configured(configured)
    client = InstagramClient.from_settings(configured)
    try:
        assert client.business_discovery("chloemarsh.music") is not None
    finally:
        client.close()


def test_any_graph_version_prefix_is_served(client_for: Callable[..., InstagramClient]) -> None:
    """The sandbox serves every vNN.N path, as Meta keeps several versions live."""
    client = client_for(graph_version="v19.0")
    assert client.business_discovery("chloemarsh.music") is not None


def test_server_errors_are_retried(
    sandbox: InstagramGraphSandbox, client_for: Callable[..., InstagramClient]
) -> None:
    """An injected 502 (Meta's transient code 2) is retried in-process and then succeeds."""
    sandbox.faults = Faults(server_error_every=2)
    client = client_for()
    assert client.business_discovery("kelsoandmarr") is not None
    assert client.business_discovery("chloemarsh.music") is not None
    assert sandbox.injected["business_discovery"] == 1
    assert sandbox.requests["business_discovery"] == 3


def test_rate_limit_pauses_every_worker(
    sandbox: InstagramGraphSandbox, client_for: Callable[..., InstagramClient]
) -> None:
    """A 429 pauses the shared limiter for Retry-After seconds and surfaces as RateLimited."""
    sandbox.faults = Faults(rate_limit_every=1, retry_after_seconds=30)
    limiter = RecordingLimiter()
    with pytest.raises(RateLimited):
        client_for(limiter=limiter).business_discovery("kelsoandmarr")
    assert limiter.pauses == [("instagram", 30.0)]


def test_every_call_is_measured(client_for: Callable[..., InstagramClient]) -> None:
    """Each call lands in the metrics with its endpoint, status and outcome."""
    metrics = CountingMetrics()
    client = client_for(metrics=metrics)
    client.business_discovery("kelsoandmarr")
    client.business_discovery("nobody.here.at.all")
    assert metrics.calls == [
        ("instagram", "business_discovery", 200, True),
        ("instagram", "business_discovery", 400, False),
    ]


def test_sandbox_refuses_a_request_without_token(sandbox: InstagramGraphSandbox) -> None:
    """No access token: HTTP 400 with Meta's OAuthException code 2500."""
    response = raw_get(sandbox, f"/v21.0/{DEFAULT_USER_ID}", fields=discovery_of("x"))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == 2500
    assert response.json()["error"]["type"] == "OAuthException"


def test_sandbox_answers_unknown_handles_like_meta(sandbox: InstagramGraphSandbox) -> None:
    """An unknown handle: HTTP 400, "Invalid user id", code 110, subcode 2207013."""
    response = raw_get(
        sandbox,
        f"/v21.0/{DEFAULT_USER_ID}",
        fields=discovery_of("nobody"),
        access_token=INSTAGRAM_TOKEN,
    )
    error = response.json()["error"]
    assert response.status_code == 400
    assert (error["message"], error["type"], error["code"], error["error_subcode"]) == (
        "Invalid user id",
        "OAuthException",
        110,
        2207013,
    )


def test_sandbox_returns_only_the_requested_fields(sandbox: InstagramGraphSandbox) -> None:
    """Business Discovery shows the fields asked for, plus the ids."""
    response = raw_get(
        sandbox,
        f"/v21.0/{DEFAULT_USER_ID}",
        fields=discovery_of("chloemarsh.music", "biography"),
        access_token=INSTAGRAM_TOKEN,
    )
    assert response.json() == {
        "business_discovery": {
            "biography": "Vocal producer & songwriter 🎧 London",
            "id": "17841400000000103",
        },
        "id": DEFAULT_USER_ID,
    }


def test_sandbox_refuses_unknown_fields(sandbox: InstagramGraphSandbox) -> None:
    """Asking for a field the node lacks (an e-mail) is Meta's (#100) error."""
    response = raw_get(
        sandbox,
        f"/v21.0/{DEFAULT_USER_ID}",
        fields=discovery_of("chloemarsh.music", "email"),
        access_token=INSTAGRAM_TOKEN,
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == 100
