"""The pages as HTML (rendered on the server): content, error pages, and the operator's forms
(sign-in, CSRF, discovery, replay)."""

from __future__ import annotations

import itertools
import re
import uuid

from fastapi.testclient import TestClient

from producer_discovery.sandbox.web_catalogue import seed_dead_letter
from producer_discovery.sources import credit_labels
from tests.support.database import Database, one
from tests.web.conftest import TOKEN


def csrf_of(client: TestClient) -> str:
    client.get("/login")
    value = client.cookies.get("pd_csrf")
    assert value
    return value


def sign_in(client: TestClient) -> str:
    csrf = csrf_of(client)
    assert client.post("/login", data={"token": TOKEN, "csrf_token": csrf}).status_code == 303
    return csrf


def test_pages_carry_their_content_in_the_html(
    client: TestClient, catalogue: dict[str, str]
) -> None:
    """Search results, an artist's tracks with producers, a producer's credits: all in the HTML."""
    home = client.get("/", params={"q": "beyonce"}).text
    assert "Beyoncé Lumière" in home
    assert f"/artists/{catalogue['Beyoncé Lumière']}" in home
    assert "Most credited producers" in home
    assert "Mara Quill" in home
    artist = client.get(f"/artists/{catalogue['Beyoncé Lumière']}").text
    assert "Sunrise" in artist
    assert "DJ O&#39;Neil" in artist
    assert "99%" in artist
    producer = client.get(f"/producers/{catalogue['Mara Quill']}").text
    assert "Golden Hour" in producer
    assert "Static Bloom" in producer
    assert "Evidence (2)" in producer
    assert "https://x.com/maraquill" in producer
    assert "M. Quill" in producer
    assert 'class="graph"' in producer


def test_footer_names_the_registrys_credit_sources(client: TestClient) -> None:
    """The footer's list of credit sources is the registry's labels, most trusted first."""
    assert f"credits from {credit_labels()} ·" in client.get("/").text
    assert "Genius, MusicBrainz, Discogs and track titles" in credit_labels()


def test_headings_are_in_order_and_inputs_are_labelled(
    client: TestClient, catalogue: dict[str, str]
) -> None:
    """One h1 per page, no heading level skipped, every visible input has a label."""
    sign_in(client)
    for path in (
        "/",
        "/?q=mara",
        f"/artists/{catalogue['Nova Reyes']}",
        f"/producers/{catalogue['Mara Quill']}",
        "/dashboard",
        "/login",
    ):
        html = client.get(path).text
        levels = [int(level) for level in re.findall(r"<h([1-6])[\s>]", html)]
        assert levels.count(1) == 1, path
        assert all(after - before <= 1 for before, after in itertools.pairwise(levels)), (
            path,
            levels,
        )
        for input_id in re.findall(r'<input id="([^"]+)"', html):
            assert f'<label for="{input_id}"' in html, (path, input_id)
        assert 'lang="en"' in html
        assert "Skip to content" in html


def test_anonymous_visitors_see_no_contact_details(
    client: TestClient, catalogue: dict[str, str]
) -> None:
    """The producer page shows no e-mail or bio to a visitor, and both to the operator."""
    path = f"/producers/{catalogue['Mara Quill']}"
    assert "mara@quill.example" not in client.get(path).text
    sign_in(client)
    page = client.get(path).text
    assert "mailto:mara@quill.example" in page
    assert "Bookings" in page


def test_bad_ids_and_parameters_get_an_error_page_not_a_traceback(client: TestClient) -> None:
    """Unknown id → 404 page, malformed id → 422 page, unknown path → 404 page."""
    for path, status in (
        (f"/artists/{uuid.uuid4()}", 404),
        (f"/producers/{uuid.uuid4()}", 404),
        ("/artists/42", 422),
        ("/producers/%00", 422),
        ("/nowhere", 404),
    ):
        response = client.get(path)
        assert response.status_code == status, path
        assert "text/html" in response.headers["content-type"]
        assert "Traceback" not in response.text
        assert "Back to search" in response.text


