"""MusicBrainz identification planned by artist, shared through `identification_plans`
(migration 0091): one search for many albums or songs, a plan extended as albums appear,
one plan however many workers ask at once. Real PostgreSQL, the sandbox over HTTP."""

from __future__ import annotations

import threading
from typing import Any

import psycopg
import pytest
from producer_discovery.workers.producer_identification import QUEUE, build
from psycopg_pool import ConnectionPool

from producer_discovery.clients.musicbrainz import MusicBrainzClient
from producer_discovery.db.identification_plans import IdentificationPlans, PlanEntry
from producer_discovery.db.response_cache import PostgresResponseCache
from producer_discovery.identification.identify import load_track
from producer_discovery.identification.musicbrainz_plan import MusicBrainzPlanner
from producer_discovery.identification.track import TrackToIdentify
from producer_discovery.sandbox.catalogue_seed import seed_catalogue
from tests.support.database import rows
from tests.support.sandboxes import Sandboxes
from tests.support.settings import sandbox_settings
from tests.support.stages import drain_stage

pytestmark = pytest.mark.sandboxes(
    musicbrainz_requests_per_second=50, discogs_requests_per_minute=100_000
)


def seed(url: str, *albums: str) -> list[dict[str, str]]:
    with psycopg.connect(url, autocommit=True) as conn:
        return seed_catalogue(conn, album_names=albums)


def album_plan(url: str) -> dict[str, dict[str, Any]]:
    """The MusicBrainz album entries by album name: decision and planned_at."""
    found = rows(
        url,
        """
        SELECT al.name, p.decision, p.planned_at FROM identification_plans p
        JOIN albums al ON al.id::TEXT = p.subject_key
        WHERE p.source = 'musicbrainz' AND p.subject = 'album'""",
    )
    return {row["name"]: row for row in found}


def test_singles_are_placed_by_the_artist_listing_and_only_the_rest_ask_spotify(
    database_url: str, sandboxes: Sandboxes
) -> None:
    """Singles cost no request each: their releases (or another release holding the same
    recording) come with the artist's browsed listing. Only a song nothing there places, on an
    album MusicBrainz has, asks Spotify for its ISRC, and those share one ISRC search (and one
    by title) per artist; one on an album MusicBrainz lacks is not asked for."""
    singles = ("Halogen Saints", "Afterglow", "Glass Coast", "Terminal Bloom", "Paper Moons")
    messages = seed(database_url, *singles)
    artists = {message["artistId"] for message in messages}
    settings = sandbox_settings(sandboxes, database_url, fast=True)
    sandboxes.reset()
    drain_stage(settings, QUEUE, build, messages=messages)
    requests = sandboxes.musicbrainz.requests
    assert requests["isrc"] == requests["recording"] == requests["release"] == 0
    assert requests["release-browse"] == len(artists)
    assert requests["recording-search"] <= 2 * len(artists)
    assert sum(requests.values()) < len(singles)
    songs = rows(
        database_url,
        """
        SELECT p.decision, al.name AS album FROM identification_plans p
        JOIN tracks t ON t.id::TEXT = p.subject_key JOIN albums al ON al.id = t.album_id
        WHERE p.source = 'musicbrainz' AND p.subject = 'song'""",
    )
    listed = [song for song in songs if song["decision"]["via"] == "listing"]
    assert listed
    assert all(song["decision"]["isrc"] is None for song in listed)
    on_musicbrainz = {
        name for name, row in album_plan(database_url).items() if row["decision"]["release"]
    }
    asked = [song for song in songs if song not in listed and song["album"] in on_musicbrainz]
    assert len(asked) < len(songs) - len(listed), "a song MusicBrainz lacks is among them"
    assert sandboxes.spotify.requests["track"] == len(asked)


