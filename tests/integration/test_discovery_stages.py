"""The three catalogue stages in-process (the generic Worker, drained) against the Spotify sandbox
over real HTTP and a fresh migrated database: artist → albums → tracks."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from producer_discovery.workers import album_discovery, artist_discovery, track_discovery
from producer_discovery.workers.track_discovery import raise_for_batch_error
from psycopg import sql
from psycopg.types.json import Jsonb

from producer_discovery.errors import ConfigurationError, PermanentError, TransientError
from producer_discovery.runtime.resources import Resources
from producer_discovery.sandbox.catalogue import DEFAULT_CATALOGUE
from producer_discovery.text import normalize_title
from tests.support.database import rows
from tests.support.sandboxes import Sandboxes
from tests.support.settings import FAST, sandbox_settings
from tests.support.stages import drain_stage

NOVA_REYES = "7KsaMWw0j7JGQabU6nnRQN"
VELVET_ARCADE = "1Xo3cvj1G6s2ZHLlV6xsyk"
NOVA_REYES_TRIBUTE = "3nG2mNmQBITbihc6YQXdsp"
ROOMS_AND_CORRIDORS = "5LwyB7SKBaHQR8YUuaJlOr"
NEON_NIGHTS_COMPILATION = "0qU33t1nzKVWoudDnKKuHP"
EVERY_GROUP = "album,single,appears_on,compilation"
STAGES = {
    "artist_discovery": artist_discovery,
    "album_discovery": album_discovery,
    "track_discovery": track_discovery,
}
CATALOGUE = json.loads(DEFAULT_CATALOGUE.read_text(encoding="utf-8"))


# Harness ------------------------------------------------------------------------------
SETTINGS: dict[str, Any] = FAST | {"spotify_requests_per_second": 100, "worker_concurrency": 2}


def drain(
    url: str, sandboxes: Sandboxes, stage: str, stop_after: int | None = None, **overrides: Any
) -> None:
    """Run one stage until its queue is empty (or until `stop_after` commits)."""
    settings = sandbox_settings(sandboxes, url, **(SETTINGS | overrides))
    drain_stage(settings, STAGES[stage].QUEUE, STAGES[stage].build, stop_after=stop_after)


def drain_pipeline(url: str, sandboxes: Sandboxes, **overrides: Any) -> None:
    for stage in STAGES:
        drain(url, sandboxes, stage, **overrides)


def send(url: str, queue: str, *messages: dict[str, Any]) -> None:
    rows(url, "SELECT pgmq.send_batch(%s, %s::jsonb[])", (queue, [Jsonb(m) for m in messages]))


def queued(url: str, queue: str) -> list[dict[str, Any]]:
    """The bodies waiting in `queue`, oldest first."""
    statement = sql.SQL("SELECT message FROM pgmq.{} ORDER BY msg_id").format(
        sql.Identifier(f"q_{queue}")
    )
    return [row["message"] for row in rows(url, statement)]


def kept_album_ids(artist: str) -> set[str]:
    """Spotify ids of the albums the catalogue's `_about` says to keep for `artist`."""
    listed = CATALOGUE["_about"]["expected"][artist]["albums_kept"]
    return {entry.rstrip(")").rsplit(", ", 1)[1] for entry in listed}


def catalogue_tracks(album_ids: set[str]) -> list[dict[str, Any]]:
    return [
        track
        for album in CATALOGUE["albums"]
        if album["id"] in album_ids
        for track in album["tracks"]
    ]


def store_artist(url: str, spotify_id: str, name: str) -> str:
    stored = rows(
        url,
        "INSERT INTO artists (name, spotify_id) VALUES (%s, %s) RETURNING id",
        (name, spotify_id),
    )
    return str(stored[0]["id"])


def store_album(url: str, artist_id: str, spotify_id: str) -> str:
    stored = rows(
        url,
        "INSERT INTO albums (artist_id, name, spotify_id) VALUES (%s, %s, %s) RETURNING id",
        (artist_id, spotify_id, spotify_id),
    )
    return str(stored[0]["id"])


