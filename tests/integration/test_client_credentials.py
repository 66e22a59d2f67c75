"""Secrets stay where they belong: credentials never follow a redirect or a `next` URL to
another host, and the HTTP libraries' request logs stay off whatever LOG_LEVEL says."""

from __future__ import annotations

import logging

import pytest

from producer_discovery.clients.base import ApiClient
from producer_discovery.errors import PermanentError
from producer_discovery.logging import configure
from producer_discovery.retry import RetryPolicy
from producer_discovery.sandbox.server import Request, Response, SandboxServer
from producer_discovery.settings import Settings

TOKEN = "secret-token"


class Collector(SandboxServer):
    """Another host: records whatever reaches it and the Authorization it carried."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str | None] = []
        self.route("GET", "/.*", "anything", self.anything)

    def anything(self, request: Request) -> Response:
        self.seen.append(request.headers.get("authorization"))
        return Response(200, {"stolen": True})


class Provider(SandboxServer):
    """The API: /away redirects to another host, /moved to its own /here."""

    def __init__(self, elsewhere: str) -> None:
        super().__init__()
        self.route(
            "GET",
            "/away",
            "away",
            lambda request: Response(302, None, {"Location": f"{elsewhere}/steal"}),
        )
        self.route(
            "GET", "/moved", "moved", lambda request: Response(301, None, {"Location": "/here"})
        )
        self.route(
            "GET",
            "/here",
            "here",
            lambda request: Response(
                200, {"authorized": request.headers.get("authorization") == f"Bearer {TOKEN}"}
            ),
        )


class TokenClient(ApiClient):
    """A client of the test provider; its URL travels in genius_api_url."""

    api = "provider"

    @classmethod
    def base_url_of(cls, settings: Settings) -> str:
        return settings.genius_api_url

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {TOKEN}"}


def client(provider: Provider) -> TokenClient:
    return TokenClient.from_settings(
        Settings(genius_api_url=provider.url), retry_policy=RetryPolicy(in_call_attempts=1)
    )


def test_a_redirect_to_another_host_is_refused() -> None:
    """A 302 to another origin raises PermanentError and the other host receives nothing."""
    with Collector() as elsewhere, Provider(elsewhere.url) as provider:
        with client(provider) as away, pytest.raises(PermanentError, match="refusing a redirect"):
            away.get_json("/away", endpoint="away")
        assert elsewhere.seen == []


def test_a_redirect_within_the_origin_is_followed() -> None:
    """A 301 to a path of the same host is followed, with the credentials."""
    with (
        Collector() as elsewhere,
        Provider(elsewhere.url) as provider,
        client(provider) as moved,
    ):
        assert moved.get_json("/moved", endpoint="moved") == {"authorized": True}


def test_a_next_url_on_another_host_is_refused() -> None:
    """A `next` page URL that names another host is not requested at all."""
    with (
        Collector() as elsewhere,
        Provider(elsewhere.url) as provider,
        client(provider) as paging,
    ):
        with pytest.raises(PermanentError, match="refusing to send credentials"):
            paging.get_json(f"{elsewhere.url}/page2", endpoint="next")
        assert elsewhere.seen == []
        assert paging.get_json(f"{provider.url}/here", endpoint="next") == {"authorized": True}


@pytest.mark.parametrize("level", ["debug", "info"])
def test_http_library_loggers_stay_at_warning(level: str) -> None:
    """httpx and httpcore (which log request URLs, query-string tokens included) stay at WARNING
    even with LOG_LEVEL=debug."""
    logging.getLogger("httpx").setLevel(logging.DEBUG)
    configure("json", level)
    assert logging.getLogger("httpx").level == logging.WARNING
    assert logging.getLogger("httpcore").level == logging.WARNING
