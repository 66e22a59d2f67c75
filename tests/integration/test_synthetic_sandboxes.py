"""Every sandbox serves a generated catalogue (`SandboxEnvironment(catalogue_artists=3)`) over
real HTTP, through the project's clients, and `seed_catalogue` seeds it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from producer_discovery.clients.discogs import DiscogsClient
from producer_discovery.clients.genius import GeniusClient
from producer_discovery.clients.musicbrainz import MusicBrainzClient
from producer_discovery.clients.spotify import SpotifyClient
from producer_discovery.sandbox.catalogue_seed import seed_catalogue
from producer_discovery.sandbox.environment import SandboxEnvironment
from tests.support.sandboxes import Sandboxes
from tests.support.settings import sandbox_settings

pytestmark = pytest.mark.sandboxes(
    catalogue_artists=3, musicbrainz_requests_per_second=50, discogs_requests_per_minute=100_000
)


@pytest.fixture
def clients(sandboxes: Sandboxes) -> Iterator[dict[str, Any]]:
    settings = sandbox_settings(sandboxes, fast=True, instagram=False)
    built: dict[str, Any] = {
        "spotify": SpotifyClient.from_settings(settings),
        "genius": GeniusClient.from_settings(settings),
        "musicbrainz": MusicBrainzClient.from_settings(settings),
        "discogs": DiscogsClient.from_settings(settings),
    }
    yield built
    for client in built.values():
        client.close()


def generated(sandboxes: Sandboxes) -> tuple[dict[str, Any], dict[str, Any]]:
    assert sandboxes.catalogue is not None
    return sandboxes.catalogue.spotify, sandboxes.catalogue.credits


def test_spotify_serves_the_generated_tracks_with_their_isrc(
    sandboxes: Sandboxes, clients: dict[str, Any]
) -> None:
    """GET /tracks/{id} answers every kind of generated track with its album and ISRC."""
    spotify, _ = generated(sandboxes)
    for album in spotify["albums"][:4]:
        track = album["tracks"][-1]
        served = clients["spotify"].get_track(track["id"])
        assert (served.name, served.isrc, served.album.id) == (
            track["name"],
            track["isrc"],
            album["id"],
        )


def test_musicbrainz_finds_recordings_by_isrc_and_releases_by_their_stored_barcode(
    sandboxes: Sandboxes, clients: dict[str, Any]
) -> None:
    """An ISRC MusicBrainz knows gives its recording with the producers; an unknown one gives
    nothing; a release is found by the barcode MusicBrainz stores (padded or not)."""
    _, credits = generated(sandboxes)
    songs = credits["_expected"]["songs"]
    known = next(
        song
        for song in songs
        if song["musicbrainz_coverage"] == "release" and song["sources"]["musicbrainz"]
    )
    recordings = clients["musicbrainz"].recordings_by_isrc(known["isrc"])
    assert len(recordings) == 1
    recording = clients["musicbrainz"].recording(recordings[0]["id"])
    producer_ids = {
        relation["artist"]["id"]
        for relation in recording["relations"]
        if relation["type"] == "producer"
    }
    expected_ids = {
        credits["_expected"]["producers"][key]["musicbrainz_id"]
        for key in known["sources"]["musicbrainz"]
    }
    assert expected_ids <= producer_ids
    unknown = [song for song in songs if song["musicbrainz_coverage"] in ("unknown-isrc", "absent")]
    assert unknown
    assert clients["musicbrainz"].recordings_by_isrc(unknown[0]["isrc"]) == []
    release = next(r for r in credits["musicbrainz"]["releases"] if r["barcode"])
    found = clients["musicbrainz"].releases_by_barcodes([release["barcode"]])
    assert release["id"] in {each["id"] for each in found}


def test_genius_and_discogs_serve_the_generated_credits(
    sandboxes: Sandboxes, clients: dict[str, Any]
) -> None:
    """A Genius song page names its producers; a Discogs release has its ranged credits and is
    found by artist and title."""
    _, credits = generated(sandboxes)
    page = credits["genius"]["songs"][0]
    song = clients["genius"].song(page["id"])
    assert song["title"] == page["title"]
    assert [artist["id"] for artist in song["producer_artists"]] == page["producer_artists"]
    release = credits["discogs"]["releases"][0]
    served = clients["discogs"].release(release["id"])
    assert served["title"] == release["title"]
    assert len(served["extraartists"]) == len(release["extraartists"])
    artist = next(
        a for a in credits["discogs"]["artists"] if a["id"] == release["artists"][0]["id"]
    )
    found = clients["discogs"].search_releases(artist["name"], release["title"])
    assert release["id"] in {each["id"] for each in found}


def test_seed_catalogue_seeds_every_song_of_the_generated_artists(
    sandboxes: Sandboxes, database_url: str
) -> None:
    """One producer_identification message per distinct song of the generated catalogue."""
    assert sandboxes.catalogue is not None
    with psycopg.connect(database_url, autocommit=True) as conn:
        messages = seed_catalogue(
            conn, sandboxes.catalogue.artist_names, catalogue_path=sandboxes.spotify_catalogue
        )
    assert len(messages) == len(sandboxes.expected["songs"])


def test_a_stopped_environment_removes_its_generated_files() -> None:
    """The temporary directory of the generated catalogue goes with the sandboxes."""
    environment = SandboxEnvironment(catalogue_artists=3, catalogue_seed=5)
    with environment:
        assert environment.spotify_catalogue.exists()
    assert not environment.spotify_catalogue.exists()
