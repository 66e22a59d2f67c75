"""The MusicBrainz client against a sandbox serving a catalogue made for each test, over real
HTTP: the browse with every track's credits (the 500-track cut), barcodes in any written
form, relative search scores, too-long URLs and hits tied on score."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from producer_discovery.clients.cache import MemoryResponseCache
from producer_discovery.clients.musicbrainz import MusicBrainzClient, grouped_values
from producer_discovery.identification.musicbrainz_plan import verified_hits
from producer_discovery.sandbox.musicbrainz import MusicBrainzSandbox
from producer_discovery.settings import Settings
from tests.support.sandboxes import Sandboxes
from tests.support.settings import sandbox_settings

ARTIST = "Nova Reyes"
OTHER = "Somebody Else"
USER_AGENT = {"User-Agent": "producer-discovery-tests/1.0 ( tests@example.com )"}


def mbid(*parts: object) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(str(part) for part in parts)))


def artist(name: str) -> dict[str, Any]:
    return {"id": mbid("artist", name), "name": name, "sort-name": name, "type": "Person"}


class Catalogue:
    """A credits catalogue's `musicbrainz` section, built release by release."""

    def __init__(self) -> None:
        self.artists = [artist(ARTIST), artist(OTHER), artist("Producer")]
        self.recordings: list[dict[str, Any]] = []
        self.releases: list[dict[str, Any]] = []

    def recording(self, title: str, by: str = ARTIST, isrc: str | None = None) -> str:
        number = len(self.recordings)
        self.recordings.append(
            {
                "id": mbid("recording", number),
                "title": title,
                "length": 200_000,
                "artist-credit": [{"artist": mbid("artist", by)}],
                "isrcs": [isrc or f"QZNVR26{number:05d}"],
                "first-release-date": "2020",
                "relations": [
                    {"type": "producer", "artist": mbid("artist", "Producer"), "attributes": []}
                ],
            }
        )
        return str(self.recordings[-1]["id"])

    def release(
        self, title: str, tracks: int, date: str = "2020", barcode: str = "", by: str = ARTIST
    ) -> str:
        number = len(self.releases)
        recordings = [self.recording(f"{title} {n}", by) for n in range(tracks)]
        self.releases.append(
            {
                "id": mbid("release", number),
                "title": title,
                "date": date,
                "country": "GB",
                "barcode": barcode,
                "artist-credit": [{"artist": mbid("artist", by)}],
                "media": [{"format": "Digital Media", "recordings": recordings}],
                "relations": [],
            }
        )
        return str(self.releases[-1]["id"])

    def write(self, path: Path) -> Path:
        for person in self.artists:
            person.setdefault("urls", [])
        section = {"artists": self.artists, "recordings": self.recordings}
        path.write_text(json.dumps({"musicbrainz": {**section, "releases": self.releases}}))
        return path


@pytest.fixture
def catalogue() -> Catalogue:
    return Catalogue()


@pytest.fixture
def serve(tmp_path: Path, started_sandboxes: Sandboxes) -> Iterator[Any]:
    """serve(catalogue, **sandbox options) → (sandbox, client with a memory cache)."""
    opened: list[tuple[MusicBrainzSandbox, MusicBrainzClient]] = []

    def start(catalogue: Catalogue, **options: Any) -> tuple[MusicBrainzSandbox, MusicBrainzClient]:
        path = catalogue.write(tmp_path / f"catalogue{len(opened)}.json")
        sandbox = MusicBrainzSandbox(path, requests_per_second=1000, **options).start()
        settings: Settings = sandbox_settings(
            started_sandboxes, musicbrainz_api_url=f"{sandbox.url}/ws/2"
        )
        client = MusicBrainzClient.from_settings(settings, cache=MemoryResponseCache())
        opened.append((sandbox, client))
        return sandbox, client

    yield start
    for sandbox, client in opened:
        client.close()
        sandbox.stop()


def browse(sandbox: MusicBrainzSandbox, offset: int, inc: str, limit: int = 100) -> dict[str, Any]:
    params = {"artist": mbid("artist", ARTIST), "inc": inc, "limit": str(limit)}
    params["offset"] = str(offset)
    answer = httpx.get(
        f"{sandbox.url}/ws/2/release", params={**params, "fmt": "json"}, headers=USER_AGENT
    )
    assert answer.status_code == 200, answer.text
    document: dict[str, Any] = answer.json()
    return document


# Browse --------------------------------------------------------------------------------------
def test_browse_page_stops_before_500_tracks_and_the_client_pages_by_releases_received(
    catalogue: Catalogue, serve: Any
) -> None:
    """Twelve releases of 60 tracks: the first page holds 8 (480 tracks) although 100 were
    asked, oldest first; the client asks the next page from offset 8 and gets every release
    once, each with its recordings' producer relations."""
    for number in range(12):
        catalogue.release(f"Album {number:02d}", 60, date=f"{2030 - number}")
    sandbox, client = serve(catalogue)
    first = browse(sandbox, 0, "recordings+recording-level-rels+artist-rels")
    assert first["release-count"] == 12
    assert len(first["releases"]) == 8
    dates = [release["date"] for release in first["releases"]]
    assert dates == sorted(dates)
    releases, complete = client.artist_releases(mbid("artist", ARTIST))
    assert complete
    assert sorted(release["title"] for release in releases) == [
        f"Album {number:02d}" for number in range(12)
    ]
    assert sandbox.requests["release-browse"] == 3  # ours, then the client's two pages
    recording = releases[-1]["media"][0]["tracks"][0]["recording"]
    assert [relation["type"] for relation in recording["relations"]] == ["producer"]


