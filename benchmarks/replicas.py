"""Throughput of 1, 2 and 4 worker processes per stage, side by side in one run, with every
API's request rate next to its budget and the requests the sandboxes refused for breaking a
limit (the shared limits must hold across processes).

    .venv/bin/python -m benchmarks.replicas [--artists 200] [--seconds 45] [--replicas 1 2 4]

On a generated catalogue of `--artists` artists (sandbox/synthetic.py), two pipelines, each on
a fresh database per replica count, run by the real supervisor (that many `producer-discovery
worker STAGE` processes per stage, 2 messages at once each) for `--seconds`:
- discovery: the three Spotify stages from every artist queued (`start_artist_discovery`);
- identification: producer_identification from every song of the catalogue, seeded as the
  discovery stages leave them (it needs MusicBrainz, Discogs, Genius, and Spotify for ISRCs).
Printed: messages finished (archived) a second per stage, each API's requests a second next to
its budget, and the requests refused for a broken limit. Throughput grows with replicas until
an API's budget binds; then it stays flat however many processes there are.

The sandboxes keep the providers' real limits; our own caps for Spotify and Genius (which
publish no fixed rate) are raised to 20/s so that they bind late.

Uses new databases on the server of DATABASE_URL when set (created and dropped), else a
throwaway cluster like the tests'.
"""

from __future__ import annotations

import argparse
import threading
import time
from collections import Counter

import psycopg
from psycopg import sql

from producer_discovery.db.scratch import scratch_database
from producer_discovery.logging import configure
from producer_discovery.runtime.supervisor import Supervisor
from producer_discovery.sandbox.catalogue_seed import seed_catalogue
from producer_discovery.settings import Settings
from producer_discovery.sources import registered_sources
from tests.support.roles import login_url
from tests.support.sandboxes import Sandboxes
from tests.support.stages import send_messages

CONCURRENCY = 2
# Spotify and Genius publish no fixed rate: our own caps are raised here so that the limits
# the providers do publish (MusicBrainz 1/s, Discogs 60/min) are the budgets that bind.
RAISED_CAPS = {"SPOTIFY_REQUESTS_PER_SECOND": "20", "GENIUS_REQUESTS_PER_SECOND": "20"}
BUDGET_PER_SECOND = {  # what all processes together may send
    "spotify": float(RAISED_CAPS["SPOTIFY_REQUESTS_PER_SECOND"]),
    "genius": float(RAISED_CAPS["GENIUS_REQUESTS_PER_SECOND"]),
    "musicbrainz": Settings.model_fields["musicbrainz_requests_per_second"].default,
    "discogs": Settings.model_fields["discogs_requests_per_minute"].default / 60,
    "instagram": Settings.model_fields["instagram_requests_per_second"].default,
}


DISCOVERY = ("artist_discovery", "album_discovery", "track_discovery")
IDENTIFICATION = ("producer_identification",)


def count_rows(conn: psycopg.Connection, table: sql.Identifier) -> int:
    row = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(table)).fetchone()
    assert row is not None
    return int(row[0])


def archived(url: str, stages: tuple[str, ...]) -> Counter[str]:
    with psycopg.connect(url, autocommit=True) as conn:
        return Counter(
            {stage: count_rows(conn, sql.Identifier("pgmq", f"a_{stage}")) for stage in stages}
        )


def run(
    sandboxes: Sandboxes, stages: tuple[str, ...], replicas: int, seconds: float
) -> tuple[Counter[str], Counter[str], dict[str, int]]:
    """Messages finished per stage, requests per API, requests refused per API. Discovery
    starts from every artist of the catalogue; identification from every song of it, seeded
    as the discovery stages leave them."""
    sandboxes.reset()
    with scratch_database(registered_sources()) as url:
        with psycopg.connect(url, autocommit=True) as conn:
            if stages == DISCOVERY:
                for name in sandboxes.catalogue.artist_names if sandboxes.catalogue else []:
                    conn.execute("SELECT start_artist_discovery(%s)", (name,))
            else:
                artists = sandboxes.catalogue.artist_names if sandboxes.catalogue else []
                messages = seed_catalogue(conn, artists, catalogue_path=sandboxes.spotify_catalogue)
                send_messages(url, "producer_identification", messages)
        supervisor = Supervisor(
            login_url(url, "discovery_worker"),
            stages=tuple(stage for stage in stages for _ in range(replicas)),
            extra_arguments=["--concurrency", str(CONCURRENCY)],
            environment={**sandboxes.variables(), **RAISED_CAPS, "LOG_LEVEL": "error"},
        )
        thread = threading.Thread(target=supervisor.run, daemon=True)
        thread.start()
        time.sleep(seconds)
        finished, requests = archived(url, stages), sandboxes.requests()
        supervisor.stopping = True
        thread.join(timeout=120)
    return finished, requests, sandboxes.rejected()


def table(
    title: str,
    stages: tuple[str, ...],
    counts: list[int],
    seconds: float,
    results: dict[int, tuple[Counter[str], Counter[str], dict[str, int]]],
) -> list[str]:
    header = "".join(f"{f'{r} per stage':>14}" for r in counts)
    lines = [f"\n{title}", f"{'messages/s':<26}{header}"]
    lines.extend(
        f"{stage:<26}" + "".join(f"{results[r][0][stage] / seconds:>14.2f}" for r in counts)
        for stage in stages
    )
    lines.append(f"{'API requests/s (budget)':<26}{header}")
    for api, budget in BUDGET_PER_SECOND.items():
        lines.append(
            f"{f'{api} ({budget:g}/s)':<26}"
            + "".join(f"{results[r][1][api] / seconds:>14.2f}" for r in counts)
        )
    lines.append(
        f"{'refused for a broken limit':<26}"
        + "".join(
            f"{', '.join(f'{api} {n}' for api, n in results[r][2].items() if n) or '0':>14}"
            for r in counts
        )
    )
    return lines


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--artists", type=int, default=200)
    options.add_argument("--seconds", type=float, default=45.0)
    options.add_argument("--replicas", type=int, nargs="+", default=[1, 2, 4])
    arguments = options.parse_args()
    configure("json", level=40)
    counts, seconds = arguments.replicas, arguments.seconds
    lines = [
        (
            f"{arguments.artists} generated artists, {seconds:g} s per run, {CONCURRENCY} "
            "messages at once per process"
        )
    ]
    with Sandboxes(catalogue_artists=arguments.artists) as sandboxes:
        for title, stages in (
            ("discovery (Spotify)", DISCOVERY),
            ("identification (MusicBrainz, Discogs, Genius)", IDENTIFICATION),
        ):
            results = {}
            for replicas in counts:
                results[replicas] = run(sandboxes, stages, replicas, seconds)
                print(f"{title}: {replicas} replica(s) done", flush=True)
            lines += table(title, stages, counts, seconds, results)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
