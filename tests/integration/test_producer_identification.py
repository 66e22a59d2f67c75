"""The producer_identification stage in-process, against the credit sandboxes over real HTTP
and a real PostgreSQL: identity, roles, verification, re-runs, hand-off, skipped sources and
the API economy. (MusicBrainz runs fast here; its 1 request/s is kept in the e2e test.)"""

from __future__ import annotations

import json
import threading
import uuid
from collections import Counter
from datetime import timedelta
from typing import Any

import psycopg
import pytest
import structlog
from producer_discovery.workers.producer_identification import QUEUE, build
from psycopg import sql
from psycopg_pool import ConnectionPool

from producer_discovery.clients import discogs as discogs_client
from producer_discovery.clients.musicbrainz import MusicBrainzClient
from producer_discovery.db.response_cache import PostgresResponseCache
from producer_discovery.errors import Deferred
from producer_discovery.identification.credits import EXECUTIVE_PRODUCER
from producer_discovery.messages import ProducerIdentificationMessage
from producer_discovery.runtime.resources import Resources
from producer_discovery.runtime.stage import Delivery, Send
from producer_discovery.sandbox.catalogue_seed import SPOTIFY_CATALOGUE, seed_album, seed_catalogue
from producer_discovery.sandbox.credits_data import load_credits
from producer_discovery.settings import Settings
from producer_discovery.text import normalize_name
from tests.support.database import rows
from tests.support.sandboxes import Sandboxes
from tests.support.settings import sandbox_settings
from tests.support.stages import drain_stage

EXPECTED: dict[str, Any] = load_credits()["_expected"]
ISRC_OF_TRACK = {
    track["id"]: track["isrc"]
    for album in json.loads(SPOTIFY_CATALOGUE.read_text(encoding="utf-8"))["albums"]
    for track in album["tracks"]
}
SONG_OF_ISRC = {song["isrc"]: song for song in EXPECTED["songs"]}


pytestmark = pytest.mark.sandboxes(
    musicbrainz_requests_per_second=50, discogs_requests_per_minute=100_000
)


# Helpers -----------------------------------------------------------------------------------
def seed(url: str, *albums: str) -> list[dict[str, str]]:
    with psycopg.connect(url, autocommit=True) as conn:
        return seed_catalogue(conn, album_names=albums)


def rerun_directly(url: str, settings: Settings, messages: list[dict[str, str]]) -> list[Send]:
    """Handle and commit each message again, as a later refresh of the same tracks would."""
    resources = Resources.build(settings, url, QUEUE)
    sends: list[Send] = []
    try:
        stage = build(resources)
        for number, message in enumerate(messages):
            body = ProducerIdentificationMessage.model_validate(message)
            outcome = stage.handle(Delivery(number, 1, body, "rerun"))
            with resources.pool.connection() as conn, conn.transaction():
                sends.extend(outcome.write(conn))
    finally:
        resources.close()
    return sends


def producers_named(url: str, normalized_name: str) -> list[dict[str, Any]]:
    """The producers stored under a normalized name, each with its ids {source: [ids]}."""
    return rows(
        url,
        """
        SELECT p.id, p.name,
               COALESCE(jsonb_object_agg(s.source, s.source_id) FILTER (WHERE s.source IS NOT NULL),
                        '{}') AS ids
        FROM producers p LEFT JOIN producer_source_ids s ON s.producer_id = p.id
        WHERE p.normalized_name = %s GROUP BY p.id, p.name ORDER BY p.created_at""",
        (normalized_name,),
    )


def credits_on(url: str, track_name: str) -> dict[str, dict[str, Any]]:
    """The stored credits of one track by producer name: confidence, source, roles."""
    found = rows(
        url,
        """
        SELECT p.name, tp.confidence::FLOAT8 AS confidence, tp.source, tp.roles, p.id AS producer_id
        FROM track_producers tp JOIN tracks t ON t.id = tp.track_id
        JOIN producers p ON p.id = tp.producer_id WHERE t.name = %s""",
        (track_name,),
    )
    return {row["name"]: row for row in found}


def table_counts(url: str) -> dict[str, int]:
    tables = ("producers", "producer_source_ids", "track_producers", "track_producer_evidence")
    count = sql.SQL("SELECT count(*) AS n FROM {}")
    return {table: rows(url, count.format(sql.Identifier(table)))[0]["n"] for table in tables}


