"""The web app against an attacker: no offline guessing of the operator token, throttled
credentials, sessions revoked at sign-out, bad inputs as 4xx, security headers on errors,
visitors see counts but not dead letters, short tokens and broken URLs refused at start."""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from itsdangerous import BadSignature, URLSafeTimedSerializer

from producer_discovery.sandbox.web_catalogue import seed_dead_letter
from producer_discovery.settings import Settings
from producer_discovery.web.security import stored_secret_key
from tests.support.database import Database, one
from tests.web.conftest import TOKEN, client_for
from tests.web.test_pages import csrf_of, sign_in


def token_derived_key(token: str) -> str:
    """The key the cookies were once signed with: one HMAC of the operator token."""
    return hmac.new(token.encode(), b"producer-discovery web session", hashlib.sha256).hexdigest()


def test_csrf_cookie_cannot_be_used_to_test_token_guesses(client: TestClient) -> None:
    """A visitor's pd_csrf cookie does not verify under a key derived from the right token."""
    cookie = csrf_of(client)
    with pytest.raises(BadSignature):
        URLSafeTimedSerializer(token_derived_key(TOKEN), salt="csrf").loads(cookie)


def test_a_session_cookie_forged_from_the_token_is_not_an_operator(
    client: TestClient, catalogue: dict[str, str]
) -> None:
    """Knowing the token's key (or any signed value) mints no session: it must be in the database."""
    forged = URLSafeTimedSerializer(token_derived_key(TOKEN), salt="session").dumps(
        {"operator": True}
    )
    client.cookies.set("pd_session", forged)
    assert "email" not in client.get(f"/api/producers/{catalogue['Mara Quill']}").json()


def test_sign_out_revokes_a_copied_session_cookie(
    database_url: str, catalogue: dict[str, str]
) -> None:
    """After sign-out, a copy of the session cookie taken before it no longer signs anyone in."""
    producer = f"/api/producers/{catalogue['Mara Quill']}"
    with client_for(database_url, TOKEN) as browser, client_for(database_url, TOKEN) as thief:
        csrf = sign_in(browser)
        session = browser.cookies.get("pd_session")
        assert session
        thief.cookies.set("pd_session", session)
        assert thief.get(producer).json()["email"] == "mara@quill.example"
        assert browser.post("/logout", data={"csrf_token": csrf}).status_code == 303
        assert "email" not in thief.get(producer).json()


def test_secret_key_is_generated_once_and_kept_private(tmp_path: Path) -> None:
    """Without WEB_SECRET_KEY the key is random, written once with mode 0600, then reused."""
    key = stored_secret_key(tmp_path / "home")
    path = tmp_path / "home" / "web-secret-key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(key) >= 32
    assert key != token_derived_key(TOKEN)
    assert stored_secret_key(tmp_path / "home") == key


