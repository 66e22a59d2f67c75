"""The Genius, MusicBrainz and Discogs clients against their sandboxes, over real HTTP."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from producer_discovery.clients.cache import MemoryResponseCache
from producer_discovery.clients.discogs import DiscogsClient
from producer_discovery.clients.genius import GeniusClient
from producer_discovery.clients.musicbrainz import MusicBrainzClient
from producer_discovery.errors import RateLimited, SourceBlocked
from producer_discovery.retry import RetryPolicy
from producer_discovery.sandbox.credits_data import load_credits
from producer_discovery.sandbox.discogs import DiscogsSandbox
from producer_discovery.sandbox.genius import GeniusSandbox
from producer_discovery.sandbox.musicbrainz import MusicBrainzSandbox
from producer_discovery.sandbox.server import Faults
from tests.support.database import typed
from tests.support.sandboxes import DISCOGS_TOKEN, Sandboxes
from tests.support.settings import sandbox_settings

FAST_RETRIES = RetryPolicy(base_seconds=0.01, cap_seconds=0.05)
NO_RETRIES = RetryPolicy(in_call_attempts=1)
MIDNIGHT_TRANSIT_UPC = "163212130863"
EXPECTED: dict[str, Any] = load_credits()["_expected"]


class OnePerInterval:
    """A RateLimiter for one process: requests leave at least `interval` seconds apart."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.next_allowed = 0.0
        self.lock = threading.Lock()

    def acquire(self, api: str) -> None:
        with self.lock:
            wait = self.next_allowed - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            self.next_allowed = time.monotonic() + self.interval

    def pause(self, api: str, seconds: float) -> None:
        with self.lock:
            self.next_allowed = max(self.next_allowed, time.monotonic() + seconds)

    def block(self, api: str, reason: str) -> float:
        self.pause(api, 60.0)
        return 60.0

    def answered(self, api: str) -> int:
        return 0


def expected_song(title: str) -> dict[str, Any]:
    return next(song for song in EXPECTED["songs"] if song["title"] == title)


def expected_producer(key: str) -> dict[str, Any]:
    return typed(EXPECTED["producers"][key], dict)


# Fixtures: the module's sandboxes, at the providers' real limits ---------------------------
@pytest.fixture(scope="module")
def genius_sandbox(started_sandboxes: Sandboxes) -> GeniusSandbox:
    return started_sandboxes.genius


@pytest.fixture(scope="module")
def musicbrainz_sandbox(started_sandboxes: Sandboxes) -> MusicBrainzSandbox:
    return started_sandboxes.musicbrainz


@pytest.fixture(scope="module")
def discogs_sandbox(started_sandboxes: Sandboxes) -> DiscogsSandbox:
    return started_sandboxes.discogs


@pytest.fixture
def genius(started_sandboxes: Sandboxes) -> Iterator[GeniusClient]:
    client = GeniusClient.from_settings(
        sandbox_settings(started_sandboxes), retry_policy=FAST_RETRIES
    )
    yield client
    client.close()


@pytest.fixture(scope="module")
def musicbrainz_limiter() -> OnePerInterval:
    return OnePerInterval(1.0)


@pytest.fixture
def musicbrainz(
    started_sandboxes: Sandboxes, musicbrainz_limiter: OnePerInterval
) -> Iterator[MusicBrainzClient]:
    settings = sandbox_settings(started_sandboxes)
    client = MusicBrainzClient.from_settings(
        settings, limiter=musicbrainz_limiter, retry_policy=NO_RETRIES
    )
    yield client
    client.close()


@pytest.fixture
def discogs(started_sandboxes: Sandboxes) -> Iterator[DiscogsClient]:
    client = DiscogsClient.from_settings(
        sandbox_settings(started_sandboxes), retry_policy=NO_RETRIES
    )
    yield client
    client.close()


# Genius ------------------------------------------------------------------------------------
def test_genius_refuses_requests_without_a_bearer_token(
    genius_sandbox: GeniusSandbox, genius: GeniusClient
) -> None:
    """Genius answers 401 in its meta envelope without a token; the client sends one."""
    refused = httpx.get(f"{genius_sandbox.url}/search", params={"q": "Velour"})
    assert refused.status_code == 401
    assert refused.json()["meta"]["status"] == 401
    assert refused.json()["meta"]["message"]
    assert genius.search("Velour Nova Reyes")


