"""Watched artists: refresh_watched_artists() (the pg_cron job artist-refresh) walks a watched
artist's newest albums again, spread over the refresh interval, and only what is new goes on;
get_new_since() says what arrived. Stages in-process against the Spotify sandbox over real
HTTP and a real PostgreSQL."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import psycopg
import pytest
from producer_discovery.workers import (
    album_discovery,
    artist_discovery,
    producer_identification,
    track_discovery,
)
from psycopg.types.json import Jsonb

from producer_discovery.db.migrate import migrate
from producer_discovery.sandbox.catalogue import CatalogueAlbum, CatalogueTrack
from producer_discovery.sources import registered_sources
from tests.support.database import rows
from tests.support.sandboxes import Sandboxes
from tests.support.settings import FAST, sandbox_settings
from tests.support.stages import drain_stage

NOVA_REYES = "7KsaMWw0j7JGQabU6nnRQN"
NEW_ALBUM = "0WatchNewA1bumXXXXXXXX"
NEW_TRACK = "0WatchNewTrackXXXXXXXX"
NEW_SONG = "Night Drive (Prod. by Ada Watchman)"
STAGES = {
    "artist_discovery": artist_discovery,
    "album_discovery": album_discovery,
    "track_discovery": track_discovery,
    "producer_identification": producer_identification,
}
SETTINGS: dict[str, Any] = FAST | {"spotify_requests_per_second": 100, "worker_concurrency": 2}

pytestmark = pytest.mark.sandboxes(
    musicbrainz_requests_per_second=50, discogs_requests_per_minute=100_000
)


# Harness ------------------------------------------------------------------------------------
def drain(url: str, sandboxes: Sandboxes, *stages: str) -> None:
    settings = sandbox_settings(sandboxes, url, **SETTINGS)
    for stage in stages:
        drain_stage(settings, STAGES[stage].QUEUE, STAGES[stage].build)


def discover_nova_reyes(url: str) -> None:
    rows(url, "SELECT pgmq.send('artist_discovery', %s)", (Jsonb({"spotifyId": NOVA_REYES}),))


def refresh(url: str, limit: int | None = None) -> list[dict[str, Any]]:
    return rows(url, "SELECT * FROM refresh_watched_artists(%s)", (limit,))


def refresh_messages(url: str) -> list[dict[str, Any]]:
    return [
        row["message"]
        for row in rows(url, "SELECT message FROM pgmq.q_album_discovery ORDER BY msg_id")
        if "refresh" in row["message"]
    ]


def add_artist(url: str, name: str, discovered_days_ago: float) -> str:
    """A stored artist (as artist discovery leaves it), discovered that many days ago."""
    found = rows(
        url,
        "INSERT INTO artists (name, spotify_id, created_at) "
        "VALUES (%s, %s, now() - make_interval(secs => %s)) RETURNING id",
        (name, uuid.uuid4().hex[:22], discovered_days_ago * 86400),
    )
    return str(found[0]["id"])


def new_album(release_date: str = "2026-11-20") -> CatalogueAlbum:
    track = CatalogueTrack(
        id=NEW_TRACK,
        name=NEW_SONG,
        album_id=NEW_ALBUM,
        artist_ids=(NOVA_REYES,),
        disc_number=1,
        track_number=1,
        duration_ms=201000,
        explicit=False,
        isrc="QZWTC2600001",
        popularity=10,
    )
    return CatalogueAlbum(
        id=NEW_ALBUM,
        name="Night Drive",
        album_type="album",
        artist_ids=(NOVA_REYES,),
        release_date=release_date,
        release_date_precision="day",
        label="Watch Records",
        upc="000000260001",
        popularity=10,
        copyright="(P) 2026",
        images=(),
        tracks=(track,),
    )


@pytest.fixture
def released(sandboxes: Sandboxes) -> Iterator[Any]:
    """Adds albums to the Spotify sandbox's catalogue; they are gone after the test."""
    catalogue = sandboxes.spotify.catalogue
    added: list[CatalogueAlbum] = []

    def release(album: CatalogueAlbum) -> None:
        catalogue.albums[album.id] = album
        catalogue.tracks.update({track.id: track for track in album.tracks})
        added.append(album)

    yield release
    for album in added:
        catalogue.albums.pop(album.id, None)
        for track in album.tracks:
            catalogue.tracks.pop(track.id, None)