def test_browse_without_recordings_is_not_cut_and_holds_at_most_100_releases(
    catalogue: Catalogue, serve: Any
) -> None:
    """Without `inc=recordings` a page holds `limit` releases whatever their tracks, and a
    limit above 100 gives 100; with it, the same releases come 50 to a page (500 tracks)."""
    for number in range(120):
        catalogue.release(f"Release {number:03d}", 10)
    sandbox, _ = serve(catalogue)
    assert len(browse(sandbox, 0, "artist-credits", limit=500)["releases"]) == 100
    with_tracks = browse(sandbox, 100, "recordings+artist-credits")
    assert len(with_tracks["releases"]) == 20
    assert with_tracks["release-offset"] == 100
    assert len(browse(sandbox, 0, "recordings")["releases"]) == 50


def test_browsed_release_is_read_again_from_the_cache_unless_its_page_passed_500_tracks(
    catalogue: Catalogue, serve: Any
) -> None:
    """A release of a page within 500 tracks is kept as its own lookup (no request later);
    a release of 600 tracks comes alone, without its recordings' relations, and is looked up
    when its credits are wanted."""
    short = catalogue.release("Short", 10, date="2019")
    long = catalogue.release("Box Set", 600, date="2020")
    sandbox, client = serve(catalogue)
    releases, complete = client.artist_releases(mbid("artist", ARTIST))
    assert complete
    assert [release["id"] for release in releases] == [short, long]
    assert "relations" not in releases[1]["media"][0]["tracks"][0]["recording"]
    sandbox.reset_counts()
    assert client.release(short) is not None
    assert dict(sandbox.requests) == {}
    looked_up = client.release(long)
    assert looked_up is not None
    assert "relations" in looked_up["media"][0]["tracks"][0]["recording"]
    assert dict(sandbox.requests) == {"release": 1}


# Searches ------------------------------------------------------------------------------------
def test_one_barcode_form_finds_12_13_and_14_digit_variants(
    catalogue: Catalogue, serve: Any
) -> None:
    """Spotify's 14-digit GTIN, a 13-digit EAN and a 12-digit UPC find releases stored in
    another of those forms, in one search."""
    stored = {"602475093060": "A", "0602475093061": "B", "00602475093062": "C"}
    for barcode, title in stored.items():
        catalogue.release(title, 1, barcode=barcode)
    sandbox, client = serve(catalogue)
    hits = client.releases_by_barcodes(["00602475093060", "602475093061", "0602475093062"])
    assert sorted(hit["title"] for hit in hits) == ["A", "B", "C"]
    assert sandbox.requests["release-search"] == 1


def test_batched_title_search_keeps_an_exact_match_that_scores_low(
    catalogue: Catalogue, serve: Any
) -> None:
    """Scores are relative to the best hit of the whole query: the exact recording of a
    common title ("Love") scores low next to a rare title's, and is still used, because hits
    are verified by title and artist, never by score."""
    for number in range(40):
        catalogue.recording(f"Love {number}", by=ARTIST)
    catalogue.recording("Love", by=ARTIST)
    catalogue.recording("Quasar Lullaby", by=ARTIST)
    _, client = serve(catalogue)
    hits = client.search_recordings(["Love", "Quasar Lullaby"], ARTIST)
    scores = {hit["title"]: hit["score"] for hit in hits}
    assert scores["Quasar Lullaby"] == 100
    assert scores["Love"] < 90  # what the old score filter dropped
    verified = verified_hits(hits, "Love", (ARTIST,))
    assert [hit["title"] for hit in verified] == ["Love"]


def test_a_batch_refused_as_too_long_is_split_and_every_value_still_asked(
    catalogue: Catalogue, serve: Any
) -> None:
    """A sandbox with a lower URL bound answers 414 to the client's longest query: the
    client splits the batch in two, asks again, and finds every recording."""
    codes = [f"QZNVR27{number:05d}" for number in range(120)]
    for number, code in enumerate(codes):
        catalogue.recording(f"Song {number}", isrc=code)
    sandbox, client = serve(catalogue, maximum_url_length=2500)
    assert len(grouped_values("isrc", codes)) == 1  # within the client's own bound
    hits = client.recordings_by_isrcs(codes)
    assert sorted(code for hit in hits for code in hit["isrcs"]) == codes
    assert sandbox.rejected["recording-search"] >= 1
    assert sandbox.requests["recording-search"] > 2


def test_hits_tied_on_score_come_once_although_pages_repeat_them(
    catalogue: Catalogue, serve: Any
) -> None:
    """150 recordings with one title tie on score; their order changes between pages (as on
    MusicBrainz), so two pages repeat some hits: the client gives each recording once."""
    for _ in range(150):
        catalogue.recording("Same Song")
    sandbox, client = serve(catalogue)
    pages = [
        httpx.get(
            f"{sandbox.url}/ws/2/recording",
            params={
                "query": 'recording:"Same Song"',
                "limit": "100",
                "offset": offset,
                "fmt": "json",
            },
            headers=USER_AGENT,
        ).json()["recordings"]
        for offset in ("0", "100")
    ]
    assert {hit["id"] for hit in pages[0]} & {hit["id"] for hit in pages[1]}
    hits = client.search_recordings(["Same Song"], ARTIST)
    ids = [hit["id"] for hit in hits]
    assert len(ids) == len(set(ids))