def test_genius_search_ranks_decoys_before_the_right_song(genius: GeniusClient) -> None:
    """For songs the catalogue marks, the right Genius page is found but not ranked first."""
    marked = [song for song in EXPECTED["songs"] if song["genius_decoys_ranked_first"]]
    assert {"Neon Cathedral", "Satellite Heart", "Midnight Transit"} <= {s["title"] for s in marked}
    for song in marked:
        hit_ids = [hit["id"] for hit in genius.search(f"{song['title']} {song['artist']}")]
        assert hit_ids[0] != song["genius_song_id"]
        assert song["genius_song_id"] in hit_ids


def test_genius_search_hits_carry_no_credits(genius: GeniusClient) -> None:
    """Search results are song summaries: performers only, never producers or writers."""
    hits = genius.search("Satellite Heart Nova Reyes")
    assert all("producer_artists" not in hit and "writer_artists" not in hit for hit in hits)
    assert all(hit["primary_artist"]["name"] and hit["full_title"] for hit in hits)


def test_genius_song_carries_producers_and_custom_performances(genius: GeniusClient) -> None:
    """A song lookup returns producer artists, labelled custom performances and featured artists."""
    velour = genius.song(expected_song("Velour")["genius_song_id"])
    assert velour is not None
    assert velour["producer_artists"] == []
    co_producers = [p for p in velour["custom_performances"] if p["label"] == "Co-Producer"]
    assert [artist["name"] for artist in co_producers[0]["artists"]] == ["Chloë Marsh"]
    satellite = genius.song(expected_song("Satellite Heart")["genius_song_id"])
    assert satellite is not None
    assert [a["name"] for a in satellite["featured_artists"]] == ["Juno Vale"]
    neon = genius.song(expected_song("Neon Cathedral")["genius_song_id"])
    assert neon is not None
    assert [a["name"] for a in neon["producer_artists"]] == ["Kelso & Marr"]


def test_genius_artist_profile_has_socials_description_and_placeholder(
    genius: GeniusClient,
) -> None:
    """Artist profiles carry handles (or null), a plain description and sometimes the default avatar."""
    team = genius.artist(expected_producer("kelso-and-marr")["genius_artist_id"])
    assert team is not None
    assert team["instagram_name"] == "kelsoandmarr"
    assert "kelsomarr@example.com" in team["description"]["plain"]
    rivers = genius.artist(expected_producer("sam-rivers")["genius_artist_id"])
    assert rivers is not None
    assert rivers["instagram_name"] is None
    assert rivers["image_url"].endswith("/default_avatar_300.png")


def test_genius_unknown_song_reads_as_none(genius: GeniusClient) -> None:
    """A 404 on a lookup is 'no such song', not an error."""
    assert genius.song(1) is None


def test_genius_cdn_403_pauses_genius_instead_of_retrying() -> None:
    """A 403 from Genius' CDN (it lasts minutes) is SourceBlocked at once, not retried per call."""
    faults = Faults(server_error_every=2, server_error_status=403)
    with Sandboxes(faults={"genius": faults}) as sandboxes:
        client = GeniusClient.from_settings(sandbox_settings(sandboxes), retry_policy=FAST_RETRIES)
        assert client.song(expected_song("Velour")["genius_song_id"]) is not None
        with pytest.raises(SourceBlocked, match="blocked by the CDN"):
            client.song(expected_song("Afterglow")["genius_song_id"])
        client.close()
        assert sandboxes.genius.injected["songs"] == 1
        assert sandboxes.genius.requests["songs"] == 2