def artist_albums_offsets(sandboxes: Sandboxes) -> list[tuple[str, str]]:
    """(include_groups, offset) of every artist-albums request since the counters' reset."""
    found = []
    for key, count in sandboxes.spotify.queries.items():
        split = urlsplit(key)
        if split.path.endswith("/albums") and "/artists/" in split.path:
            query = {name: values[-1] for name, values in parse_qs(split.query).items()}
            found += [(query["include_groups"], query.get("offset", "0"))] * count
    return sorted(found)


# The refresh walks only what is new -----------------------------------------------------------
@pytest.mark.slow
def test_a_watched_artists_new_album_arrives_with_its_producers_and_nothing_known_is_fetched(
    database_url: str, sandboxes: Sandboxes, released: Any
) -> None:
    """After the scheduled refresh, a new album of a watched artist is stored, its song
    identified with its producer; the known albums are never fetched again and only the
    newest artist-albums page of each group is read. A second refresh with nothing new costs
    one request per group and sends nothing on."""
    discover_nova_reyes(database_url)
    drain(database_url, sandboxes, "artist_discovery", "album_discovery", "track_discovery")
    rows(database_url, "SELECT pgmq.purge_queue('producer_identification')")  # old songs: not here
    known = {row["spotify_id"] for row in rows(database_url, "SELECT spotify_id FROM albums")}
    assert len(known) >= 5
    assert refresh(database_url) == []  # discovered just now: not due

    rows(database_url, "UPDATE artists SET created_at = now() - interval '8 days'")
    released(new_album())
    sandboxes.spotify.reset_counts()
    queued = refresh(database_url)
    assert [row["name"] for row in queued] == ["Nova Reyes"]
    drain(
        database_url,
        sandboxes,
        "album_discovery",
        "track_discovery",
        "producer_identification",
    )

    assert artist_albums_offsets(sandboxes) == [("album", "0"), ("single", "0")]
    fetched = {path.rsplit("/", 1)[1] for path in sandboxes.spotify.paths if "/v1/albums/" in path}
    assert fetched == {NEW_ALBUM}
    assert not fetched & known
    credits = rows(
        database_url,
        """SELECT t.name AS track, p.name AS producer, tp.source FROM track_producers tp
           JOIN tracks t ON t.id = tp.track_id JOIN producers p ON p.id = tp.producer_id""",
    )
    assert credits == [{"track": NEW_SONG, "producer": "Ada Watchman", "source": "title"}]
    identified = rows(
        database_url, "SELECT count(*) AS n FROM processing_status WHERE entity_type = 'track'"
    )
    assert identified[0]["n"] == 1  # only the new song went to producer identification

    # A week later: nothing new. The reopened refresh runs (no duplicate), reads one page per
    # group, and sends no album on.
    rows(database_url, "UPDATE artists SET refreshed_at = now() - interval '8 days'")
    sandboxes.spotify.reset_counts()
    assert len(refresh(database_url)) == 1
    drain(database_url, sandboxes, "album_discovery")
    assert artist_albums_offsets(sandboxes) == [("album", "0"), ("single", "0")]
    assert rows(database_url, "SELECT count(*) AS n FROM pgmq.q_track_discovery")[0]["n"] == 0
    state = rows(
        database_url,
        "SELECT state, metadata FROM processing_status WHERE entity_type = 'artist_refresh'",
    )
    assert state[0]["state"] == "COMPLETED"
    assert state[0]["metadata"]["pages"] == 2