def test_failed_bearer_tokens_are_throttled_per_client(client: TestClient) -> None:
    """Ten wrong bearer tokens: the eleventh request is 429 with Retry-After, even the right one."""
    for _ in range(10):
        response = client.post(
            "/api/discover", json={"artistName": "x"}, headers={"Authorization": "Bearer nope"}
        )
        assert response.status_code == 401
    refused = client.post(
        "/api/discover", json={"artistName": "x"}, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0


def test_failed_sign_ins_are_throttled_per_client(client: TestClient) -> None:
    """Ten wrong sign-ins: the next one, right or wrong, is a 429 page with Retry-After."""
    csrf = csrf_of(client)
    for _ in range(10):
        wrong = client.post("/login", data={"token": "wrong", "csrf_token": csrf})
        assert wrong.status_code == 401
    refused = client.post("/login", data={"token": TOKEN, "csrf_token": csrf})
    assert refused.status_code == 429
    assert refused.headers["retry-after"]
    assert "pd_session" not in refused.cookies


def test_nul_character_in_a_search_is_a_clear_422(client: TestClient) -> None:
    """A NUL in the search text is refused as a 4xx with a message, for the API and the page."""
    api = client.get("/api/search", params={"q": "nova\x00reyes"})
    assert api.status_code == 422
    assert "control characters" in api.json()["detail"]
    page = client.get("/", params={"q": "nova\x00reyes"})
    assert page.status_code == 422
    assert "Traceback" not in page.text


def test_search_of_fewer_than_three_characters_is_refused_with_a_message(
    client: TestClient, db: Database
) -> None:
    """1–2 characters: 422 from the API, a message on the page; SQL matches exact names only."""
    api = client.get("/api/search", params={"q": "ma"})
    assert api.status_code == 422
    assert "at least 3" in api.json()["detail"]
    page = client.get("/", params={"q": "ma"})
    assert page.status_code == 200
    assert "Type at least 3 characters" in page.text
    found = db.execute("SELECT name FROM search_producers('ma', 20)").fetchall()
    assert found == []


def test_out_of_range_dead_letter_id_is_a_4xx(
    client: TestClient, operator_headers: dict[str, str]
) -> None:
    """A message id beyond BIGINT is a 422, not a 500, for the API and the dashboard form."""
    api = client.post(
        "/api/dlq/artist_discovery_dlq/99999999999999999999/replay", headers=operator_headers
    )
    assert api.status_code == 422
    csrf = sign_in(client)
    page = client.post(
        "/dashboard/dlq/artist_discovery_dlq/99999999999999999999/replay",
        data={"csrf_token": csrf},
    )
    assert page.status_code == 422
    assert "Traceback" not in page.text


def test_errors_carry_the_security_headers(database_url: str, catalogue: dict[str, str]) -> None:
    """A 500 (page and JSON) and a 404 carry the Content-Security-Policy and nosniff headers."""
    with client_for(database_url, TOKEN) as client:

        def broken(*_: object, **__: object) -> None:
            raise RuntimeError("boom")

        client.app.state.store.leaderboard = broken  # type: ignore[attr-defined]
        for path in ("/", "/api/producers", "/api/artists/00000000-0000-0000-0000-000000000000"):
            response = client.get(path)
            assert response.status_code in (404, 500)
            assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
            assert response.headers["x-content-type-options"] == "nosniff"


def test_visitors_see_dead_letter_counts_not_bodies(
    client: TestClient, db: Database, catalogue: dict[str, str]
) -> None:
    """The anonymous dashboard counts dead letters; their bodies and issue messages are the operator's."""
    seed_dead_letter(db, "Secret Artist Name")
    db.execute(
        "INSERT INTO monitoring.worker_issues (worker_name, issue_type, severity, message) "
        "VALUES ('spotify', 'credentials_refused', 'error', 'client secret abc refused')"
    )
    anonymous = client.get("/dashboard").text
    assert "Secret Artist Name" not in anonymous
    assert "client secret abc" not in anonymous
    assert "artist_discovery_dlq" in anonymous
    sign_in(client)
    operator = client.get("/dashboard").text
    assert "Secret Artist Name" in operator
    assert "client secret abc" in operator
    count = one(db.execute("SELECT get_pipeline_overview() AS o"))["o"]["dead_letter_count"]
    assert count == 1


def run_cli(*arguments: str, **environment: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "producer_discovery", *arguments],
        env={**os.environ, **environment},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_short_operator_token_is_refused_at_start_in_one_line() -> None:
    """WEB_OPERATOR_TOKEN under 32 characters: exit 1 with one line that does not show it."""
    result = run_cli("web", "--port", "1", WEB_OPERATOR_TOKEN="short-token-9")
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert "WEB_OPERATOR_TOKEN" in result.stderr
    assert "at least 32" in result.stderr
    assert "short-token-9" not in result.stderr
    with pytest.raises(ValueError, match="at least 32"):
        Settings(web_operator_token="x" * 31)


def test_a_malformed_database_url_is_one_line_without_its_password() -> None:
    """A DATABASE_URL libpq cannot parse: exit 1, one line, no password, no traceback."""
    for url in (
        "postgresql://admin:hunter2secret@local host/db",
        "postgresql://admin:hunter2%zzsecret@localhost/db",
        "host=localhost password='hunter2secret",
    ):
        result = run_cli("status", DATABASE_URL=url)
        assert result.returncode == 1, result.stderr
        assert result.stderr.strip().count("\n") == 0, result.stderr
        assert "hunter2" not in result.stderr + result.stdout
        assert "DATABASE_URL" in result.stderr


def test_addresses_planted_in_social_metadata_never_reach_visitors(
    client: TestClient, db: Database, catalogue: dict[str, str], operator_headers: dict[str, str]
) -> None:
    """mailto: and bare addresses in any social value or alias: hidden from the API, pages
    and reader functions; the operator sees every address."""
    producer_id = catalogue["Mara Quill"]
    db.execute(
        """UPDATE producers SET metadata = jsonb_set(jsonb_set(metadata,
             '{social,website}', '{"value": "mailto:booking@planted.example", "source": "discogs"}'),
             '{social,aliases}', '["M. Quill", "alias@planted.example"]')
           WHERE id = %s""",
        (producer_id,),
    )
    db.execute(
        """UPDATE producers SET metadata = jsonb_set(metadata, '{social,facebook}',
             '{"value": "fb@planted.example", "source": "genius"}') WHERE id = %s""",
        (producer_id,),
    )
    for text in (
        client.get(f"/api/producers/{producer_id}").text,
        client.get(f"/producers/{producer_id}").text,
        str(one(db.execute("SELECT get_producer(%s) AS p", (producer_id,)))["p"]),
    ):
        assert "planted.example" not in text
        assert "mailto:" not in text
    operator = client.get(f"/api/producers/{producer_id}", headers=operator_headers).json()
    assert {"booking@planted.example", "alias@planted.example", "fb@planted.example"} <= set(
        operator["emails"]
    )