def test_cache_hit_avoids_a_second_request(
    started_sandboxes: Sandboxes, genius_sandbox: GeniusSandbox
) -> None:
    """Stable lookups and searches are served from the cache the second time."""
    client = GeniusClient.from_settings(
        sandbox_settings(started_sandboxes), cache=MemoryResponseCache()
    )
    song_id = expected_song("Bloom")["genius_song_id"]
    songs_before, searches_before = (
        genius_sandbox.requests["songs"],
        genius_sandbox.requests["search"],
    )
    assert client.song(song_id) == client.song(song_id)
    assert client.search("Bloom The Velvet Arcade") == client.search("Bloom The Velvet Arcade")
    client.search("Marigold The Velvet Arcade")
    client.close()
    assert genius_sandbox.requests["songs"] - songs_before == 1
    assert genius_sandbox.requests["search"] - searches_before == 2


# MusicBrainz -------------------------------------------------------------------------------
def test_musicbrainz_refuses_a_request_without_a_proper_user_agent(
    musicbrainz_sandbox: MusicBrainzSandbox, musicbrainz: MusicBrainzClient
) -> None:
    """A generic User-Agent gets 403; the client's 'App/Version ( contact )' passes."""
    url = f"{musicbrainz_sandbox.url}/ws/2/isrc/QZNVR1100001"
    refused = httpx.get(url, params={"fmt": "json"})
    assert refused.status_code == 403
    assert musicbrainz.recordings_by_isrc("QZNVR1100001")


@pytest.mark.slow
def test_musicbrainz_at_one_request_per_second_never_gets_503(
    musicbrainz_sandbox: MusicBrainzSandbox, musicbrainz: MusicBrainzClient
) -> None:
    """Requests spaced by the limiter are all answered; none is rejected."""
    musicbrainz_sandbox.reset_counts()
    for isrc in ("QZNVR1100002", "QZNVR1100003", "QZNVR1100004"):
        assert musicbrainz.recordings_by_isrc(isrc)
    assert sum(musicbrainz_sandbox.rejected.values()) == 0


def test_musicbrainz_raw_loop_faster_than_one_per_second_gets_503() -> None:
    """Unthrottled requests break the 1 request/second limit and are rejected with 503."""
    headers = {"User-Agent": "producer-discovery-tests/1.0 ( tests@example.com )"}
    with Sandboxes() as sandboxes, httpx.Client(headers=headers) as http:
        url = f"{sandboxes.musicbrainz.url}/ws/2/isrc/QZNVR1100001"
        statuses = [http.get(url, params={"fmt": "json"}).status_code for _ in range(5)]
        assert 503 in statuses
        assert sandboxes.musicbrainz.rejected["isrc"] == statuses.count(503)


def test_release_lookup_by_barcode_carries_producer_relations_of_all_tracks(
    musicbrainz: MusicBrainzClient,
) -> None:
    """One release lookup holds every track's recording, ISRCs and producer relations."""
    releases = musicbrainz.releases_by_barcodes([MIDNIGHT_TRANSIT_UPC])
    assert [release["barcode"] for release in releases] == [MIDNIGHT_TRANSIT_UPC]
    release = musicbrainz.release(releases[0]["id"])
    assert release is not None
    tracks = [track for medium in release["media"] for track in medium["tracks"]]
    assert len(tracks) == 11
    for track in tracks:
        recording = track["recording"]
        (isrc,) = recording["isrcs"]
        song = next(song for song in EXPECTED["songs"] if song["isrc"] == isrc)
        produced_by = {
            relation["artist"]["id"]
            for relation in recording["relations"]
            if relation["type"] == "producer" and "executive" not in relation["attributes"]
        }
        wanted = {
            expected_producer(key)["musicbrainz_id"] for key in song["sources"]["musicbrainz"]
        }
        assert produced_by == wanted, song["title"]
    assert any("executive" in relation["attributes"] for relation in release["relations"])


def test_recording_lookup_has_producer_and_engineer_relations(
    musicbrainz: MusicBrainzClient,
) -> None:
    """Recording relations keep MusicBrainz' shape, executive producers and mix engineers included."""
    (found,) = musicbrainz.recordings_by_isrc("QZNVR1100001")
    recording = musicbrainz.recording(found["id"])
    assert recording is not None
    by_type = {(r["type"], tuple(r["attributes"])): r for r in recording["relations"]}
    producer = by_type[("producer", ())]
    assert producer["type-id"] == "5c0ceac3-feb4-41f0-868d-dc06f6e27fc0"
    assert producer["target-type"] == "artist"
    assert producer["artist"]["name"] == "Kelso & Marr"
    assert producer["artist"]["sort-name"]
    assert ("producer", ("executive",)) in by_type
    assert ("mix", ()) in by_type


