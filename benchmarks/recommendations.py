"""Time of `recommended_producers(artist_id, max)` on a generated 200-artist catalogue, next to
the 100 ms budget, in SQL and through the web API.

    .venv/bin/python -m benchmarks.recommendations [--artists 200] [--requests 20]

Seeds 200 artists × 4 albums × 10 tracks (8,000 tracks, 120 producers, 1–3 credits a track,
evidence per source; every artist in the same genre, so every other artist is a neighbour:
the worst case) straight into a scratch database (`sandbox.web_catalogue.synthetic`), then
asks for the 10 best producers of 20 artists spread over the catalogue, `--requests` times
each, and prints the median and the slowest call in milliseconds. Uses a scratch database on
DATABASE_URL's server when set, else on a throwaway cluster. Exit 1 when a median is over
budget.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import psycopg
from fastapi.testclient import TestClient
from psycopg.rows import dict_row

from producer_discovery.db.scratch import scratch_database
from producer_discovery.sandbox.web_catalogue import seed_web_catalogue, synthetic
from producer_discovery.settings import Settings
from producer_discovery.sources import registered_sources
from producer_discovery.web.app import create_app

BUDGET_MS = 100.0


def timed(call: object, times: int) -> list[float]:
    assert callable(call)
    call()  # warm: the plan cache, the pool
    timings = []
    for _ in range(times):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--artists", type=int, default=200)
    parser.add_argument("--requests", type=int, default=20)
    arguments = parser.parse_args()
    with scratch_database(registered_sources()) as url:
        started = time.perf_counter()
        with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
            ids = seed_web_catalogue(conn, synthetic(arguments.artists))
            conn.execute("ANALYZE")
            counts = conn.execute(
                "SELECT (SELECT count(*) FROM tracks) AS tracks,"
                " (SELECT count(*) FROM producers) AS producers,"
                " (SELECT count(*) FROM track_producers) AS credits"
            ).fetchone()
            assert counts is not None
            print(
                f"seeded {arguments.artists} artists, {counts['tracks']} tracks, "
                f"{counts['producers']} producers, {counts['credits']} credits "
                f"in {time.perf_counter() - started:.1f}s",
                file=sys.stderr,
            )
            artists = [ids[name] for name in ids if name.startswith("Artist ")]
            chosen = artists[:: max(1, len(artists) // 20)][:20]
            sql_timings: list[float] = []
            found: list[int] = []
            for artist_id in chosen:

                def ask(artist_id: str = artist_id) -> None:
                    rows = conn.execute(
                        "SELECT * FROM public.recommended_producers(%s::UUID, 10)", (artist_id,)
                    ).fetchall()
                    found.append(len(rows))

                sql_timings += timed(ask, arguments.requests)
        api_timings: list[float] = []
        with TestClient(create_app(Settings(), url)) as client:
            for artist_id in chosen:

                def get(artist_id: str = artist_id) -> None:
                    path = f"/api/artists/{artist_id}/recommended-producers?limit=10"
                    assert client.get(path).status_code == 200

                api_timings += timed(get, arguments.requests)
    print(f"{len(chosen)} artists, {min(found)}-{max(found)} producers recommended each")
    print(f"{'call':44} {'median ms':>10} {'max ms':>9} {'budget':>8}  verdict")
    over = 0
    for label, timings in (
        ("recommended_producers(artist, 10) in SQL", sql_timings),
        ("GET /api/artists/{id}/recommended-producers", api_timings),
    ):
        median = statistics.median(timings)
        verdict = "ok" if median <= BUDGET_MS else "OVER"
        over += verdict == "OVER"
        print(f"{label:44} {median:10.1f} {max(timings):9.1f} {BUDGET_MS:8.0f}  {verdict}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
