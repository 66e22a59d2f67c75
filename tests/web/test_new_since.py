"""What is new: `GET /api/new?since=…` and the dashboard's "New since last week" panel, over
the sample web catalogue with all but one album and one credit made a month old."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from tests.support.database import Database


@pytest.fixture
def aged(db: Database, catalogue: dict[str, str]) -> dict[str, str]:
    """Every album and credit a month old but the album Static Bloom and one credit on it;
    {"album", "track", "producer"} of what stays new."""
    db.execute("UPDATE albums SET created_at = now() - interval '30 days'")
    db.execute("UPDATE track_producers SET created_at = now() - interval '30 days'")
    db.execute("UPDATE albums SET created_at = now() WHERE name = 'Static Bloom'")
    fresh = db.execute(
        """UPDATE track_producers SET created_at = now() WHERE id = (
             SELECT tp.id FROM track_producers tp JOIN tracks t ON t.id = tp.track_id
             JOIN albums al ON al.id = t.album_id WHERE al.name = 'Static Bloom'
             ORDER BY t.name, tp.id LIMIT 1)
           RETURNING (SELECT name FROM tracks WHERE id = track_id) AS track,
                     (SELECT name FROM producers WHERE id = producer_id) AS producer"""
    ).fetchone()
    assert fresh is not None
    return {"album": "Static Bloom", "track": fresh["track"], "producer": fresh["producer"]}


def test_new_since_a_date_lists_the_albums_and_credits_that_arrived(
    client: TestClient, aged: dict[str, str]
) -> None:
    """Since a week ago: the one new album and the one new credit (track, artist, producer,
    sources), with their counts; since two months ago: everything."""
    since = (datetime.now(UTC) - timedelta(days=7)).isoformat()
    response = client.get(f"/api/new?since={quote(since)}")
    assert response.status_code == 200, response.text
    document = response.json()
    assert [album["name"] for album in document["albums"]] == [aged["album"]]
    assert [(c["track"], c["artist"], c["producer"]) for c in document["credits"]] == [
        (aged["track"], "Nova Reyes", aged["producer"])
    ]
    assert document["credits"][0]["sources"]
    assert (document["album_count"], document["credit_count"]) == (1, 1)
    everything = client.get("/api/new?since=2000-01-01").json()
    assert everything["album_count"] > 1
    # An offset whose "+" came unencoded (a space) is still read.
    plus = client.get("/api/new", params={"since": "2000-01-01T00:00:00 01:00"})
    assert plus.status_code == 200


@pytest.mark.parametrize("since", ["last tuesday", "2026-13-45", "2999-01-01", "7 parsecs"])
def test_new_since_a_bad_value_is_422_saying_why(client: TestClient, since: str) -> None:
    """A since that is neither a date nor a duration, or in the future: 422 naming it."""
    response = client.get("/api/new", params={"since": since})
    assert response.status_code == 422
    assert "since" in response.text


def test_dashboard_shows_what_is_new_since_last_week(
    client: TestClient, aged: dict[str, str]
) -> None:
    """The dashboard's panel names the new album and the new credit's producer, not the
    month-old album."""
    page = client.get("/dashboard")
    assert page.status_code == 200
    html = page.text
    panel = html[html.index('id="new-since"') :]
    panel = panel[: panel.index("</section>")]
    assert "New since last week" in html
    assert aged["album"] in panel
    assert aged["producer"] in panel
    assert "Golden Hour" not in panel
    assert "1 album(s) and 1 credit(s)" in panel
