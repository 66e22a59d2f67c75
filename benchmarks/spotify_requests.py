"""Spotify requests per stored track: the three catalogue stages next to a naive client, on
the whole sample catalogue and the Spotify sandbox (development mode), in one run.

    .venv/bin/python -m benchmarks.spotify_requests      (from the repository root)

Every artist of the sample catalogue with releases of its own is discovered by name, then
artist_discovery, album_discovery and track_discovery each run as one draining worker. The
sandbox counts the requests it served. The naive client is the count the issue names for the
same rows: one artist-albums page per 10 albums listed, one album call per stored album and
one track call per stored track (what a client asking `GET /tracks/{id}` for every track
makes). The pipeline's count includes everything it sent — search, artist, the extended-quota
probe — except token requests (one per process, not per track), shown apart.

Uses a new database on the server of DATABASE_URL when set (created and dropped), else a
throwaway cluster like the tests'.
"""

from __future__ import annotations

import math
from collections import Counter

import psycopg

from producer_discovery.db.scratch import scratch_database
from producer_discovery.logging import configure
from producer_discovery.sandbox.spotify import SpotifySandbox
from producer_discovery.settings import Settings
from producer_discovery.workers import album_discovery, artist_discovery, track_discovery
from tests.support.sandboxes import Sandboxes
from tests.support.settings import sandbox_settings
from tests.support.stages import drain_stage

STAGES = (artist_discovery, album_discovery, track_discovery)
PLACEHOLDER_ARTISTS = {"Various Artists"}
PAGE_SIZE = 10


def artists_with_releases(sandbox: SpotifySandbox) -> list[str]:
    catalogue = sandbox.catalogue
    primary = {album.artist_ids[0] for album in catalogue.albums.values()}
    names = [catalogue.artists[artist_id].name for artist_id in primary]
    return sorted(name for name in names if name not in PLACEHOLDER_ARTISTS)


def run_pipeline(url: str, settings: Settings, names: list[str]) -> None:
    """Queue the names, then drain each stage in turn with one worker."""
    with psycopg.connect(url, autocommit=True) as conn:
        for name in names:
            conn.execute("SELECT start_artist_discovery(%s)", (name,))
    for module in STAGES:
        drain_stage(settings, module.QUEUE, module.build, timeout=None)


def naive_requests(url: str, sandbox: SpotifySandbox, include_groups: str) -> Counter[str]:
    """One artist-albums page per 10 listed albums, one album and one track call per row."""
    groups = set(include_groups.split(","))
    with psycopg.connect(url) as conn:
        artist_ids = [row[0] for row in conn.execute("SELECT spotify_id FROM artists")]
        albums = conn.execute("SELECT count(*) FROM albums").fetchone()
        tracks = conn.execute("SELECT count(*) FROM tracks").fetchone()
    listed = [len(sandbox.catalogue.discography(artist_id, groups)) for artist_id in artist_ids]
    return Counter({
        "artist_albums": sum(math.ceil(count / PAGE_SIZE) for count in listed),
        "album": albums[0] if albums else 0,
        "track": tracks[0] if tracks else 0,
    })


def stored_counts(url: str) -> tuple[int, int, int, int]:
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT (SELECT count(*) FROM artists), (SELECT count(*) FROM albums), "
            "(SELECT count(*) FROM tracks), (SELECT count(*) FROM normalized_tracks)"
        ).fetchone()
    assert row is not None
    return row[0], row[1], row[2], row[3]


def report(stored: tuple[int, int, int, int], ours: Counter[str], naive: Counter[str]) -> list[str]:
    artists, albums, tracks, songs = stored
    ours_total = sum(count for endpoint, count in ours.items() if endpoint != "token")
    naive_total = sum(naive.values())

    def breakdown(counts: Counter[str]) -> str:
        return ", ".join(f"{endpoint} {count}" for endpoint, count in sorted(counts.items()))

    return [
        f"stored: {artists} artists, {albums} albums, {tracks} tracks, {songs} songs",
        f"{'client':<16}{'requests':>10}{'/track':>9}  endpoints",
        f"{'naive':<16}{naive_total:>10}{naive_total / tracks:>9.3f}  {breakdown(naive)}",
        f"{'pipeline':<16}{ours_total:>10}{ours_total / tracks:>9.3f}  {breakdown(ours)}",
        (f"ratio (naive / pipeline): {naive_total / ours_total:.1f}x "
         f"(token requests, {ours['token']}, left out)"),
    ]


def main() -> None:
    configure("json", level=40)
    with Sandboxes() as sandboxes, scratch_database() as url:
        sandbox = sandboxes.spotify
        # counts do not depend on the rate
        settings = sandbox_settings(sandboxes, url, fast=True, worker_concurrency=4)
        run_pipeline(url, settings, artists_with_releases(sandbox))
        ours = Counter(sandbox.requests)
        naive = naive_requests(url, sandbox, settings.album_include_groups)
        lines = report(stored_counts(url), ours, naive)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