def test_forms_without_the_csrf_token_are_refused(client: TestClient, db: Database) -> None:
    """A signed-in operator's discovery form without (or with a wrong) CSRF field → 403."""
    sign_in(client)
    for token in (None, "forged"):
        data = {"kind": "artist", "value": "Juno Vale"} | ({"csrf_token": token} if token else {})
        assert client.post("/discover", data=data).status_code == 403
    assert one(db.execute("SELECT count(*) AS n FROM pgmq.q_artist_discovery"))["n"] == 0


def test_sign_in_with_a_wrong_token_fails(client: TestClient) -> None:
    """A wrong token re-shows the form (401) and sets no session."""
    csrf = csrf_of(client)
    response = client.post("/login", data={"token": "nope", "csrf_token": csrf})
    assert response.status_code == 401
    assert "That token is not right" in response.text
    assert "pd_session" not in client.cookies


def test_anonymous_form_posts_are_sent_to_sign_in(client: TestClient, db: Database) -> None:
    """Discovery and replay forms from a visitor redirect to /login and change nothing."""
    csrf = csrf_of(client)
    response = client.post("/discover", data={"kind": "artist", "value": "A", "csrf_token": csrf})
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")
    assert one(db.execute("SELECT count(*) AS n FROM pgmq.q_artist_discovery"))["n"] == 0


def test_operator_starts_a_discovery_and_replays_from_the_dashboard(
    client: TestClient, db: Database
) -> None:
    """The forms queue the artist and replay the dead letter; the dashboard says so."""
    dlq_id = seed_dead_letter(db, "Lost Artist")
    csrf = sign_in(client)
    queued = client.post(
        "/discover", data={"kind": "artist", "value": "Juno Vale", "csrf_token": csrf}
    )
    assert queued.status_code == 303
    assert "Queued artist “Juno Vale”" in client.get(queued.headers["location"]).text
    dashboard = client.get("/dashboard").text
    assert f"/dashboard/dlq/artist_discovery_dlq/{dlq_id}/replay" in dashboard
    replayed = client.post(
        f"/dashboard/dlq/artist_discovery_dlq/{dlq_id}/replay", data={"csrf_token": csrf}
    )
    assert replayed.status_code == 303
    assert "No dead letters." in client.get(replayed.headers["location"]).text
    names = {
        row["message"].get("artistName")
        for row in db.execute("SELECT message FROM pgmq.q_artist_discovery")
    }
    assert names == {"Juno Vale", "Lost Artist"}


def test_sign_in_never_redirects_off_site(client: TestClient) -> None:
    """next=//evil.example or an absolute URL falls back to /."""
    csrf = csrf_of(client)
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        response = client.post("/login", data={"token": TOKEN, "csrf_token": csrf, "next": target})
        assert response.headers["location"] == "/", target


def test_pages_send_a_content_security_policy(client: TestClient) -> None:
    """Only the site's own scripts run; no framing; no MIME sniffing."""
    headers = client.get("/").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"


def test_dashboard_shows_songs_waiting_for_a_source_and_gaps_pending(
    client: TestClient, db: Database
) -> None:
    """The Sources section: per source, songs waiting for it and gaps pending; none: says so."""
    assert (
        "Every source answering; no song waiting, no gap pending." in client.get("/dashboard").text
    )
    db.execute(
        "INSERT INTO processing_status (entity_type, entity_id, state, last_error) "
        "VALUES ('track', 'w', 'PENDING', 'WaitingForSource: waiting for genius (out 3s)')"
    )
    page = client.get("/dashboard").text
    section = page.split('id="sources-heading"')[1].split("</section>")[0]
    assert re.search(
        r"<th scope=\"row\">genius</th><td>answering</td><td class=\"num\">0</td>"
        r"<td class=\"num\">1</td><td class=\"num\">0</td>",
        section,
    ), section
    assert "discogs" not in section