# artist_discovery ---------------------------------------------------------------------
def test_missing_spotify_credentials_are_a_configuration_error(
    database_url: str, sandboxes: Sandboxes
) -> None:
    """Every stage refuses to build without SPOTIFY_CLIENT_ID/SECRET, naming them."""
    settings = sandbox_settings(
        sandboxes, database_url, **SETTINGS, spotify_client_id=None, spotify_client_secret=None
    )
    resources = Resources.build(settings, database_url, "artist_discovery")
    try:
        for module in STAGES.values():
            with pytest.raises(ConfigurationError, match="SPOTIFY_CLIENT_ID"):
                module.build(resources)
    finally:
        resources.close()


def test_name_without_a_matching_hit_completes_as_not_found(
    database_url: str, sandboxes: Sandboxes
) -> None:
    """Hits that only resemble the name are not taken: COMPLETED with outcome not_found."""
    send(database_url, "artist_discovery", {"artistName": "Nova Rey"})
    drain(database_url, sandboxes, "artist_discovery")
    status = rows(
        database_url,
        "SELECT state, metadata FROM processing_status "
        "WHERE entity_type = 'artist' AND entity_id = 'name:nova rey'",
    )[0]
    assert status["state"] == "COMPLETED"
    assert status["metadata"]["outcome"] == "not_found"
    assert "Nova Reyes" in status["metadata"]["candidates"]
    assert rows(database_url, "SELECT * FROM artists") == []
    assert queued(database_url, "album_discovery") == []
    assert rows(database_url, "SELECT * FROM dlq_messages") == []


def test_more_popular_decoy_hit_is_rejected(database_url: str, sandboxes: Sandboxes) -> None:
    """'Nova Reyes' is stored from the exact-name hit, not the more popular 'Nova Reyes Tribute'."""
    send(database_url, "artist_discovery", {"artistName": "  nova reyes "})
    drain(database_url, sandboxes, "artist_discovery")
    artists = rows(database_url, "SELECT id, name, spotify_id, image_url FROM artists")
    assert [(a["name"], a["spotify_id"]) for a in artists] == [("Nova Reyes", NOVA_REYES)]
    assert artists[0]["image_url"]
    assert queued(database_url, "album_discovery") == [
        {"artistId": str(artists[0]["id"]), "spotifyId": NOVA_REYES, "offset": 0}
    ]
    # the search hit is the full artist object: it is stored without GET /artists/{id}
    assert sandboxes.spotify.requests["search"] == 1
    assert sandboxes.spotify.requests["artist"] == 0


def test_popularity_and_followers_stay_null_in_development_mode(
    database_url: str, sandboxes: Sandboxes
) -> None:
    """Development mode sends no popularity, followers or genres: the columns stay NULL."""
    send(database_url, "artist_discovery", {"spotifyId": VELVET_ARCADE})
    drain(database_url, sandboxes, "artist_discovery")
    artist = rows(database_url, "SELECT name, popularity, followers, metadata FROM artists")[0]
    assert artist["name"] == "The Velvet Arcade"
    assert (artist["popularity"], artist["followers"]) == (None, None)
    assert "genres" not in artist["metadata"]


def test_known_popularity_is_not_overwritten_with_null(database_url: str) -> None:
    """Values stored under extended quota survive a later development-mode refresh."""
    with Sandboxes(spotify_extended_quota=True) as extended:
        send(database_url, "artist_discovery", {"artistName": "Nova Reyes"})
        drain(database_url, extended, "artist_discovery")
    with Sandboxes() as development:
        send(database_url, "artist_discovery", {"spotifyId": NOVA_REYES})
        drain(database_url, development, "artist_discovery")
        assert development.spotify.requests["artist"] == 1, "the refresh did run"
    artist = rows(database_url, "SELECT popularity, followers, metadata FROM artists")[0]
    assert artist["popularity"] == 47
    assert artist["followers"] > 0
    assert artist["metadata"]["genres"] == ["synthwave", "indie pop"]