def test_musicbrainz_search_puts_the_exact_recording_first(musicbrainz: MusicBrainzClient) -> None:
    """A Lucene title+artist search scores the exact recording above a karaoke tribute."""
    found = musicbrainz.search_recordings(["Neon Cathedral"], "Nova Reyes")
    assert found[0]["title"] == "Neon Cathedral"
    assert found[0]["score"] == 100
    assert any("karaoke" in recording["title"] for recording in found[1:])


def test_musicbrainz_artist_has_social_links_and_unknown_isrc_is_empty(
    musicbrainz: MusicBrainzClient,
) -> None:
    """Artist url-rels carry the Instagram link; an ISRC MusicBrainz lacks reads as []."""
    artist = musicbrainz.artist(expected_producer("dev-oneil")["musicbrainz_id"])
    assert artist is not None
    assert artist["name"] == "Dev O’Neil"
    links = [r["url"]["resource"] for r in artist["relations"] if r["type"] == "social network"]
    assert links == ["https://www.instagram.com/devoneil.beats/"]
    assert musicbrainz.recordings_by_isrc("QZXXX9999999") == []


# Discogs -----------------------------------------------------------------------------------
def test_discogs_search_requires_a_token_and_a_user_agent(
    discogs_sandbox: DiscogsSandbox, discogs: DiscogsClient
) -> None:
    """Search without a token is 401 and without a User-Agent 403; the client sends both."""
    url = f"{discogs_sandbox.url}/database/search"
    assert httpx.get(url, params={"q": "Static Bloom"}).status_code == 401
    no_agent = httpx.get(
        url, headers={"User-Agent": "", "Authorization": f"Discogs token={DISCOGS_TOKEN}"}
    )
    assert no_agent.status_code == 403
    results = discogs.search_releases("The Velvet Arcade", "Static Bloom")
    assert [result["title"] for result in results] == ["The Velvet Arcade - Static Bloom"]


def test_discogs_answers_carry_rate_limit_headers(discogs_sandbox: DiscogsSandbox) -> None:
    """Every answer, errors included, says the budget, how much is used and what remains."""
    headers = {"User-Agent": "producer-discovery-tests/1.0"}
    answers = [
        httpx.get(f"{discogs_sandbox.url}/releases/31000301", headers=headers),
        httpx.get(f"{discogs_sandbox.url}/releases/1", headers=headers),
    ]
    assert [answer.status_code for answer in answers] == [200, 404]
    used = [int(answer.headers["X-Discogs-Ratelimit-Used"]) for answer in answers]
    assert used[1] == used[0] + 1
    for answer in answers:
        assert answer.headers["X-Discogs-Ratelimit"] == "60"
        remaining = int(answer.headers["X-Discogs-Ratelimit-Remaining"])
        assert remaining == 60 - int(answer.headers["X-Discogs-Ratelimit-Used"])


def test_discogs_over_the_per_minute_budget_answers_429() -> None:
    """Past the per-minute budget Discogs answers 429, counted as rejected; the client raises."""
    with Sandboxes(discogs_requests_per_minute=3) as sandboxes:
        client = DiscogsClient.from_settings(sandbox_settings(sandboxes), retry_policy=NO_RETRIES)
        for release_id in (31000101, 31000102, 31000201):
            assert client.release(release_id) is not None
        with pytest.raises(RateLimited):
            client.release(31000301)
        client.close()
        assert sandboxes.discogs.rejected["releases"] == 1


