"""Spotify requests of the three catalogue stages next to the unavoidable requests and to a
naive client, on the whole sample catalogue and the Spotify sandbox (development mode), in one
run.

    .venv/bin/python -m benchmarks.spotify_requests      (from the repository root)

Every artist of the sample catalogue with releases of its own is discovered by name, then
artist_discovery, album_discovery and track_discovery each run as one draining worker. The
sandbox counts the requests it served. The unavoidable count is, per artist, a search and
GET /artists/{id}, one artist-albums page per 10 albums listed (at least one), one album call
per stored album. The naive client makes those and one track call per stored track
(what a client asking `GET /tracks/{id}` for every track makes). The pipeline's count is
everything it sent: search, albums, the extended-quota probe and the token requests (one
token shared by every process through PostgreSQL). It must stay within 1.2 x the unavoidable
count (exit 1 otherwise).

Uses a new database on the server of DATABASE_URL when set (created and dropped), else a
throwaway cluster like the tests'.
"""

from __future__ import annotations

import argparse
import math
from collections import Counter

import psycopg
from producer_discovery.workers import album_discovery, artist_discovery, track_discovery

from producer_discovery.db.scratch import scratch_database
from producer_discovery.logging import configure
from producer_discovery.sandbox.spotify import SpotifySandbox
from producer_discovery.settings import Settings
from producer_discovery.sources import registered_sources
from tests.support.sandboxes import Sandboxes
from tests.support.settings import sandbox_settings
from tests.support.stages import drain_stage

STAGES = (artist_discovery, album_discovery, track_discovery)
PLACEHOLDER_ARTISTS = {"Various Artists"}
PAGE_SIZE = 10
BUDGET_RATIO = 1.2  # the budget: Spotify <= 1.2 x the unavoidable requests


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


def unavoidable_requests(
    url: str, sandbox: SpotifySandbox, include_groups: str, market: str = ""
) -> Counter[str]:
    """Search and artist per stored artist, one artist-albums page per 10 listed albums (at
    least one; listed in `market`, as the stage asks), one album call per stored album."""
    groups = set(include_groups.split(","))
    with psycopg.connect(url) as conn:
        artist_ids = [row[0] for row in conn.execute("SELECT spotify_id FROM artists")]
        albums = conn.execute("SELECT count(*) FROM albums").fetchone()
    listed = [
        len(sandbox.catalogue.discography(artist_id, groups, market or None))
        for artist_id in artist_ids
    ]
    return Counter(
        {
            "search": len(artist_ids),
            "artist": len(artist_ids),
            "artist_albums": sum(max(1, math.ceil(count / PAGE_SIZE)) for count in listed),
            "album": albums[0] if albums else 0,
        }
    )


def naive_requests(unavoidable: Counter[str], tracks: int) -> Counter[str]:
    """The unavoidable requests and one track call per stored track."""
    return unavoidable + Counter({"track": tracks})


def stored_counts(url: str) -> tuple[int, int, int, int]:
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT (SELECT count(*) FROM artists), (SELECT count(*) FROM albums), "
            "(SELECT count(*) FROM tracks), (SELECT count(*) FROM normalized_tracks)"
        ).fetchone()
    assert row is not None
    return row[0], row[1], row[2], row[3]


def report(
    stored: tuple[int, int, int, int], ours: Counter[str], unavoidable: Counter[str]
) -> tuple[list[str], float]:
    artists, albums, tracks, songs = stored
    naive = naive_requests(unavoidable, tracks)
    rows = (("unavoidable", unavoidable), ("naive", naive), ("pipeline", ours))

    def breakdown(counts: Counter[str]) -> str:
        return ", ".join(f"{endpoint} {count}" for endpoint, count in sorted(counts.items()))

    lines = [
        f"stored: {artists} artists, {albums} albums, {tracks} tracks, {songs} songs",
        f"{'client':<16}{'requests':>10}{'/track':>9}  endpoints",
    ]
    lines += [
        f"{name:<16}{counts.total():>10}{counts.total() / tracks:>9.3f}  {breakdown(counts)}"
        for name, counts in rows
    ]
    ratio = ours.total() / unavoidable.total()
    verdict = "within" if ratio <= BUDGET_RATIO else "OVER"
    lines += [
        (
            f"pipeline / unavoidable: {ratio:.2f} ({verdict} the {BUDGET_RATIO} budget; "
            f"token requests included: {ours['token']})"
        ),
        f"naive / pipeline: {naive.total() / ours.total():.1f}x",
    ]
    return lines, ratio


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument(
        "--artists",
        type=int,
        default=0,
        help="a generated catalogue of N artists (3-200); default: the sample",
    )
    arguments = options.parse_args()
    configure("json", level=40)
    with (
        Sandboxes(catalogue_artists=arguments.artists) as sandboxes,
        scratch_database(registered_sources()) as url,
    ):
        sandbox = sandboxes.spotify
        # counts do not depend on the rate
        settings = sandbox_settings(sandboxes, url, fast=True, worker_concurrency=4)
        run_pipeline(url, settings, artists_with_releases(sandbox))
        ours = Counter(sandbox.requests)
        unavoidable = unavoidable_requests(
            url, sandbox, settings.album_include_groups, settings.spotify_market
        )
        lines, ratio = report(stored_counts(url), ours, unavoidable)
    catalogue = f"generated, {arguments.artists} artists" if arguments.artists else "the sample"
    print(f"catalogue: {catalogue}")
    print("\n".join(lines))
    if ratio > BUDGET_RATIO:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