def test_genre_message_queues_one_artist_discovery_per_hit(
    database_url: str, sandboxes: Sandboxes
) -> None:
    """A genre search fans out by Spotify id; unknown popularity passes minPopularity."""
    send(database_url, "artist_discovery", {"genre": "synthwave", "minPopularity": 90, "limit": 5})
    drain(database_url, sandboxes, "artist_discovery")
    fanned_out = rows(
        database_url,
        "SELECT message FROM pgmq.a_artist_discovery WHERE message ? 'spotifyId' ORDER BY msg_id",
    )
    assert sorted(row["message"]["spotifyId"] for row in fanned_out) == sorted(
        [NOVA_REYES, NOVA_REYES_TRIBUTE]
    )
    stored = rows(database_url, "SELECT name FROM artists ORDER BY name")
    assert [artist["name"] for artist in stored] == ["Nova Reyes", "Nova Reyes Tribute"]
    status = rows(
        database_url,
        "SELECT metadata FROM processing_status WHERE entity_id = 'genre:synthwave:90:5'",
    )[0]
    assert status["metadata"]["queued"] == 2
    assert all(row["message"]["artist"]["id"] == row["message"]["spotifyId"] for row in fanned_out)
    # each hit is stored from the artist object the search returned: no GET /artists/{id}
    assert sandboxes.spotify.requests["artist"] == 0


def test_genre_popularity_filter_applies_where_spotify_reports_popularity(
    database_url: str,
) -> None:
    """With extended quota, minPopularity drops the artists below it."""
    with Sandboxes(spotify_extended_quota=True) as extended:
        send(database_url, "artist_discovery", {"genre": "synthwave", "minPopularity": 50})
        drain(database_url, extended, "artist_discovery")
    stored = rows(database_url, "SELECT name, popularity FROM artists")
    assert [(a["name"], a["popularity"]) for a in stored] == [("Nova Reyes Tribute", 58)]


# album_discovery ----------------------------------------------------------------------
def test_album_pages_continue_by_offset_and_drop_other_artists_releases(
    database_url: str, sandboxes: Sandboxes
) -> None:
    """Pages of 10 are followed by offset; the Various Artists compilation is not kept."""
    artist_id = store_artist(database_url, NOVA_REYES, "Nova Reyes")
    send(database_url, "album_discovery", {"artistId": artist_id, "spotifyId": NOVA_REYES})
    drain(database_url, sandboxes, "album_discovery", album_include_groups=EVERY_GROUP)
    albums = rows(database_url, "SELECT spotify_id FROM albums")
    assert {album["spotify_id"] for album in albums} == kept_album_ids("Nova Reyes")
    assert NEON_NIGHTS_COMPILATION not in {album["spotify_id"] for album in albums}
    pages = rows(
        database_url,
        "SELECT entity_id, state FROM processing_status "
        "WHERE entity_type = 'artist_albums' ORDER BY entity_id",
    )
    assert pages == [
        {"entity_id": f"{artist_id}@0", "state": "COMPLETED"},
        {"entity_id": f"{artist_id}@10", "state": "COMPLETED"},
    ]
    assert sandboxes.spotify.requests["artist_albums"] == 2
    assert len(queued(database_url, "track_discovery")) == 11


def test_next_page_is_queued_in_the_same_commit_as_the_first(
    database_url: str, sandboxes: Sandboxes
) -> None:
    """A worker stopped after one page leaves exactly the next page queued: none lost or redone."""
    artist_id = store_artist(database_url, NOVA_REYES, "Nova Reyes")
    send(database_url, "album_discovery", {"artistId": artist_id, "spotifyId": NOVA_REYES})
    drain(
        database_url,
        sandboxes,
        "album_discovery",
        stop_after=1,
        worker_concurrency=1,
        album_include_groups=EVERY_GROUP,
    )
    assert queued(database_url, "album_discovery") == [
        {"artistId": artist_id, "spotifyId": NOVA_REYES, "offset": 10}
    ]
    first_page = len(queued(database_url, "track_discovery"))
    drain(database_url, sandboxes, "album_discovery", album_include_groups=EVERY_GROUP)
    assert sandboxes.spotify.requests["artist_albums"] == 2
    assert first_page + 1 == len(queued(database_url, "track_discovery")) == 11