def expected_ids(key: str) -> dict[str, str]:
    producer = EXPECTED["producers"][key]
    ids = {
        "genius": producer["genius_artist_id"],
        "musicbrainz": producer["musicbrainz_id"],
        "discogs": producer["discogs_id"],
    }
    return {source: str(value) for source, value in ids.items() if value is not None}


def song_metadata(url: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(expected song, processing metadata) of every identified song."""
    found = rows(
        url,
        """
        SELECT t.spotify_id, s.metadata FROM processing_status s
        JOIN normalized_tracks nt ON nt.id::TEXT = s.entity_id
        JOIN tracks t ON t.id = nt.representative_track_id WHERE s.entity_type = 'track'""",
    )
    return [(SONG_OF_ISRC[ISRC_OF_TRACK[row["spotify_id"]]], row["metadata"]) for row in found]


# Identity ----------------------------------------------------------------------------------
def test_production_team_is_one_producer_known_by_every_source(
    database_url: str, sandboxes: Sandboxes
) -> None:
    """The team "Kelso & Marr" is one producer, known by its Genius id, MBID and Discogs id."""
    settings = sandbox_settings(sandboxes, database_url, fast=True)
    drain_stage(settings, QUEUE, build, messages=seed(database_url, "Neon Cathedral"))
    (team,) = producers_named(database_url, "kelso and marr")
    assert team["name"] == "Kelso & Marr"
    assert team["ids"] == expected_ids("kelso-and-marr")
    assert (
        rows(
            database_url,
            "SELECT count(*) AS n FROM producers WHERE name ILIKE 'kelso' OR name ILIKE 'marr'",
        )[0]["n"]
        == 0
    )
    credit = credits_on(database_url, "Neon Cathedral")["Kelso & Marr"]
    assert credit["source"] == "discogs+genius+musicbrainz"
    assert credit["roles"] == ["producer"]
    assert credit["confidence"] == pytest.approx(1 - (1 - 0.85) * (1 - 0.8) * (1 - 0.6))


def test_apostrophes_and_diacritics_name_one_person_across_sources(
    database_url: str, sandboxes: Sandboxes
) -> None:
    """Dev O'Neil/O’Neil and Chloë/Chloe Marsh are one producer each, whatever the source."""
    messages = seed(database_url, "Neon Cathedral", "Satellite Heart (Remixes)")
    settings = sandbox_settings(sandboxes, database_url, fast=True)
    drain_stage(settings, QUEUE, build, messages=messages)
    (dev,) = producers_named(database_url, "dev oneil")
    assert dev["ids"] == expected_ids("dev-oneil")
    (chloe,) = producers_named(database_url, "chloe marsh")
    assert chloe["name"] == "Chloë Marsh"
    assert chloe["ids"] == expected_ids("chloe-marsh")
    evidence = rows(
        database_url,
        """
        SELECT e.source FROM track_producer_evidence e JOIN tracks t ON t.id = e.track_id
        WHERE t.name = 'Halogen Saints' AND e.producer_id = %s ORDER BY 1""",
        (chloe["id"],),
    )
    assert [row["source"] for row in evidence] == ["discogs", "genius"]


@pytest.mark.slow
def test_discogs_suffix_is_stripped_and_namesakes_with_other_ids_stay_apart(
    database_url: str, sandboxes: Sandboxes
) -> None:
    """Discogs' "Sam Rivers (2)" is Sam Rivers; two "Alex Kim"s with other ids stay two people."""
    messages = seed(database_url, "Neon Cathedral", "Midnight Transit", "Rooms & Corridors")
    settings = sandbox_settings(sandboxes, database_url, fast=True)
    drain_stage(settings, QUEUE, build, messages=messages)
    (rivers,) = producers_named(database_url, "sam rivers")
    assert rivers["name"] == "Sam Rivers"
    assert rivers["ids"] == expected_ids("sam-rivers")
    namesakes = producers_named(database_url, "alex kim")
    assert sorted(p["ids"]["genius"] for p in namesakes) == ["2400105", "2400106"]
    by_genius = {p["ids"]["genius"]: p for p in namesakes}
    assert by_genius["2400105"]["ids"] == expected_ids("alex-kim-nova")
    assert by_genius["2400106"]["ids"] == expected_ids("alex-kim-arcade")
    assert (
        credits_on(database_url, "Ultraviolet Sermon")["Alex Kim"]["producer_id"]
        == by_genius["2400105"]["id"]
    )
    assert (
        credits_on(database_url, "Quiet Staircase")["Alex Kim"]["producer_id"]
        == by_genius["2400106"]["id"]
    )


@pytest.mark.slow
def test_writers_engineers_featured_artists_and_executives_are_never_producers(
    database_url: str, sandboxes: Sandboxes
) -> None:
    """Only production roles become producers; the others are named in the outcome only."""
    messages = seed(database_url, "Neon Cathedral", "Midnight Transit", "Static Bloom")
    settings = sandbox_settings(sandboxes, database_url, fast=True)
    drain_stage(settings, QUEUE, build, messages=messages)
    excluded = {normalize_name(person["name"]) for person in EXPECTED["non_producers"].values()}
    stored = {
        row["normalized_name"]
        for row in rows(database_url, "SELECT normalized_name FROM producers")
    }
    assert stored
    assert not stored & excluded
    roles = rows(database_url, "SELECT DISTINCT unnest(roles) AS role FROM track_producers")
    assert EXECUTIVE_PRODUCER not in {row["role"] for row in roles}
    noted = {
        name for _, metadata in song_metadata(database_url) for name in metadata["not_producers"]
    }
    assert "Dana Whitlock" in noted


def test_title_marker_credits_its_producers_with_low_confidence(
    database_url: str, sandboxes: Sandboxes
) -> None:
    """A "[prod. Kaito Mercer & Lena Ortiz]" title credits both, with title evidence at 0.4."""
    settings = sandbox_settings(sandboxes, database_url, fast=True)
    drain_stage(settings, QUEUE, build, messages=seed(database_url, "Glass Coast"))
    credits = credits_on(database_url, "Glass Coast [prod. Kaito Mercer & Lena Ortiz]")
    assert {"Kaito Mercer", "Lena Ortiz"} <= set(credits)
    title_evidence = rows(
        database_url,
        "SELECT confidence::FLOAT8 AS c FROM track_producer_evidence WHERE source = 'title'",
    )
    assert [row["c"] for row in title_evidence] == [0.4, 0.4]


# Verification ------------------------------------------------------------------------------
@pytest.mark.slow
def test_decoy_genius_hits_ranked_first_are_rejected_for_the_right_song(
    database_url: str, sandboxes: Sandboxes
) -> None:
    """Where Genius ranks a live page, a tribute or a namesake first, the right song is used."""
    messages = seed(database_url, "Neon Cathedral", "Midnight Transit", "Static Bloom")
    settings = sandbox_settings(sandboxes, database_url, fast=True)
    drain_stage(settings, QUEUE, build, messages=messages)
    decoyed = [
        (song, metadata)
        for song, metadata in song_metadata(database_url)
        if song["genius_decoys_ranked_first"]
    ]
    assert {"Neon Cathedral", "Satellite Heart", "Midnight Transit", "Marigold"} <= {
        song["title"] for song, _ in decoyed
    }
    for song, metadata in decoyed:
        assert metadata["documents"]["genius"]["song"] == song["genius_song_id"], song["title"]


# Re-runs and hand-off ----------------------------------------------------------------------
@pytest.mark.slow
def test_rerun_updates_credits_and_never_duplicates(
    database_url: str, sandboxes: Sandboxes
) -> None:
    """Identifying the same songs again restores their credits without a second row or message."""
    settings = sandbox_settings(sandboxes, database_url, fast=True)
    messages = seed(database_url, "Midnight Transit")
    drain_stage(settings, QUEUE, build, messages=messages)
    before = table_counts(database_url)
    rows(
        database_url, "UPDATE track_producers SET confidence = 0.01, source = 'stale', roles = '{}'"
    )
    sends = rerun_directly(database_url, settings, messages)
    assert sends == []
    assert table_counts(database_url) == before
    credit = credits_on(database_url, "Midnight Transit")["Dev O'Neil"]
    assert credit["source"] == "discogs+genius+musicbrainz"
    assert credit["confidence"] > 0.9


def seed_live_take_then_original(url: str, album_name: str) -> list[dict[str, str]]:
    """The album as a later live album first ("X - Live" titles, other ids, no credits in any
    source): its songs' messages name the live takes. The original album is not stored yet."""
    catalogue = json.loads(SPOTIFY_CATALOGUE.read_text(encoding="utf-8"))
    artists = {artist["id"]: artist for artist in catalogue["artists"]}
    album = next(album for album in catalogue["albums"] if album["name"] == album_name)
    live = {
        **album,
        "id": f"live{album['id']}"[:22],
        "name": "Live at Harbor Hall",
        "release_date": "2025-06-01",
        "upc": "000000000017",
        "tracks": [
            {**track, "id": f"live{track['id']}"[:22], "name": f"{track['name']} - Live"}
            for track in album["tracks"]
        ],
    }
    with psycopg.connect(url, autocommit=True) as conn:
        return seed_album(conn, live, artists[album["artist_ids"][0]], artists, False)


@pytest.mark.slow
def test_a_better_edition_arriving_mid_identification_is_identified_instead(
    database_url: str, sandboxes: Sandboxes
) -> None:
    """A song identified from its live take while its album version arrives: the commit is
    refused (deferred: no attempt spent) since the live take is no longer the representative; the message,
    handled again, identifies the album version (the song's representative read when
    handled, not the message's track), whose credits are stored and none on the live take."""
    settings = sandbox_settings(sandboxes, database_url, fast=True)
    messages = seed_live_take_then_original(database_url, "Midnight Transit")
    resources = Resources.build(settings, database_url, QUEUE)
    try:
        stage = build(resources)
        body = ProducerIdentificationMessage.model_validate(messages[0])
        outcome = stage.handle(Delivery(1, 1, body, "early"))
        assert outcome.metadata["track_id"] == messages[0]["trackId"]
        seed(database_url, "Midnight Transit")  # the album version: the better edition
        with (
            pytest.raises(Deferred, match="better edition"),
            resources.pool.connection() as conn,
            conn.transaction(),
        ):
            outcome.write(conn)
    finally:
        resources.close()
    drain_stage(settings, QUEUE, build, messages=messages)
    assert credits_on(database_url, "Midnight Transit - Live") == {}
    assert "Dev O'Neil" in credits_on(database_url, "Midnight Transit")


def test_each_new_producer_is_sent_to_social_enrichment_once(
    database_url: str, sandboxes: Sandboxes
) -> None:
    """One social_enrichment message per producer, however many tracks credit them."""
    settings = sandbox_settings(sandboxes, database_url, fast=True)
    messages = seed(database_url, "Neon Cathedral", "Neon Cathedral (Deluxe Edition)")
    drain_stage(settings, QUEUE, build, messages=messages)
    sent = Counter(
        row["message"]["producerId"]
        for row in rows(database_url, "SELECT message FROM pgmq.q_social_enrichment")
    )
    producers = {str(row["id"]) for row in rows(database_url, "SELECT id FROM producers")}
    assert set(sent) == producers
    assert set(sent.values()) == {1}
    assert (
        rows(
            database_url, "SELECT count(*) AS n FROM producers WHERE enrichment_queued_at IS NULL"
        )[0]["n"]
        == 0
    )
    rows(database_url, "UPDATE producers SET enrichment_queued_at = NULL, enriched_at = now()")
    assert rerun_directly(database_url, settings, messages) == []


def test_missing_track_completes_without_credits(database_url: str, sandboxes: Sandboxes) -> None:
    """A message for a track that is no longer stored completes, with nothing written."""
    track_id = str(uuid.uuid4())
    settings = sandbox_settings(sandboxes, database_url, fast=True)
    drain_stage(settings, QUEUE, build, messages=[{"trackId": track_id}])
    (status,) = rows(database_url, "SELECT state, metadata FROM processing_status")
    assert status["state"] == "COMPLETED"
    assert status["metadata"]["outcome"] == "track_not_found"
    assert table_counts(database_url)["track_producers"] == 0


# Skipped sources ---------------------------------------------------------------------------
def test_missing_token_skips_the_source_and_says_so_once(
    database_url: str, sandboxes: Sandboxes
) -> None:
    """Without GENIUS_ACCESS_TOKEN Genius is never called, logged once, listed per outcome."""
    settings = sandbox_settings(sandboxes, database_url, fast=True, genius_access_token=None)
    messages = seed(database_url, "Neon Cathedral")
    sandboxes.reset()
    with structlog.testing.capture_logs() as logs:
        drain_stage(settings, QUEUE, build, messages=messages)
    skipped = [entry for entry in logs if entry["event"] == "credit_source_skipped"]
    assert [entry["source"] for entry in skipped] == ["genius"]
    assert sum(sandboxes.genius.requests.values()) == 0
    outcomes = song_metadata(database_url)
    assert len(outcomes) == len(messages)
    assert all(metadata["skipped_sources"] == ["genius"] for _, metadata in outcomes)
    sources = {row["source"] for row in rows(database_url, "SELECT source FROM track_producers")}
    assert sources
    assert not any("genius" in source for source in sources)


def test_skipped_source_keeps_the_credits_it_gave_before(
    database_url: str, sandboxes: Sandboxes
) -> None:
    """A re-run without DISCOGS_TOKEN keeps the Discogs evidence already stored."""
    messages = seed(database_url, "Neon Cathedral")
    settings = sandbox_settings(sandboxes, database_url, fast=True)
    drain_stage(settings, QUEUE, build, messages=messages)
    before = rows(
        database_url, "SELECT count(*) AS n FROM track_producer_evidence WHERE source = 'discogs'"
    )
    sandboxes.reset()
    rerun_directly(
        database_url,
        sandbox_settings(sandboxes, database_url, fast=True, discogs_token=None),
        messages,
    )
    assert sum(sandboxes.discogs.requests.values()) == 0
    after = rows(
        database_url, "SELECT count(*) AS n FROM track_producer_evidence WHERE source = 'discogs'"
    )
    assert after == before
    assert before[0]["n"] > 0
    assert (
        credits_on(database_url, "Neon Cathedral")["Kelso & Marr"]["source"]
        == "discogs+genius+musicbrainz"
    )


def test_without_spotify_musicbrainz_finds_the_recording_by_title_and_artist(
    database_url: str, sandboxes: Sandboxes
) -> None:
    """No Spotify credentials, so no ISRC: a verified recording search still credits Milo Tran."""
    settings = sandbox_settings(sandboxes, database_url, fast=True, spotify_client_id=None)
    messages = seed(database_url, "Terminal Bloom")
    sandboxes.reset()
    drain_stage(settings, QUEUE, build, messages=messages)
    assert sandboxes.spotify.total == 0
    assert sandboxes.musicbrainz.requests["recording-search"] == 1
    credit = credits_on(database_url, "Terminal Bloom")["Milo Tran"]
    assert credit["source"] == "musicbrainz"
    assert credit["roles"] == ["assistant producer"]
    ((_, metadata),) = song_metadata(database_url)
    assert metadata["isrc_lookup"] == "off"


# API economy -------------------------------------------------------------------------------
def test_songs_of_one_album_share_one_release_lookup_per_api(
    database_url: str, sandboxes: Sandboxes
) -> None:
    """Ten songs of one album: one MusicBrainz barcode search and one browse of the artist's
    releases with every track's credits (no release lookup, and no Spotify request for an
    ISRC: every song is placed by title); on Discogs one artist search, one release list and
    one release; a re-run in another process asks MusicBrainz and Discogs nothing."""
    settings = sandbox_settings(sandboxes, database_url, fast=True)
    messages = seed(database_url, "Neon Cathedral")
    sandboxes.reset()
    drain_stage(settings, QUEUE, build, messages=messages)
    assert len(messages) == 10
    assert dict(sandboxes.musicbrainz.requests) == {"release-search": 1, "release-browse": 1}
    assert dict(sandboxes.discogs.requests) == {"search": 1, "artist-releases": 1, "releases": 1}
    assert sandboxes.spotify.requests["track"] == 0
    sandboxes.reset()
    rerun_directly(database_url, settings, messages)
    assert sandboxes.musicbrainz.total == sandboxes.discogs.total == sandboxes.genius.total == 0


def test_discogs_is_planned_by_artist_and_finds_singles_on_the_album(
    database_url: str, sandboxes: Sandboxes
) -> None:
    """An album and three singles of one artist: on Discogs one artist search, one release list
    and one release; the singles, not on Discogs themselves, are credited from the album."""
    settings = sandbox_settings(sandboxes, database_url, fast=True)
    messages = seed(
        database_url, "Glass Coast", "Terminal Bloom", "Señorita Neón", "Midnight Transit"
    )
    sandboxes.reset()
    drain_stage(settings, QUEUE, build, messages=messages)
    assert len(messages) == 11
    assert dict(sandboxes.discogs.requests) == {"search": 1, "artist-releases": 1, "releases": 1}
    assert "discogs" in credits_on(database_url, "Terminal Bloom")["Dev O'Neil"]["source"]
    assert "discogs" in credits_on(database_url, "Señorita Neón")["Chloë Marsh"]["source"]


def test_discogs_searches_per_song_only_when_it_has_no_such_artist(
    database_url: str, sandboxes: Sandboxes
) -> None:
    """The near-namesake "Nova Reys" is no Discogs artist: no list is read, the album and its
    songs are searched as before, and nothing of Nova Reyes' is credited to them."""
    settings = sandbox_settings(sandboxes, database_url, fast=True)
    with psycopg.connect(database_url, autocommit=True) as conn:
        messages = seed_catalogue(conn, ["Nova Reys"])
    sandboxes.reset()
    drain_stage(settings, QUEUE, build, messages=messages)
    assert len(messages) == 3
    assert sandboxes.discogs.requests["artist-releases"] == 0
    # the artist, the album "Reys Up", and the two songs not named like it (the title song's
    # search is the album's, cached)
    assert sandboxes.discogs.requests["search"] == 4
    evidence = rows(
        database_url, "SELECT count(*) AS n FROM track_producer_evidence WHERE source = 'discogs'"
    )
    assert evidence[0]["n"] == 0


def test_discogs_searches_where_the_artist_list_was_cut_short(
    database_url: str, sandboxes: Sandboxes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A list cut short (here after no page at all) may miss the album: it is searched for as
    before, and its songs keep their Discogs credits."""
    monkeypatch.setattr(discogs_client, "MAXIMUM_LISTING_PAGES", 0)
    settings = sandbox_settings(sandboxes, database_url, fast=True)
    messages = seed(database_url, "Neon Cathedral")
    sandboxes.reset()
    drain_stage(settings, QUEUE, build, messages=messages)
    assert dict(sandboxes.discogs.requests) == {"search": 2, "releases": 1}
    assert "discogs" in credits_on(database_url, "Slow Motion Skyline")["Dev O'Neil"]["source"]


def test_concurrent_misses_of_one_resource_send_one_request(
    database_url: str, sandboxes: Sandboxes
) -> None:
    """Threads missing the shared cache for one release at once cause one request, not one each."""
    settings = sandbox_settings(sandboxes, database_url, fast=True)
    resources = Resources.build(settings, database_url, QUEUE)
    release_id = "c02e14bb-c89f-59a5-8f18-9e49bc46b331"
    try:
        cache = PostgresResponseCache(resources.pool)
        client = MusicBrainzClient.from_settings(settings, cache=cache)
        sandboxes.reset()
        answers: list[Any] = []
        threads = [
            threading.Thread(target=lambda: answers.append(client.release(release_id)))
            for _ in range(4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        client.close()
    finally:
        resources.close()
    assert len(answers) == 4
    assert all(answer and answer["id"] == release_id for answer in answers)
    assert sandboxes.musicbrainz.requests["release"] == 1


def test_cached_response_is_served_until_it_expires(database_url: str) -> None:
    """A response is reused while fresh; past its TTL it reads as missing."""
    with ConnectionPool(database_url, kwargs={"autocommit": True}, min_size=1, max_size=2) as pool:
        fresh = PostgresResponseCache(pool)
        fresh.put("genius", "songs/1?text_format=plain", {"song": 1})
        assert fresh.get("genius", "songs/1?text_format=plain") == {"song": 1}
        assert fresh.get("discogs", "songs/1?text_format=plain") is None
        expired = PostgresResponseCache(pool, ttl_by_api={"genius": timedelta(seconds=-1)})
        expired.put("genius", "songs/1?text_format=plain", {"song": 2})
        assert fresh.get("genius", "songs/1?text_format=plain") is None


def test_expired_api_responses_are_purged(database_url: str) -> None:
    """purge_expired_api_cache deletes expired responses and keeps live ones."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO api_response_cache (api, resource, response, expires_at) VALUES "
            "('genius', 'songs/1', '{}', now() - interval '1 minute'), "
            "('genius', 'songs/2', '{}', now() + interval '1 day')"
        )
        assert conn.execute("SELECT purge_expired_api_cache()").fetchone() == (1,)
        assert conn.execute("SELECT resource FROM api_response_cache").fetchall() == [("songs/2",)]


@pytest.mark.slow
def test_enriched_producer_that_learns_a_source_id_is_refreshed_once(
    database_url: str, sandboxes: Sandboxes
) -> None:
    """A producer enriched before its Genius id was known gets one refresh message when a later
    commit attaches that id, and its enrichment status is reopened for it."""
    messages = seed(database_url, "Neon Cathedral")
    settings = sandbox_settings(sandboxes, database_url, fast=True, genius_access_token=None)
    drain_stage(settings, QUEUE, build, messages=messages)
    kelso = producers_named(database_url, "kelso and marr")[0]
    rows(database_url, "UPDATE producers SET enriched_at = now() WHERE id = %s", (kelso["id"],))
    rows(
        database_url,
        "INSERT INTO processing_status (entity_type, entity_id, state) "
        "VALUES ('producer', %s, 'COMPLETED')",
        (str(kelso["id"]),),
    )
    sends = rerun_directly(
        database_url, sandbox_settings(sandboxes, database_url, fast=True), messages
    )
    refreshes = [send.message for send in sends if "refresh" in send.message]
    assert [message["producerId"] for message in refreshes] == [str(kelso["id"])]
    assert refreshes[0]["refresh"] == f"new-ids:genius:{expected_ids('kelso-and-marr')['genius']}"
    state = rows(database_url, "SELECT state FROM processing_status WHERE entity_type = 'producer'")
    assert state == [{"state": "PENDING"}]


def test_merge_producers_moves_ids_credits_and_evidence(database_url: str) -> None:
    """Two rows found to be one person become one: ids, credits and evidence move, the
    shared track keeps one credit with both sources, the merged row is gone."""
    statements = """
        WITH a AS (INSERT INTO artists (name) VALUES ('A') RETURNING id),
             al AS (INSERT INTO albums (artist_id, name) SELECT id, 'LP' FROM a RETURNING id)
        INSERT INTO tracks (album_id, name) SELECT al.id, t FROM al, unnest(ARRAY['one', 'two']) t;
        INSERT INTO producers (id, name, normalized_name) VALUES
            ('00000000-0000-0000-0000-00000000000a', 'Lena Ortiz', 'lena ortiz'),
            ('00000000-0000-0000-0000-00000000000b', 'Lena Ortiz', 'lena ortiz');
        INSERT INTO producer_source_ids (source, source_id, producer_id) VALUES
            ('genius', '1', '00000000-0000-0000-0000-00000000000a'),
            ('discogs', '2', '00000000-0000-0000-0000-00000000000b');
        INSERT INTO track_producers (track_id, producer_id, confidence, source, roles)
        SELECT t.id, p.id, CASE WHEN p.id::text LIKE '%a' THEN 0.85 ELSE 0.75 END,
               CASE WHEN p.id::text LIKE '%a' THEN 'genius' ELSE 'discogs' END, '{producer}'
        FROM tracks t, producers p WHERE t.name = 'one' OR p.id::text LIKE '%b';
        INSERT INTO track_producer_evidence (track_id, producer_id, source, role, confidence)
        SELECT track_id, producer_id, source, 'producer', confidence FROM track_producers;"""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(statements)
        moved = conn.execute(
            "SELECT merge_producers('00000000-0000-0000-0000-00000000000a', "
            "'00000000-0000-0000-0000-00000000000b')"
        ).fetchone()
    assert moved == (["discogs:2"],)
    assert [r["id"] for r in rows(database_url, "SELECT id::text FROM producers")] == [
        "00000000-0000-0000-0000-00000000000a"
    ]
    credits = {
        r["name"]: (r["source"], float(r["confidence"]))
        for r in rows(
            database_url,
            "SELECT t.name, tp.source, tp.confidence FROM track_producers tp JOIN tracks t ON t.id = tp.track_id",
        )
    }
    assert credits == {"one": ("discogs+genius", 0.85), "two": ("discogs", 0.75)}
    assert rows(database_url, "SELECT count(*) AS n FROM track_producer_evidence")[0]["n"] == 3
    assert rows(database_url, "SELECT count(*) AS n FROM producer_source_ids")[0]["n"] == 2
