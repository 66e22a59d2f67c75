"""Server-side render time of every page (and API answer) of `producer-discovery web` on a
synthetic 50-artist catalogue, next to the 200 ms budget.

    .venv/bin/python benchmarks/web_pages.py [--artists 50] [--requests 30]

Seeds 50 artists × 4 albums × 10 tracks (2,000 tracks, 120 producers, 1–3 credits a track,
evidence per source), 24 hours of pipeline history (finished messages, API calls, worker
issues, queue monitor checks; API calls rolled up hourly as pg_cron does) and 20 dead letters, then requests each page in-process (the
ASGI app, its SQL functions and the Jinja rendering; no network) and prints median and max
milliseconds per page side by side. Uses a scratch database on DATABASE_URL's server when
set, else on a throwaway cluster. Exit 1 when a page's median is over budget.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import psycopg
from fastapi.testclient import TestClient
from psycopg.rows import dict_row
from pydantic import SecretStr

from producer_discovery.db.scratch import scratch_database
from producer_discovery.sandbox.web_catalogue import seed_dead_letter, seed_web_catalogue, synthetic
from producer_discovery.settings import Settings
from producer_discovery.sources import registered_sources
from producer_discovery.web.app import create_app

BUDGET_MS = 200.0
TOKEN = "benchmark-operator-token-of-32-characters-or-more"

HISTORY = """
INSERT INTO idempotency.processed_operations (key, queue_name, msg_id, processed_at)
SELECT 'bench-' || n, (ARRAY['artist_discovery','album_discovery','track_discovery',
        'producer_identification','social_enrichment'])[1 + n % 5], n,
       now() - make_interval(secs => (n * 7) % 86400)
FROM generate_series(1, 20000) n;
INSERT INTO monitoring.pipeline_metrics (metric_name, metric_value, tags, timestamp)
SELECT 'api_call', 50 + n % 400,
       jsonb_build_object('api', (ARRAY['spotify','genius','musicbrainz','discogs'])[1 + n % 4],
                          'success', CASE WHEN n % 37 = 0 THEN 'false' ELSE 'true' END),
       now() - make_interval(secs => (n * 11) % 86400)
FROM generate_series(1, 40000) n;
INSERT INTO public.monitoring_events (event_type, details, created_at)
SELECT 'queue_monitor', jsonb_build_object('queue_name', q, 'totalMessagesInQueues', (h * 13) % 90,
                                           'totalStuckMessages', 0, 'messagesFixed', 0),
       now() - make_interval(hours => h)
FROM generate_series(0, 23) h, unnest(ARRAY['artist_discovery','album_discovery','track_discovery',
                                            'producer_identification','social_enrichment']) q;
"""


def measure(client: TestClient, path: str, requests: int, headers: dict[str, str]) -> list[float]:
    client.get(path, headers=headers)  # warm: the pool, the plan cache, the template cache
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(path, headers=headers)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--artists", type=int, default=50)
    parser.add_argument("--requests", type=int, default=30)
    arguments = parser.parse_args()
    with scratch_database(registered_sources()) as url:
        started = time.perf_counter()
        with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
            ids = seed_web_catalogue(conn, synthetic(arguments.artists))
            conn.execute(HISTORY)
            conn.execute(
                "SELECT monitoring.aggregate_hourly_metrics(24)"
            )  # what pg_cron does hourly
            for number in range(20):
                seed_dead_letter(conn, f"Lost Artist {number}")
            conn.execute("ANALYZE")
            counts = conn.execute(
                "SELECT (SELECT count(*) FROM tracks) AS tracks, (SELECT count(*) FROM producers) AS producers,"
                " (SELECT count(*) FROM track_producers) AS credits"
            ).fetchone()
            top = conn.execute("SELECT id::TEXT AS id FROM producer_leaderboard(1)").fetchone()
        assert counts is not None
        assert top is not None
        print(
            f"seeded {arguments.artists} artists, {counts['tracks']} tracks, {counts['producers']} producers, "
            f"{counts['credits']} credits in {time.perf_counter() - started:.1f}s",
            file=sys.stderr,
        )
        artist = next(name for name in ids if name.startswith("Artist 00"))
        operator = {"Authorization": f"Bearer {TOKEN}"}
        pages = [
            ("/ (leaderboard)", "/", {}),
            ("/?q= (search, typo)", "/?q=artst%2007%20fjrd", {}),
            ("/artists/{id} (40 tracks)", f"/artists/{ids[artist]}", {}),
            ("/producers/{id} (most credited)", f"/producers/{top['id']}", {}),
            ("/producers/{id} as operator", f"/producers/{top['id']}", operator),
            ("/dashboard", "/dashboard", {}),
            ("/api/search", "/api/search?q=producer%20amber", {}),
            ("/api/artists/{id}", f"/api/artists/{ids[artist]}", {}),
            ("/api/producers?limit=50", "/api/producers?limit=50", {}),
            ("/api/producers/{id}", f"/api/producers/{top['id']}", {}),
            ("/api/pipeline", "/api/pipeline", {}),
        ]
        app = create_app(Settings(web_operator_token=SecretStr(TOKEN)), url)
        over = 0
        with TestClient(app) as client:
            print(f"{'page':34} {'median ms':>10} {'max ms':>9} {'budget':>8}  verdict")
            for label, path, headers in pages:
                timings = measure(client, path, arguments.requests, headers)
                median = statistics.median(timings)
                verdict = "ok" if median <= BUDGET_MS else "OVER"
                over += verdict == "OVER"
                print(f"{label:34} {median:10.1f} {max(timings):9.1f} {BUDGET_MS:8.0f}  {verdict}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
