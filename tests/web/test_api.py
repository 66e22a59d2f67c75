"""The JSON API (docs/operations.md, "The web app"): every endpoint, with good and bad input, and who may
do what (anonymous readers, the operator by bearer token or by browser session + CSRF)."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient

from producer_discovery.sandbox.web_catalogue import seed_dead_letter
from tests.support.database import Database, one
from tests.web.conftest import TOKEN, client_for


def test_search_finds_artists_and_producers_whatever_the_spelling(client: TestClient) -> None:
    """Case, accents, apostrophes and a typo are forgiven; the best match comes first."""
    assert (
        client.get("/api/search", params={"q": "BEYONCE lumiere"}).json()["artists"][0]["name"]
        == "Beyoncé Lumière"
    )
    assert (
        client.get("/api/search", params={"q": "dj oneil"}).json()["producers"][0]["name"]
        == "DJ O'Neil"
    )
    answer = client.get("/api/search", params={"q": "mara quil"}).json()
    assert answer["producers"][0]["name"] == "Mara Quill"
    assert answer["producers"][0]["tracks"] == 3
    assert client.get("/api/search", params={"q": "xyzzy"}).json() == {
        "artists": [],
        "producers": [],
    }


def test_search_rejects_a_missing_empty_or_huge_query(client: TestClient) -> None:
    """No q, an empty q, a 201-character q or a bad limit: 422 JSON, not a traceback."""
    queries: tuple[dict[str, str | int], ...] = (
        {},
        {"q": ""},
        {"q": "x" * 201},
        {"q": "a", "limit": 0},
        {"q": "a", "limit": "many"},
    )
    for params in queries:
        response = client.get("/api/search", params=params)
        assert response.status_code == 422, params
        assert "detail" in response.json()
        assert "Traceback" not in response.text


def test_artist_lists_albums_tracks_and_producers(
    client: TestClient, catalogue: dict[str, str]
) -> None:
    """GET /api/artists/{id}: albums with tracks and their producers; producers with counts."""
    answer = client.get(f"/api/artists/{catalogue['Beyoncé Lumière']}").json()
    assert answer["name"] == "Beyoncé Lumière"
    assert [t["name"] for t in answer["albums"][0]["tracks"]] == ["Sunrise", "Midnight (feat. Ray)"]
    assert {p["name"]: p["tracks"] for p in answer["producers"]} == {
        "Mara Quill": 2,
        "DJ O'Neil": 1,
    }
    assert answer["producers"][0]["confidence"] == 0.99


def test_artist_with_an_unknown_or_malformed_id_is_404_or_422(client: TestClient) -> None:
    """An id that is not stored → 404; one that is not a UUID → 422."""
    assert client.get(f"/api/artists/{uuid.uuid4()}").status_code == 404
    assert client.get("/api/artists/not-an-id").status_code == 422
    assert client.get("/api/artists/1;DROP TABLE artists").status_code == 422


def test_leaderboard_is_most_credited_first_and_limited(client: TestClient) -> None:
    """GET /api/producers?limit=N: tracks and artists per producer, N rows at most."""
    rows = client.get("/api/producers", params={"limit": 2}).json()
    assert [(r["name"], r["tracks"], r["artists"]) for r in rows] == [
        ("Mara Quill", 3, 2),
        ("DJ O'Neil", 1, 1),
    ]
    assert all("email" not in row for row in rows)
    assert client.get("/api/producers", params={"limit": 0}).status_code == 422
    assert client.get("/api/producers", params={"limit": 501}).status_code == 422


def test_producer_shows_email_only_to_the_operator(
    client: TestClient, catalogue: dict[str, str], operator_headers: dict[str, str]
) -> None:
    """Anonymous: credits, aliases, socials, collaborators, no e-mail; operator: the e-mail too."""
    path = f"/api/producers/{catalogue['Mara Quill']}"
    anonymous = client.get(path)
    assert anonymous.status_code == 200
    document = anonymous.json()
    assert "email" not in document
    assert "mara@quill.example" not in anonymous.text
    assert "Bookings" not in anonymous.text  # the bio is contact data too
    assert document["aliases"] == ["M. Quill", "Quill"]
    assert document["instagram_handle"] == "maraquill"
    credit = next(c for c in document["credits"] if c["track"] == "Sunrise")
    assert (credit["artist"], credit["album"], credit["roles"], credit["sources"]) == (
        "Beyoncé Lumière",
        "Golden Hour",
        ["producer"],
        ["genius", "musicbrainz"],
    )
    assert {c["name"] for c in document["collaborators"]} == {
        "DJ O'Neil",
        "Beyoncé Lumière",
        "Nova Reyes",
    }
    assert client.get(path, headers=operator_headers).json()["email"] == "mara@quill.example"
    wrong = client.get(path, headers={"Authorization": "Bearer not-the-token"})
    assert "email" not in wrong.json()


def test_producer_with_an_unknown_or_malformed_id_is_404_or_422(client: TestClient) -> None:
    """Unknown id → 404, malformed id → 422."""
    assert client.get(f"/api/producers/{uuid.uuid4()}").status_code == 404
    assert client.get("/api/producers/%27%20OR%201%3D1").status_code == 422


def test_pipeline_reports_queues_states_dead_letters_and_health(
    client: TestClient, db: Database, operator_headers: dict[str, str]
) -> None:
    """GET /api/pipeline: every stage queue, dead-letter counts, health and 24 hours of
    history; the dead letters' bodies and the issues' messages only for the operator."""
    seed_dead_letter(db, "Nova Reyes")
    answer = client.get("/api/pipeline").json()
    assert {"artist_discovery", "social_enrichment_dlq"} <= {
        q["queue_name"] for q in answer["queues"]
    }
    assert answer["dead_letter_count"] == 1
    assert answer["dead_letters_by_queue"] == {"artist_discovery_dlq": 1}
    assert "dead_letters" not in answer
    assert "open_worker_issues" not in answer
    assert "Nova Reyes" not in str(answer)
    assert answer["health"]["worker_health"]["total_issues"] == 1
    assert len(answer["history"]["hours"]) == 24
    full = client.get("/api/pipeline", headers=operator_headers).json()
    assert full["dead_letters"][0]["message"] == {"artistName": "Nova Reyes"}
    assert len(full["open_worker_issues"]) == 1


def test_discover_queues_an_artist_or_a_genre_for_the_operator(
    client: TestClient, db: Database, operator_headers: dict[str, str]
) -> None:
    """POST /api/discover: 202 with the message ids, and the messages are in artist_discovery."""
    response = client.post(
        "/api/discover", json={"artistName": "Juno Vale"}, headers=operator_headers
    )
    assert response.status_code == 202
    (msg_id,) = response.json()["queued"]
    body = one(
        db.execute("SELECT message FROM pgmq.q_artist_discovery WHERE msg_id = %s", (msg_id,))
    )
    assert body["message"] == {"artistName": "Juno Vale"}
    genre = client.post(
        "/api/discover", json={"genre": "r&b", "limit": 5}, headers=operator_headers
    )
    assert genre.status_code == 202
    assert len(genre.json()["queued"]) == 2


def test_discover_rejects_bad_bodies(client: TestClient, operator_headers: dict[str, str]) -> None:
    """Neither or both of artistName/genre, a blank name, unknown fields, not JSON: 422."""
    for body in (
        {},
        {"artistName": "A", "genre": "pop"},
        {"artistName": "   "},
        {"artist": "A"},
        {"genre": "pop", "limit": 0},
        {"artistName": "x" * 201},
    ):
        assert (
            client.post("/api/discover", json=body, headers=operator_headers).status_code == 422
        ), body
    raw = client.post(
        "/api/discover",
        content="artistName=A",
        headers=operator_headers | {"content-type": "application/x-www-form-urlencoded"},
    )
    assert raw.status_code == 422


def test_operator_endpoints_need_the_token(client: TestClient, db: Database) -> None:
    """No credentials → 401 with WWW-Authenticate; a wrong token → 401; nothing is queued."""
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}):
        response = client.post("/api/discover", json={"artistName": "Juno Vale"}, headers=headers)
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert (
            client.post("/api/dlq/artist_discovery_dlq/1/replay", headers=headers).status_code
            == 401
        )
    assert one(db.execute("SELECT count(*) AS n FROM pgmq.q_artist_discovery"))["n"] == 0


def test_operator_endpoints_are_refused_without_a_configured_token(
    database_url: str, catalogue: dict[str, str]
) -> None:
    """WEB_OPERATOR_TOKEN unset: every operator request is refused (403), even with a bearer."""
    with client_for(database_url, None) as anonymous_only:
        response = anonymous_only.post(
            "/api/discover", json={"artistName": "A"}, headers={"Authorization": "Bearer "}
        )
        assert response.status_code == 403
        assert "email" not in anonymous_only.get(f"/api/producers/{catalogue['Mara Quill']}").json()


def test_replay_sends_a_dead_letter_back_once(
    client: TestClient, db: Database, operator_headers: dict[str, str]
) -> None:
    """POST /api/dlq/{queue}/{id}/replay: back in its stage queue, gone from the DLQ; again → 404."""
    dlq_id = seed_dead_letter(db, "Nova Reyes")
    path = f"/api/dlq/artist_discovery_dlq/{dlq_id}/replay"
    response = client.post(path, headers=operator_headers)
    assert response.status_code == 200
    (row,) = response.json()
    assert (row["source_queue"], row["message_id"]) == ("artist_discovery", dlq_id)
    sent = one(
        db.execute(
            "SELECT message FROM pgmq.q_artist_discovery WHERE msg_id = %s", (row["new_msg_id"],)
        )
    )
    assert sent["message"] == {"artistName": "Nova Reyes"}
    assert client.post(path, headers=operator_headers).status_code == 404


def test_replay_rejects_unknown_queues_and_bad_ids(
    client: TestClient, operator_headers: dict[str, str]
) -> None:
    """A queue that is not a DLQ → 404; a non-numeric or zero id → 422."""
    assert client.post("/api/dlq/artists/1/replay", headers=operator_headers).status_code == 404
    assert (
        client.post("/api/dlq/artist_discovery/1/replay", headers=operator_headers).status_code
        == 404
    )
    assert (
        client.post(
            "/api/dlq/artist_discovery_dlq/abc/replay", headers=operator_headers
        ).status_code
        == 422
    )
    assert (
        client.post("/api/dlq/artist_discovery_dlq/0/replay", headers=operator_headers).status_code
        == 422
    )


def test_a_browser_session_writes_only_with_its_csrf_header(client: TestClient) -> None:
    """Signed in through the form, an API write needs X-CSRF-Token matching the CSRF cookie."""
    csrf = sign_in(client)
    assert client.post("/api/discover", json={"artistName": "Juno Vale"}).status_code == 403
    assert (
        client.post(
            "/api/discover", json={"artistName": "Juno Vale"}, headers={"X-CSRF-Token": csrf}
        ).status_code
        == 202
    )


def test_session_cookie_is_signed_httponly_and_lax(client: TestClient) -> None:
    """The sign-in cookie: HttpOnly, SameSite=Lax; a tampered cookie is not a session."""
    login_page = client.get("/login")
    csrf = login_page.cookies.get("pd_csrf") or client.cookies.get("pd_csrf")
    assert csrf
    response = client.post("/login", data={"token": TOKEN, "csrf_token": csrf, "next": "/"})
    assert response.status_code == 303
    header = response.headers["set-cookie"].lower()
    assert "pd_session=" in header
    assert "httponly" in header
    assert "samesite=lax" in header
    session = client.cookies.get("pd_session")
    assert session
    client.cookies.delete("pd_session")  # replaced, not sent beside the good one
    client.cookies.set("pd_session", session + "x")
    assert "email" not in client.get("/api/producers", params={"limit": 1}).json()[0]
    assert (
        client.post(
            "/api/discover", json={"artistName": "A"}, headers={"X-CSRF-Token": csrf}
        ).status_code
        == 401
    )


def test_session_cookie_is_secure_over_https(database_url: str, catalogue: dict[str, str]) -> None:
    """Served over https, the session and CSRF cookies carry Secure."""
    with client_for(database_url, TOKEN) as client:
        client.base_url = client.base_url.copy_with(scheme="https")
        client.get("/login")
        csrf = client.cookies.get("pd_csrf")
        response = client.post("/login", data={"token": TOKEN, "csrf_token": csrf})
        assert response.status_code == 303
        assert "secure" in response.headers["set-cookie"].lower()


def test_openapi_describes_every_endpoint(client: TestClient) -> None:
    """/openapi.json lists every endpoint of the JSON API."""
    paths = client.get("/openapi.json").json()["paths"]
    assert {
        "/api/search",
        "/api/artists/{artist_id}",
        "/api/producers",
        "/api/producers/{producer_id}",
        "/api/pipeline",
        "/api/discover",
        "/api/dlq/{queue}/{msg_id}/replay",
    } <= set(paths)


def sign_in(client: TestClient) -> str:
    """Sign in through the form; the CSRF value of this browser."""
    client.get("/login")
    csrf = client.cookies.get("pd_csrf")
    assert csrf
    assert (
        client.post("/login", data={"token": TOKEN, "csrf_token": csrf, "next": "/"}).status_code
        == 303
    )
    return csrf