def test_album_rows_keep_release_precision_and_cover(
    database_url: str, sandboxes: Sandboxes
) -> None:
    """YYYY and YYYY-MM dates are padded to a DATE; the precision and type stay in metadata."""
    artist_id = store_artist(database_url, NOVA_REYES, "Nova Reyes")
    send(database_url, "album_discovery", {"artistId": artist_id, "spotifyId": NOVA_REYES})
    drain(database_url, sandboxes, "album_discovery")
    by_id = {
        album["spotify_id"]: album
        for album in rows(
            database_url, "SELECT spotify_id, release_date, cover_url, metadata FROM albums"
        )
    }
    original, deluxe = by_id["1yumTof2mLXZ501gubPKQ2"], by_id["5tXktimwk8UOiGLq2aIh5g"]
    assert original["release_date"] == date(2011, 1, 1)
    assert original["metadata"]["release_date_precision"] == "year"
    assert deluxe["release_date"] == date(2012, 5, 1)
    assert deluxe["metadata"]["release_date_precision"] == "month"
    assert deluxe["metadata"]["album_type"] == "album"
    assert deluxe["cover_url"]


# track_discovery ----------------------------------------------------------------------
def test_57_track_album_is_read_beyond_the_first_50(
    database_url: str, sandboxes: Sandboxes
) -> None:
    """The embedded 50 tracks and the next page: all 57 stored, the UPC recorded."""
    artist_id = store_artist(database_url, VELVET_ARCADE, "The Velvet Arcade")
    album_id = store_album(database_url, artist_id, ROOMS_AND_CORRIDORS)
    send(
        database_url,
        "track_discovery",
        {"albumId": album_id, "spotifyId": ROOMS_AND_CORRIDORS, "artistId": artist_id},
    )
    drain(database_url, sandboxes, "track_discovery")
    tracks = rows(database_url, "SELECT spotify_id, metadata FROM tracks")
    assert len(tracks) == 57
    assert {track["metadata"]["disc_number"] for track in tracks} == {1, 2}
    assert sandboxes.spotify.requests["album"] == 1
    assert sandboxes.spotify.requests["album_tracks"] == 1
    album = rows(database_url, "SELECT metadata FROM albums")[0]
    assert album["metadata"]["upc"]


def test_only_tracks_the_artist_performs_on_are_kept(
    database_url: str, sandboxes: Sandboxes
) -> None:
    """On a various-artists compilation only the artist's own song is stored."""
    artist_id = store_artist(database_url, NOVA_REYES, "Nova Reyes")
    album_id = store_album(database_url, artist_id, NEON_NIGHTS_COMPILATION)
    send(
        database_url,
        "track_discovery",
        {"albumId": album_id, "spotifyId": NEON_NIGHTS_COMPILATION, "artistId": artist_id},
    )
    drain(database_url, sandboxes, "track_discovery")
    stored = rows(database_url, "SELECT name FROM tracks")
    assert [track["name"] for track in stored] == ["Lanterns"]


