"""Hostile values typed into the web: the discovery form re-renders with the reason beside the
field, the JSON API answers 422 with a readable message; never a 500, nothing queued."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.support.database import Database, one
from tests.web.test_pages import sign_in

HOSTILE_TEXTS = ["", "   ", "x" * 6000, "x" * 150, "bad\x07name", "nul\x00byte", "tab\there"]


def queued(db: Database) -> int:
    return int(one(db.execute("SELECT count(*) AS n FROM pgmq.q_artist_discovery"))["n"])


@pytest.mark.parametrize("kind", ["artist", "genre"])
def test_discovery_form_shows_the_error_beside_the_field(
    client: TestClient, db: Database, kind: str
) -> None:
    """Each hostile value: the home page again (422) with the form, the reason beside the
    field, and nothing queued."""
    csrf = sign_in(client)
    for value in HOSTILE_TEXTS:
        if kind == "artist" and value == "x" * 150:
            continue  # a 150-character name is a valid name
        response = client.post("/discover", data={"kind": kind, "value": value, "csrf_token": csrf})
        assert response.status_code == 422, (kind, value[:20])
        assert 'id="discover-error"' in response.text
        assert 'aria-invalid="true"' in response.text
        assert "Start a discovery" in response.text
        assert "Traceback" not in response.text
        assert ("an artist name" if kind == "artist" else "a genre") in response.text.lower()
    assert queued(db) == 0


def test_discovery_form_keeps_the_chosen_kind_and_says_why(client: TestClient) -> None:
    """A 150-character genre (the database holds 100) names the bound and keeps Genre chosen."""
    csrf = sign_in(client)
    response = client.post(
        "/discover", data={"kind": "genre", "value": "g" * 150, "csrf_token": csrf}
    )
    assert "A genre has at most 100 characters (this one has 150)." in response.text
    assert 'value="genre" checked' in response.text


def test_discovery_form_without_fields_is_not_a_dead_end(client: TestClient) -> None:
    """A post missing its value or with an unknown kind re-shows the form too."""
    csrf = sign_in(client)
    for data in ({"csrf_token": csrf}, {"kind": "band", "value": "", "csrf_token": csrf}):
        response = client.post("/discover", data=data)
        assert response.status_code == 422
        assert 'id="discover-error"' in response.text


def test_api_discover_answers_422_with_a_readable_message(
    client: TestClient, db: Database, operator_headers: dict[str, str]
) -> None:
    """Hostile names and genres, out-of-range limits and wrong types: 422 with the reason in
    words, never a 500."""
    names: list[dict[str, object]] = [{"artistName": v} for v in HOSTILE_TEXTS if v != "x" * 150]
    genres: list[dict[str, object]] = [{"genre": value} for value in HOSTILE_TEXTS]
    bodies: list[dict[str, object]] = [
        *names,
        *genres,
        {"genre": "pop", "limit": 1001},
        {"genre": "pop", "limit": 0},
        {"genre": "pop", "limit": -(2**70)},
        {"genre": "pop", "limit": "many"},
        {"artistName": 12},
        {"artistName": None},
        {"artistName": ["A"]},
    ]
    for body in bodies:
        response = client.post("/api/discover", json=body, headers=operator_headers)
        assert response.status_code == 422, body
        answer = response.json()
        assert answer["message"], answer
        assert "Value error" not in answer["message"], answer
    long_genre = client.post("/api/discover", json={"genre": "g" * 150}, headers=operator_headers)
    assert "a genre has at most 100 characters" in long_genre.json()["message"]
    assert queued(db) == 0


@pytest.mark.parametrize("text", ["   ", "x" * 6000, "nul\x00byte", "bell\x07"])
def test_search_refuses_hostile_text_without_a_500(client: TestClient, text: str) -> None:
    """The search box and GET /api/search: an error beside the box (422) or a 422 answer."""
    page = client.get("/", params={"q": text})
    assert page.status_code in (200, 422)
    assert "Traceback" not in page.text
    if text.strip():
        assert 'id="q-error"' in page.text
    api = client.get("/api/search", params={"q": text})
    assert api.status_code == 422, api.text
