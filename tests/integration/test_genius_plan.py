"""Genius identification planned by artist (identification/genius_plan.py), shared through
`identification_plans` under the source "genius": one listing of the artist's songs for many
songs, one /songs per Genius song whatever the edition, a search only for what the listing
lacks. Real PostgreSQL, the Genius sandbox over HTTP."""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import Any

import httpx
import psycopg
import pytest
from producer_discovery.workers.producer_identification import QUEUE, build
from psycopg_pool import ConnectionPool

from producer_discovery.clients.genius import GeniusClient
from producer_discovery.db.identification_plans import IdentificationPlans
from producer_discovery.db.response_cache import PostgresResponseCache
from producer_discovery.identification.genius import genius_hit_matches
from producer_discovery.identification.genius_plan import GeniusPlanner
from producer_discovery.identification.identify import load_track
from producer_discovery.identification.track import TrackToIdentify
from producer_discovery.sandbox.catalogue_seed import seed_catalogue
from tests.support.database import rows
from tests.support.sandboxes import GENIUS_TOKEN, Sandboxes
from tests.support.settings import sandbox_settings
from tests.support.stages import drain_stage

pytestmark = pytest.mark.sandboxes(
    musicbrainz_requests_per_second=50, discogs_requests_per_minute=100_000
)

NOVA_REYES_ALBUMS = (
    "Neon Cathedral",
    "Neon Cathedral (Deluxe Edition)",
    "Neon Cathedral (2019 Remaster)",
    "Midnight Transit",
)


def seed(url: str, *albums: str) -> list[dict[str, str]]:
    with psycopg.connect(url, autocommit=True) as conn:
        return seed_catalogue(conn, album_names=albums)


def genius_plan(url: str) -> list[dict[str, Any]]:
    return rows(
        url,
        "SELECT subject, subject_key, decision FROM identification_plans WHERE source = 'genius'",
    )


def song_pages(sandboxes: Sandboxes) -> Counter[str]:
    return Counter(
        {
            path: count
            for path, count in sandboxes.genius.paths.items()
            if path.startswith("/songs/")
        }
    )


@pytest.mark.slow
def test_one_listing_identifies_every_song_of_an_artist_and_each_song_page_is_read_once(
    database_url: str, sandboxes: Sandboxes
) -> None:
    """An artist's songs across four albums (two of them editions of a third) cost one
    artist search, one listing page and one /songs per Genius song, however many editions
    carry it: no search per track."""
    messages = seed(database_url, *NOVA_REYES_ALBUMS)
    settings = sandbox_settings(sandboxes, database_url, fast=True)
    sandboxes.reset()
    drain_stage(settings, QUEUE, build, messages=messages)
    requests = sandboxes.genius.requests
    assert requests["artist-songs"] == 1
    assert requests["search"] == 1  # the artist; the songs Genius lacks are not searched
    assert song_pages(sandboxes)
    assert max(song_pages(sandboxes).values()) == 1
    assert requests["songs"] == len(song_pages(sandboxes))
    assert requests["search"] + requests["artist-songs"] + requests["songs"] < len(messages)
    plan = genius_plan(database_url)
    artist = [entry for entry in plan if entry["subject"] == "artist"]
    assert len(artist) == 1
    assert artist[0]["decision"]["id"]
    listed = [entry for entry in plan if (entry["decision"] or {}).get("via") == "listing"]
    assert len(listed) >= len(messages) - 3  # not on Genius: "Heartbeat City Limits",
    # "Transit Reprise", "Saints Of The Night Bus"
    credited = rows(
        database_url,
        """
        SELECT t.name FROM track_producers tp JOIN tracks t ON t.id = tp.track_id
        JOIN producers p ON p.id = tp.producer_id
        WHERE tp.source LIKE '%%genius%%' AND t.name = 'Neon Cathedral'""",
    )
    assert credited