def test_editions_of_one_song_make_one_normalized_track_and_one_message(
    database_url: str, sandboxes: Sandboxes
) -> None:
    """Nova Reyes end to end: 51 tracks, one normalized_tracks row and one first message per
    song; a song whose best edition arrived later is sent again (a `refresh`), for the
    representative, which is every song's best edition: never a remaster, deluxe or live
    track while a plain studio one is stored."""
    expected = CATALOGUE["_about"]["expected"]["Nova Reyes"]
    send(database_url, "artist_discovery", {"artistName": "Nova Reyes"})
    drain_pipeline(database_url, sandboxes)
    tracks = rows(database_url, "SELECT spotify_id, metadata FROM tracks")
    wanted = catalogue_tracks(kept_album_ids("Nova Reyes"))
    assert sorted(t["spotify_id"] for t in tracks) == sorted(t["id"] for t in wanted)
    assert len(tracks) == expected["tracks_on_kept_albums"]
    songs = rows(
        database_url, "SELECT id, normalized_name, representative_track_id FROM normalized_tracks"
    )
    titles = {normalize_title(track["name"]) for track in wanted}
    assert {song["normalized_name"] for song in songs} == titles
    assert len(songs) == expected["distinct_normalized_songs"]
    messages = queued(database_url, "producer_identification")
    first = [m for m in messages if "refresh" not in m]
    assert sorted(m["normalizedTrackId"] for m in first) == sorted(str(s["id"]) for s in songs)
    last = {m["normalizedTrackId"]: m["trackId"] for m in messages}  # oldest first
    assert last == {str(s["id"]): str(s["representative_track_id"]) for s in songs}
    assert all(m["refresh"].startswith("representative:") for m in messages if m not in first)
    linked = rows(
        database_url,
        "SELECT nt.id, public.song_best_edition(nt.id) AS best, "
        "count(*) FILTER (WHERE t.edition_qualifier IS NULL) AS plain, "
        "(SELECT edition_qualifier FROM tracks WHERE id = nt.representative_track_id) AS kind "
        "FROM normalized_tracks nt JOIN tracks t ON t.normalized_track_id = nt.id GROUP BY nt.id",
    )
    assert len(linked) == len(songs), "every song's editions are linked to it"
    assert sum(1 for row in linked if row["plain"] and row["kind"] is not None) == 0
    assert {str(r["id"]): str(r["best"]) for r in linked} == {
        str(s["id"]): str(s["representative_track_id"]) for s in songs
    }
    assert all("isrc" not in track["metadata"] for track in tracks), "no ISRC in development mode"


def test_the_stages_share_one_token_and_one_quota_probe_across_restarts(
    database_url: str, sandboxes: Sandboxes
) -> None:
    """Three stages (three worker processes' resources) fetch one token and probe the extended
    quota once; a second run on the same database (a restart) asks for neither again."""
    send(database_url, "artist_discovery", {"artistName": "Nova Reyes"})
    drain_pipeline(database_url, sandboxes)
    spotify = sandboxes.spotify
    assert (spotify.requests["token"], spotify.requests["tracks_batch"]) == (1, 1)
    albums_before = spotify.requests["album"]
    send(database_url, "artist_discovery", {"artistName": "The Velvet Arcade"})
    drain_pipeline(database_url, sandboxes)
    assert spotify.requests["album"] > albums_before, "the second run did fetch albums"
    assert (spotify.requests["token"], spotify.requests["tracks_batch"]) == (1, 1)


def test_isrc_is_stored_with_extended_quota(database_url: str) -> None:
    """Where the batch endpoint is open, tracks carry their ISRC (one batch call, one probe)."""
    with Sandboxes(spotify_extended_quota=True) as extended:
        artist_id = store_artist(database_url, VELVET_ARCADE, "The Velvet Arcade")
        album_id = store_album(database_url, artist_id, ROOMS_AND_CORRIDORS)
        send(
            database_url,
            "track_discovery",
            {"albumId": album_id, "spotifyId": ROOMS_AND_CORRIDORS, "artistId": artist_id},
        )
        drain(database_url, extended, "track_discovery")
        assert extended.spotify.requests["tracks_batch"] == 1 + 2  # the probe, then 50 + 7
    tracks = rows(database_url, "SELECT metadata, popularity FROM tracks")
    assert len(tracks) == 57
    assert all(track["metadata"]["isrc"] for track in tracks)


def test_a_failed_track_batch_raises_by_kind() -> None:
    """process_track_batch's error answer becomes a retryable or a permanent error."""
    raise_for_batch_error({"processed": 2, "results": []})
    with pytest.raises(TransientError, match="40P01"):
        raise_for_batch_error({"error": "deadlock detected", "detail": "40P01"})
    with pytest.raises(PermanentError, match="23502"):
        raise_for_batch_error({"error": "null value in column", "detail": "23502"})
