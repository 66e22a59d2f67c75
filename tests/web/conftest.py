"""Web fixtures: the sample web catalogue seeded in the test's fresh database, and the app
over it (in-process, through FastAPI's TestClient; the browser tests serve it with uvicorn)."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from producer_discovery.sandbox.web_catalogue import SAMPLE, seed_web_catalogue
from producer_discovery.settings import Settings
from producer_discovery.web.app import create_app

TOKEN = "operator-token-for-tests-only-0123456789"


@pytest.fixture(autouse=True)
def web_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """The apps sign cookies with a test key instead of writing one into the user's home."""
    monkeypatch.setenv("WEB_SECRET_KEY", "web-secret-key-for-tests-only-0123456789")


@pytest.fixture
def catalogue(db: psycopg.Connection) -> dict[str, str]:
    """The sample catalogue (two artists, three producers); {name: id}."""
    return seed_web_catalogue(db, SAMPLE)


def client_for(database_url: str, token: str | None) -> TestClient:
    settings = Settings(web_operator_token=SecretStr(token) if token else None)
    return TestClient(
        create_app(settings, database_url), raise_server_exceptions=False, follow_redirects=False
    )


@pytest.fixture
def client(database_url: str, catalogue: dict[str, str]) -> Iterator[TestClient]:
    """An anonymous client of an app whose operator token is TOKEN."""
    with client_for(database_url, TOKEN) as test_client:
        yield test_client


@pytest.fixture
def operator_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKEN}"}