def planner_for(pool: ConnectionPool, sandboxes: Sandboxes, url: str) -> GeniusPlanner:
    settings = sandbox_settings(sandboxes, url, fast=True)
    client = GeniusClient.from_settings(settings, cache=PostgresResponseCache(pool))
    return GeniusPlanner(client, IdentificationPlans(pool, "genius"), genius_hit_matches)


def first_track(pool: ConnectionPool, messages: list[dict[str, str]]) -> TrackToIdentify:
    track = load_track(pool, messages[0]["trackId"], messages[0]["artistId"])
    assert track is not None
    return track


def test_a_song_the_listing_lacks_is_found_by_its_own_search(
    database_url: str, sandboxes: Sandboxes
) -> None:
    """A feature on someone else's song (not in the artist's listing) is searched for, and
    its verified hit is the song; the artist's listed songs still cost no search."""
    messages = seed(database_url, "Neon Cathedral")
    with ConnectionPool(database_url, kwargs={"autocommit": True}, min_size=1, max_size=4) as pool:
        planner = planner_for(pool, sandboxes, database_url)
        stored = first_track(pool, messages)
        feature = dataclasses.replace(
            stored,
            track_id="00000000-0000-0000-0000-000000000001",
            title="Postcards",
            artist_names=("Marlow Quinn", "Nova Reyes"),
        )
        sandboxes.reset()
        assert planner.song_id(feature) == 8800907  # Marlow Quinn's "Postcards"
        assert planner.song_id(stored) == 8800101  # from the plan: no request
        planner.client.close()
    assert dict(sandboxes.genius.requests) == {"search": 2, "artist-songs": 1}


def test_an_artist_genius_does_not_know_by_name_is_searched_song_by_song(
    database_url: str, sandboxes: Sandboxes
) -> None:
    """When no hit names the artist, nothing is listed and each song is found by its own
    search, verified against the track's credited artist."""
    messages = seed(database_url, "Neon Cathedral")
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("UPDATE artists SET name = 'Nova Reyes Official'")
    with ConnectionPool(database_url, kwargs={"autocommit": True}, min_size=1, max_size=4) as pool:
        planner = planner_for(pool, sandboxes, database_url)
        track = first_track(pool, messages)
        sandboxes.reset()
        assert planner.song_id(track) == 8800101
        planner.client.close()
    assert sandboxes.genius.requests["artist-songs"] == 0
    assert sandboxes.genius.requests["search"] == 2  # the artist's name, then the song
    artist = [entry for entry in genius_plan(database_url) if entry["subject"] == "artist"]
    assert artist[0]["decision"]["id"] is None


def test_the_sandbox_lists_an_artists_songs_a_page_at_a_time(sandboxes: Sandboxes) -> None:
    """/artists/{id}/songs pages by per_page (at most 50) until next_page is null, sorted by
    title or popularity, with the songs the artist is featured on."""
    headers = {"Authorization": f"Bearer {GENIUS_TOKEN}"}
    base = f"{sandboxes.genius.url}/artists"
    juno = next(
        artist_id
        for artist_id, artist in sandboxes.genius.artists.items()
        if artist["name"] == "Juno Vale"
    )
    titles: list[str] = []
    page: int | None = 1
    while page:
        answer = httpx.get(
            f"{base}/{juno}/songs",
            params={"per_page": 3, "page": page, "sort": "title"},
            headers=headers,
        ).json()["response"]
        assert len(answer["songs"]) <= 3
        titles.extend(song["title"] for song in answer["songs"])
        page = answer["next_page"]
    assert titles == sorted(titles, key=str.casefold)
    assert {"Low Light", "Satellite Heart", "Gold Tooth Psalm"} <= set(titles)  # featured too
    everything = httpx.get(
        f"{base}/{juno}/songs", params={"per_page": 500, "sort": "popularity"}, headers=headers
    ).json()["response"]
    assert len(everything["songs"]) == min(50, len(titles))
    views = [song["stats"]["pageviews"] for song in everything["songs"]]
    assert views == sorted(views, reverse=True)
    assert set(everything["songs"][0]) >= {"id", "title", "title_with_featured", "full_title"}
    assert everything["songs"][0]["primary_artist"]["name"]