def test_discogs_release_credits_keep_roles_suffixes_and_name_variations(
    discogs: DiscogsClient,
) -> None:
    """Release and track credits come as Discogs writes them: free-text roles, (N) suffixes, anv."""
    release = discogs.release(31000101)
    assert release is not None
    roles = {credit["name"]: credit["role"] for credit in release["extraartists"]}
    assert roles["Kelso & Marr"] == "Producer, Written-By"
    assert roles["Dana Whitlock"] == "Executive-Producer"
    track_credits = {t["position"]: t.get("extraartists", []) for t in release["tracklist"]}
    assert track_credits["7"][0]["name"] == "Alex Kim (4)"
    assert track_credits["7"][0]["role"] == "Producer [Additional]"
    assert track_credits["9"][0]["anv"] == "D. O'Neil"
    static_bloom = discogs.release(31000301)
    assert static_bloom is not None
    assert {c["name"]: c["tracks"] for c in static_bloom["extraartists"]}["Hana Sato"] == "A2, B1"
    assert discogs.release(1) is None


@pytest.mark.parametrize("spotify_upc", ["00163212130863", "0163212130863", "163212130863"])
def test_padded_spotify_upc_finds_the_release_stored_with_a_shorter_barcode(
    musicbrainz: MusicBrainzClient, spotify_upc: str
) -> None:
    """`barcode:` matches exactly, so the 14-, 13- and 12-digit forms are all searched."""
    releases = musicbrainz.releases_by_barcodes([spotify_upc])
    assert [release["barcode"] for release in releases] == [MIDNIGHT_TRANSIT_UPC]


def test_discogs_artist_search_puts_the_exact_name_before_longer_ones(
    discogs: DiscogsClient,
) -> None:
    """`type=artist` finds artists by name, the exact name first, suffixes as Discogs writes them."""
    results = discogs.search_artists("Nova Reyes")
    assert [(r["type"], r["title"]) for r in results] == [
        ("artist", "Nova Reyes"),
        ("artist", "Nova Reyes Tribute"),
    ]
    assert [r["title"] for r in discogs.search_artists("Sam Rivers")] == [
        "Sam Rivers (2)",
        "Sam Rivers",
    ]


def test_discogs_artist_releases_list_masters_once_over_linked_pages(
    discogs_sandbox: DiscogsSandbox, discogs: DiscogsClient
) -> None:
    """An artist's list pages with `pagination.urls`; a release with a master is listed as the
    master with its `main_release`; credited artists see the credit role; the client reads all pages."""
    headers = {"User-Agent": "producer-discovery-tests/1.0"}
    url = f"{discogs_sandbox.url}/artists/6100001/releases"
    first = httpx.get(url, params={"per_page": 2, "sort": "year"}, headers=headers).json()
    assert first["pagination"]["items"] == 3
    assert first["pagination"]["pages"] == 2
    assert set(first["pagination"]["urls"]) == {"next", "last"}
    assert [(r["type"], r["title"], r["main_release"], r["role"]) for r in first["releases"]] == [
        ("master", "Neon Cathedral", 31000101, "Main"),
        ("master", "Neon Cathedral (Deluxe Edition)", 31000102, "Main"),
    ]
    second = httpx.get(first["pagination"]["urls"]["next"], headers=headers).json()
    assert [r["title"] for r in second["releases"]] == ["Midnight Transit"]
    assert set(second["pagination"]["urls"]) == {"first", "prev"}
    listing = discogs.artist_releases(6100001)
    assert listing is not None
    assert listing.complete
    assert [item["id"] for item in listing.items] == [1000101, 1000102, 1000201]
    producer = discogs.artist_releases(6100101)
    assert producer is not None
    assert {item["role"] for item in producer.items} == {"Producer", "Co-producer"}
    assert discogs.artist_releases(1) is None


def test_discogs_master_and_its_versions(
    discogs_sandbox: DiscogsSandbox, discogs: DiscogsClient
) -> None:
    """A master names its main release and versions URL; its versions are its releases."""
    headers = {"User-Agent": "producer-discovery-tests/1.0"}
    master = httpx.get(f"{discogs_sandbox.url}/masters/1000301", headers=headers).json()
    assert (master["main_release"], master["title"]) == (31000301, "Static Bloom")
    assert master["versions_url"].endswith("/masters/1000301/versions")
    versions = discogs.master_versions(1000301)
    assert [(v["id"], v["title"]) for v in versions] == [(31000301, "Static Bloom")]
    assert discogs.master_versions(1) == []
