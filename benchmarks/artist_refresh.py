"""Spotify requests of a weekly refresh of every watched artist (nothing new, then one new
album) next to walking every artist again from scratch, and the time of one hourly
refresh_watched_artists() run over many watched artists, in one run.

    .venv/bin/python -m benchmarks.artist_refresh [--artists N] [--watched 100000]

Every artist of the catalogue with releases of its own is discovered through the three
catalogue stages; the Spotify requests of album and track discovery are a full walk. Then
every artist is made due, refresh_watched_artists() queues them all, and album and track
discovery drain: the refresh's requests. Then one new album is released and the refresh
repeated. Last, `--watched` stored artists are added and one run of the hourly job is timed
(its share: watched x 1 hour / 7 days). Uses a new database on the server of DATABASE_URL
when set (created and dropped), else a throwaway cluster like the tests'.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from collections import Counter

import psycopg
from producer_discovery.workers import album_discovery, artist_discovery, track_discovery

from producer_discovery.db.scratch import scratch_database
from producer_discovery.logging import configure
from producer_discovery.sandbox.catalogue import CatalogueAlbum
from producer_discovery.settings import Settings
from producer_discovery.sources import registered_sources
from tests.support.sandboxes import Sandboxes
from tests.support.settings import sandbox_settings
from tests.support.stages import drain_stage

PLACEHOLDER_ARTISTS = {"Various Artists"}
WALK = (album_discovery, track_discovery)


def drain(settings: Settings, *stages: object) -> None:
    for module in stages:
        drain_stage(settings, module.QUEUE, module.build, timeout=None)  # type: ignore[attr-defined]


def refresh_all(url: str, settings: Settings, sandboxes: Sandboxes) -> Counter[str]:
    """Every artist due, all refreshed at once; the Spotify requests of the refresh."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("UPDATE artists SET refreshed_at = now() - interval '8 days'")
        sandboxes.spotify.reset_counts()
        conn.execute("SELECT count(*) FROM refresh_watched_artists(100000)")
    drain(settings, *WALK)
    return Counter(sandboxes.spotify.requests)


def time_hourly_run(url: str, watched: int) -> tuple[int, float]:
    """Add `watched` due artists; (artists queued, ms) of one run of the hourly job."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT pgmq.purge_queue('album_discovery')")
        conn.execute(
            "INSERT INTO artists (name, spotify_id, created_at) "
            "SELECT 'Watched ' || n, 'bench' || n, now() - make_interval(days => 8 + mod(n, 30)) "
            "FROM generate_series(1, %s) n",
            (watched,),
        )
        conn.execute("ANALYZE artists")
        started = time.perf_counter()
        row = conn.execute("SELECT count(*) FROM refresh_watched_artists()").fetchone()
        elapsed = (time.perf_counter() - started) * 1000
    assert row is not None
    return int(row[0]), elapsed


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--artists", type=int, default=0, help="generated catalogue (3-200)")
    options.add_argument("--watched", type=int, default=100_000, help="artists for the timing")
    arguments = options.parse_args()
    configure("json", level=40)
    with (
        Sandboxes(catalogue_artists=arguments.artists) as sandboxes,
        scratch_database(registered_sources()) as url,
    ):
        settings = sandbox_settings(sandboxes, url, fast=True, worker_concurrency=4)
        catalogue = sandboxes.spotify.catalogue
        primary = {album.artist_ids[0] for album in catalogue.albums.values()}
        names = sorted(
            catalogue.artists[artist_id].name
            for artist_id in primary
            if catalogue.artists[artist_id].name not in PLACEHOLDER_ARTISTS
        )
        with psycopg.connect(url, autocommit=True) as conn:
            for name in names:
                conn.execute("SELECT start_artist_discovery(%s)", (name,))
        drain(settings, artist_discovery)
        sandboxes.spotify.reset_counts()
        drain(settings, *WALK)
        full = Counter(sandboxes.spotify.requests)
        nothing_new = refresh_all(url, settings, sandboxes)
        some_album: CatalogueAlbum = next(
            album
            for album in catalogue.albums.values()
            if album.album_type == "album"
            and catalogue.artists[album.artist_ids[0]].name not in PLACEHOLDER_ARTISTS
        )
        released = dataclasses.replace(
            some_album, id="0BenchNewA1bumXXXXXXXX", release_date="2026-12-01", tracks=()
        )
        catalogue.albums[released.id] = released
        one_new = refresh_all(url, settings, sandboxes)
        queued, milliseconds = time_hourly_run(url, arguments.watched)
        with psycopg.connect(url) as conn:
            row = conn.execute(
                "SELECT count(*), (SELECT count(*) FROM albums) FROM artists"
            ).fetchone()
    assert row is not None

    def line(name: str, counts: Counter[str]) -> str:
        parts = ", ".join(f"{endpoint} {count}" for endpoint, count in sorted(counts.items()))
        return f"{name:<26}{counts.total() - counts['token']:>9}  {parts}"

    print(
        f"catalogue: {len(names)} artists discovered ({'generated' if arguments.artists else 'the sample'})"
    )
    print(f"{'walk':<26}{'requests':>9}  endpoints (token requests not counted)")
    print(line("full re-walk", full))
    print(line("refresh, nothing new", nothing_new))
    print(line("refresh, one new album", one_new))
    ratio = (full.total() - full["token"]) / max(1, nothing_new.total() - nothing_new["token"])
    print(f"full re-walk / refresh with nothing new: {ratio:.1f}x")
    print(
        f"hourly run over {arguments.watched} watched artists: queued {queued} "
        f"(watched x 1 h / 7 days) in {milliseconds:.0f} ms"
    )


if __name__ == "__main__":
    main()
