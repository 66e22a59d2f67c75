"""A song's credits on every edition: the web API and the artist page show the producers of a
song on its remaster and its live take too (marked as the song's credits), never "producer
unknown" for an edition of a song whose producers are known."""

from __future__ import annotations

import re
from typing import Any

import psycopg
from fastapi.testclient import TestClient

from producer_discovery.db import sample_catalogue
from producer_discovery.db.catalogue import process_track_batch
from producer_discovery.editions import edition_qualifier
from producer_discovery.text import normalize_title


def add_album(
    conn: psycopg.Connection[Any], artist_id: str, name: str, date: str, titles: list[str]
) -> None:
    """A later album of the artist, whose tracks are editions of stored songs (no credits)."""
    album_id = sample_catalogue.seed_album(
        conn, artist_id, name, f"album-{name}", len(titles), date
    )
    rows = [
        {
            "spotify_id": f"track-{name}-{title}",
            "name": title,
            "normalized_name": normalize_title(title),
            "edition_qualifier": edition_qualifier(title, name),
            "metadata": {"track_number": number, "disc_number": 1},
        }
        for number, title in enumerate(titles, start=1)
    ]
    result = process_track_batch(conn, rows, album_id, artist_id)
    assert "error" not in result, result
    assert not any(song["representative_changed"] for song in result["results"])


def tracks_by_album(answer: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (album["name"], track["name"]): track
        for album in answer["albums"]
        for track in album["tracks"]
    }


def test_every_edition_of_a_song_carries_its_credits_marked_as_the_songs(
    client: TestClient, catalogue: dict[str, str], db: psycopg.Connection
) -> None:
    """GET /api/artists/{id}: the remaster and the live take of "Sunrise" list its producers
    with credited_via "song" and the edition they were identified on; the original says
    "track"; the producer counts stay per song."""
    artist = catalogue["Beyoncé Lumière"]
    add_album(db, artist, "Golden Hour (Remastered)", "2025-01-10", ["Sunrise - 2025 Remaster"])
    add_album(db, artist, "Live at Harbor Hall", "2025-06-01", ["Sunrise", "Midnight (feat. Ray)"])
    answer = client.get(f"/api/artists/{artist}").json()
    tracks = tracks_by_album(answer)
    original = tracks[("Golden Hour", "Sunrise")]
    assert original["credited_via"] == "track"
    assert [p["name"] for p in original["producers"]] == ["Mara Quill", "DJ O'Neil"]
    for edition in (
        ("Golden Hour (Remastered)", "Sunrise - 2025 Remaster"),
        ("Live at Harbor Hall", "Sunrise"),
    ):
        assert tracks[edition]["producers"] == original["producers"], edition
        assert tracks[edition]["credited_via"] == "song"
        assert tracks[edition]["identified_on"] == original["id"]
    assert [
        p["name"] for p in tracks[("Live at Harbor Hall", "Midnight (feat. Ray)")]["producers"]
    ] == ["Mara Quill"]
    assert {p["name"]: p["tracks"] for p in answer["producers"]} == {
        "Mara Quill": 2,
        "DJ O'Neil": 1,
    }


def test_the_artist_page_names_the_producers_of_every_edition(
    client: TestClient, catalogue: dict[str, str], db: psycopg.Connection
) -> None:
    """The artist page says "producer unknown" for no edition of a credited song, and marks an
    edition's producers as the song's."""
    artist = catalogue["Nova Reyes"]
    add_album(db, artist, "Live at Harbor Hall", "2024-08-01", ["Low Tide (Live at Harbor Hall)"])
    page = client.get(f"/artists/{artist}").text
    live = page[page.index("Low Tide (Live") :]
    item = live[: live.index("</li>")]
    assert "Théo Marchand" in item
    assert "producer unknown" not in item
    assert "credits of the song" in item
    original = re.search(r"Low Tide</span>.*?</li>", page, re.DOTALL)
    assert original is not None
    assert "credits of the song" not in original.group(0)
    assert "producer unknown" not in page