@pytest.mark.slow
def test_a_burst_of_new_releases_is_read_page_by_page_until_a_known_album(
    database_url: str, sandboxes: Sandboxes, released: Any
) -> None:
    """Eleven new albums fill the newest page of the album group: the refresh reads the next
    page too (where a known album appears) and stops there, before the third page of older
    albums; all eleven go on."""
    for day in range(1, 11):  # an older back catalogue: the album group is three pages long
        released(
            dataclasses.replace(
                new_album(f"2000-01-{day:02d}"), id=f"0WatchOld{day:02d}XXXXXXXXXXX", tracks=()
            )
        )
    discover_nova_reyes(database_url)
    drain(database_url, sandboxes, "artist_discovery", "album_discovery")
    rows(database_url, "SELECT pgmq.purge_queue('track_discovery')")
    rows(database_url, "UPDATE artists SET created_at = now() - interval '8 days'")
    burst = [
        dataclasses.replace(
            new_album(f"2026-10-{day:02d}"), id=f"0WatchBurst{day:02d}XXXXXXXXX", tracks=()
        )
        for day in range(1, 12)
    ]
    for album in burst:
        released(album)
    sandboxes.spotify.reset_counts()
    assert len(refresh(database_url)) == 1
    drain(database_url, sandboxes, "album_discovery")
    assert artist_albums_offsets(sandboxes) == [("album", "0"), ("album", "10"), ("single", "0")]
    sent = rows(database_url, "SELECT message ->> 'spotifyId' AS id FROM pgmq.q_track_discovery")
    assert {row["id"] for row in sent} == {album.id for album in burst}


# Which artists a run queues ---------------------------------------------------------------------
def test_unwatched_artists_are_not_refreshed_and_a_second_run_queues_nothing(
    database_url: str,
) -> None:
    """A run queues one refresh per due watched artist, none for an unwatched one; running it
    again at once (or while the refresh waits in the queue) queues nothing twice."""
    watched = add_artist(database_url, "Kept Artist", 30)
    unwatched = add_artist(database_url, "Dropped Artist", 30)
    assert (
        rows(database_url, "SELECT * FROM unwatch_artist('dropped artist')")[0]["watched"] is False
    )
    first = refresh(database_url, 100)
    assert [str(row["artist_id"]) for row in first] == [watched]
    assert refresh(database_url, 100) == []
    rows(database_url, "UPDATE artists SET refreshed_at = now() - interval '30 days'")
    assert refresh(database_url, 100) == []  # its refresh still waits in the queue
    messages = refresh_messages(database_url)
    assert [message["artistId"] for message in messages] == [watched]
    assert unwatched not in {message["artistId"] for message in messages}


def test_a_run_queues_only_its_share_of_the_due_artists_oldest_first(database_url: str) -> None:
    """With 336 watched artists and a 7-day interval, an hourly run queues 2 (336 / 168), the
    two walked longest ago; artists walked within the interval are never due."""
    oldest = [add_artist(database_url, f"Oldest {n}", 40 + n) for n in range(2)]
    for n in range(330):
        add_artist(database_url, f"Due {n}", 8 + n / 1000)
    for n in range(4):
        add_artist(database_url, f"Recent {n}", 1)
    first = refresh(database_url)
    assert sorted(str(row["artist_id"]) for row in first) == sorted(oldest)
    second = refresh(database_url)
    assert len(second) == 2
    assert not {row["name"] for row in second} & {"Recent 0", "Oldest 0", "Oldest 1"}
    # A shorter interval: a larger share per run.
    rows(database_url, "UPDATE settings SET value = '1 day' WHERE key = 'artist_refresh_interval'")
    assert len(refresh(database_url)) == 14  # ceil(336 / 24)


def test_watch_and_unwatch_name_one_artist_by_id_or_name(database_url: str) -> None:
    """By id or by name (any case); unknown: no row; a name two artists share: refused."""
    artist = add_artist(database_url, "Solo Artist", 1)
    assert rows(database_url, "SELECT * FROM unwatch_artist(%s)", (artist,))[0]["watched"] is False
    assert rows(database_url, "SELECT * FROM watch_artist(' SOLO artist ')")[0]["watched"] is True
    assert rows(database_url, "SELECT * FROM watch_artist('Nobody At All')") == []
    add_artist(database_url, "Twin", 1)
    add_artist(database_url, "Twin", 1)
    with pytest.raises(psycopg.errors.InvalidParameterValue, match="2 artists are named Twin"):
        rows(database_url, "SELECT * FROM unwatch_artist('Twin')")