def test_plan_is_extended_for_a_new_album_without_planning_the_old_ones_again(
    database_url: str, sandboxes: Sandboxes
) -> None:
    """An album that appears later is added to the artist's plan from the browsed listing of
    the artist's releases, in the response cache with every release's credits: no request;
    the albums already planned keep their entries."""
    settings = sandbox_settings(sandboxes, database_url, fast=True)
    drain_stage(settings, QUEUE, build, messages=seed(database_url, "Neon Cathedral"))
    before = album_plan(database_url)
    assert before["Neon Cathedral"]["decision"]["via"] == "barcode"
    assert rows(database_url, "SELECT decision FROM identification_plans WHERE subject = 'artist'")
    sandboxes.reset()
    drain_stage(settings, QUEUE, build, messages=seed(database_url, "Midnight Transit"))
    after = album_plan(database_url)
    assert after["Neon Cathedral"]["planned_at"] == before["Neon Cathedral"]["planned_at"]
    assert after["Midnight Transit"]["decision"]["release"]
    assert after["Midnight Transit"]["decision"]["via"] == "browse"
    assert dict(sandboxes.musicbrainz.requests) == {}  # listing and release: in the cache


def test_two_workers_asking_at_once_make_one_plan(database_url: str, sandboxes: Sandboxes) -> None:
    """Two processes' threads needing the same artist's plan at once: one plans (one barcode
    search for both albums), the other waits and reads it."""
    messages = seed(database_url, "Neon Cathedral", "Midnight Transit")
    settings = sandbox_settings(sandboxes, database_url, fast=True)
    with ConnectionPool(database_url, kwargs={"autocommit": True}, min_size=1, max_size=8) as pool:
        tracks: dict[str, TrackToIdentify] = {}
        for message in messages:
            track = load_track(pool, message["trackId"], message["artistId"])
            assert track is not None
            tracks.setdefault(track.album_title, track)
        planners = []
        for _ in range(2):  # one client, cache and plan store per "worker"
            client = MusicBrainzClient.from_settings(settings, cache=PostgresResponseCache(pool))
            planners.append(MusicBrainzPlanner(client, IdentificationPlans(pool, "musicbrainz")))
        sandboxes.reset()
        answers: dict[str, str | None] = {}
        start = threading.Barrier(2)

        def plan(planner: MusicBrainzPlanner, album: str) -> None:
            start.wait()
            answers[album] = planner.album_release(tracks[album]).get("release")

        threads = [
            threading.Thread(target=plan, args=(planner, album))
            for planner, album in zip(planners, ("Neon Cathedral", "Midnight Transit"), strict=True)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for planner in planners:
            planner.client.close()
    assert answers["Neon Cathedral"]
    assert answers["Midnight Transit"]
    assert dict(sandboxes.musicbrainz.requests) == {"release-search": 1, "release-browse": 1}


def test_plan_entries_are_written_only_through_the_function(database_url: str) -> None:
    """record_identification_plan refuses an unknown source and malformed entries."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        artist = conn.execute("INSERT INTO artists (name) VALUES ('A') RETURNING id").fetchone()
        assert artist is not None
        for source, entries in (
            ("lastfm", "[]"),
            ("musicbrainz", '[{"subject": "album"}]'),
            ("musicbrainz", '{"subject": "album"}'),
        ):
            with pytest.raises(psycopg.errors.InvalidParameterValue):
                conn.execute(
                    "SELECT record_identification_plan(%s, %s, %s::jsonb)",
                    (source, artist[0], entries),
                )
    with ConnectionPool(database_url, kwargs={"autocommit": True}, min_size=1, max_size=2) as pool:
        plans = IdentificationPlans(pool, "discogs")
        plans.record(str(artist[0]), [PlanEntry("album", "x", {"release": 1})])
        plans.record(str(artist[0]), [PlanEntry("album", "x", {"release": 2})])
        assert plans.read(str(artist[0]))["album"] == {"x": {"release": 2}}
        assert IdentificationPlans(pool, "musicbrainz").read(str(artist[0]))["album"] == {}