# What is new ----------------------------------------------------------------------------------
def test_new_since_lists_the_albums_and_credits_that_arrived_since_then(database_url: str) -> None:
    """Albums and credits created since the moment, newest first, with the credit's track,
    artist, producer and sources; older ones left out; the reader may call it."""
    artist = add_artist(database_url, "Fresh Artist", 30)
    old_album, new_album_id = (
        rows(
            database_url,
            "INSERT INTO albums (artist_id, name, spotify_id, created_at) "
            "VALUES (%s, %s, %s, now() - make_interval(days => %s)) RETURNING id",
            (artist, name, uuid.uuid4().hex[:22], days),
        )[0]["id"]
        for name, days in (("Old Album", 20), ("New Album", 1))
    )
    producer = rows(
        database_url,
        "INSERT INTO producers (name, normalized_name) VALUES ('Pat Fresh', 'pat fresh') RETURNING id",
    )[0]["id"]
    for album_id, track, days in ((old_album, "Old Song", 20), (new_album_id, "New Song", 1)):
        track_id = rows(
            database_url,
            "INSERT INTO tracks (album_id, name, spotify_id) VALUES (%s, %s, %s) RETURNING id",
            (album_id, track, uuid.uuid4().hex[:22]),
        )[0]["id"]
        rows(
            database_url,
            "INSERT INTO track_producers (track_id, producer_id, confidence, source, created_at) "
            "VALUES (%s, %s, 0.9, 'genius+musicbrainz', now() - make_interval(days => %s))",
            (track_id, producer, days),
        )
    since = datetime.now(UTC) - timedelta(days=7)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("SET ROLE discovery_reader")
        row = conn.execute("SELECT get_new_since(%s)", (since,)).fetchone()
    assert row is not None
    new = row[0]
    assert [album["name"] for album in new["albums"]] == ["New Album"]
    assert (new["album_count"], new["credit_count"]) == (1, 1)
    credit = new["credits"][0]
    assert (credit["track"], credit["artist"], credit["producer"], credit["sources"]) == (
        "New Song",
        "Fresh Artist",
        "Pat Fresh",
        ["genius", "musicbrainz"],
    )
    everything = rows(database_url, "SELECT get_new_since(now() - interval '30 days') AS n")
    assert everything[0]["n"]["album_count"] == 2
    with pytest.raises(psycopg.errors.InvalidParameterValue):
        rows(database_url, "SELECT get_new_since(NULL)")


def test_migrate_stores_the_refresh_interval_setting(database_url: str) -> None:
    """ARTIST_REFRESH_INTERVAL (migrate's --artist-refresh-interval) lands in settings."""
    from producer_discovery.db.watch import store_refresh_interval

    assert rows(database_url, "SELECT artist_refresh_interval() AS i")[0]["i"] == timedelta(days=7)
    store_refresh_interval(database_url, timedelta(hours=36))
    assert rows(database_url, "SELECT artist_refresh_interval() AS i")[0]["i"] == timedelta(
        hours=36
    )


def test_the_refresh_is_an_hourly_pg_cron_job_whose_command_runs(cron_database_url: str) -> None:
    """In cron.database_name, artist-refresh runs refresh_watched_artists() every hour; its
    command, run as pg_cron would, queues the due artist."""
    migrate(cron_database_url, sources=registered_sources())
    add_artist(cron_database_url, "Due Artist", 8)
    with psycopg.connect(cron_database_url, autocommit=True) as conn:
        job = conn.execute(
            "SELECT schedule, command FROM cron.job WHERE jobname = 'artist-refresh'"
        ).fetchone()
        assert job is not None
        assert job[0] == "40 * * * *"
        # pg_cron must not run it meanwhile (at :40): this test runs its command itself.
        conn.execute(
            "SELECT cron.alter_job(jobid, active => false) FROM cron.job "
            "WHERE jobname = 'artist-refresh'"
        )
        ran = conn.execute(job[1]).fetchone()
    assert ran == (1,)
    assert [m["spotifyId"] for m in refresh_messages(cron_database_url)]
