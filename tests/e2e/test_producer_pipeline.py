"""Producer identification end to end: the whole sample catalogue, two CLI worker processes
(`producer-discovery worker producer_identification --drain`) sharing MusicBrainz' real
1 request/second, the credit sandboxes over HTTP, compared with the catalogue's `_expected`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from producer_discovery.sandbox.catalogue_seed import SPOTIFY_CATALOGUE, seed_catalogue
from producer_discovery.sandbox.credits_data import load_credits
from producer_discovery.sandbox.musicbrainz import MusicBrainzSandbox
from tests.conftest import Server
from tests.support.sandboxes import Sandboxes
from tests.support.settings import environment_of, sandbox_settings
from tests.support.stages import send_messages

pytestmark = pytest.mark.slow  # processes: more than ~3 s each

ROOT = Path(__file__).resolve().parents[2]
QUEUE = "producer_identification"
WORKERS = 2
EXPECTED: dict[str, Any] = load_credits()["_expected"]
ISRC_OF_TRACK = {
    track["id"]: track["isrc"]
    for album in json.loads(SPOTIFY_CATALOGUE.read_text(encoding="utf-8"))["albums"]
    for track in album["tracks"]
}
SOURCE_ID_FIELDS = {
    "genius": "genius_artist_id",
    "musicbrainz": "musicbrainz_id",
    "discogs": "discogs_id",
}


@dataclass
class PipelineRun:
    url: str
    messages: list[dict[str, str]]
    musicbrainz: MusicBrainzSandbox
    exit_codes: list[int]
    logs: list[str]
    seconds: float

    def rows(self, statement: str, parameters: Any = None) -> list[dict[str, Any]]:
        with psycopg.connect(self.url, autocommit=True, row_factory=dict_row) as conn:
            return conn.execute(statement, parameters).fetchall()


def worker_environment(url: str, sandboxes: Sandboxes) -> dict[str, str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("GENIUS_", "DISCOGS_", "MUSICBRAINZ_", "SPOTIFY_"))
    }
    settings = sandbox_settings(
        sandboxes,
        url,
        instagram=False,
        log_format="json",
        worker_concurrency=4,
        poll_interval_seconds=0.5,
        retry_base_seconds=0.5,
        retry_cap_seconds=5,
        genius_requests_per_second=50,
        discogs_requests_per_minute=600,
        spotify_requests_per_second=20,
    )
    return environment | environment_of(settings)


def run_workers(environment: dict[str, str], logs: Path) -> tuple[list[int], list[str]]:
    """Two draining CLI workers at once, output to files; their exit codes and logs."""
    command = [sys.executable, "-m", "producer_discovery", "worker", QUEUE, "--drain"]
    paths = [logs / f"worker-{number}.log" for number in range(WORKERS)]
    processes = []
    for path in paths:
        with path.open("w") as output:
            processes.append(
                subprocess.Popen(
                    command, cwd=ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT
                )
            )
    try:
        codes = [process.wait(timeout=300) for process in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
    return codes, [path.read_text() for path in paths]


@pytest.fixture(scope="module")
def pipeline(
    pg_server: Server, template_database: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PipelineRun]:
    name = f"pd_pipeline_{uuid.uuid4().hex[:10]}"
    janitor = pg_server.janitor(name, template=template_database)
    janitor.init()
    url = pg_server.url(name)
    try:  # MusicBrainz at its real limit: 1 request/second
        with Sandboxes(discogs_requests_per_minute=1200) as sandboxes:
            with psycopg.connect(url, autocommit=True) as conn:
                messages = seed_catalogue(conn)
            send_messages(url, QUEUE, messages)
            environment = worker_environment(url, sandboxes)
            started = time.monotonic()
            codes, logs = run_workers(environment, tmp_path_factory.mktemp("producer-workers"))
            seconds = time.monotonic() - started
            yield PipelineRun(url, messages, sandboxes.musicbrainz, codes, logs, seconds)
    finally:
        janitor.drop()


# What the pipeline stored, in the catalogue's terms ----------------------------------------
def expected_key_by_source_id() -> dict[tuple[str, str], str]:
    return {
        (source, str(producer[field])): key
        for key, producer in EXPECTED["producers"].items()
        for source, field in SOURCE_ID_FIELDS.items()
        if producer.get(field) is not None
    }


def producer_keys(run: PipelineRun) -> dict[str, str]:
    """Each stored producer's key in `_expected`: by its source ids, else by its name."""
    by_id = expected_key_by_source_id()
    keys: dict[str, set[str]] = defaultdict(set)
    for row in run.rows(
        "SELECT producer_id::TEXT AS id, source, source_id FROM producer_source_ids"
    ):
        keys[row["id"]].add(by_id.get((row["source"], row["source_id"]), "?"))
    for row in run.rows("SELECT id::TEXT AS id, normalized_name FROM producers"):
        if row["id"] not in keys:
            keys[row["id"]] = {
                key
                for key, producer in EXPECTED["producers"].items()
                if producer["normalized_name"] == row["normalized_name"]
            } or {"?"}
    assert all(len(found) == 1 for found in keys.values()), f"producers mixing people: {keys}"
    return {producer_id: next(iter(found)) for producer_id, found in keys.items()}


def seeded_songs(run: PipelineRun) -> list[dict[str, Any]]:
    isrcs = {
        ISRC_OF_TRACK[row["spotify_id"]]
        for row in run.rows(
            "SELECT t.spotify_id FROM normalized_tracks nt "
            "JOIN tracks t ON t.id = nt.representative_track_id"
        )
    }
    return [song for song in EXPECTED["songs"] if song["isrc"] in isrcs]


def found_credits(run: PipelineRun) -> set[tuple[str, str]]:
    """(song ISRC, expected producer key) for every stored credit."""
    keys = producer_keys(run)
    return {
        (ISRC_OF_TRACK[row["spotify_id"]], keys[row["producer_id"]])
        for row in run.rows(
            "SELECT t.spotify_id, tp.producer_id::TEXT AS producer_id "
            "FROM track_producers tp JOIN tracks t ON t.id = tp.track_id"
        )
    }


# Tests -------------------------------------------------------------------------------------
def test_both_workers_drain_the_queue_and_exit_zero(pipeline: PipelineRun) -> None:
    """Every song is identified once, by one of the two processes; none is dead-lettered."""
    assert pipeline.exit_codes == [0] * WORKERS, pipeline.logs
    states = pipeline.rows("SELECT state, count(*) AS n FROM processing_status GROUP BY state")
    assert states == [{"state": "COMPLETED", "n": len(pipeline.messages)}]
    assert pipeline.rows("SELECT count(*) AS n FROM pgmq.q_producer_identification_dlq") == [
        {"n": 0}
    ]
    for log in pipeline.logs:
        assert '"message_processed"' in log
    print(
        f"\n{len(pipeline.messages)} songs identified by {WORKERS} processes "
        f"in {pipeline.seconds:.1f} s"
    )


def test_every_credited_producer_of_the_sample_is_found_and_nobody_else(
    pipeline: PipelineRun,
) -> None:
    """Recall and precision against `_expected` are both 1: no producer missed, none invented."""
    songs = seeded_songs(pipeline)
    assert {song["title"] for song in songs} >= {"Neon Cathedral", "Glass Houses", "Corridor's End"}
    expected = {(song["isrc"], key) for song in songs for key in song["producers"]}
    found = found_credits(pipeline)
    right = found & expected
    precision, recall = len(right) / len(found), len(right) / len(expected)
    print(
        f"\nproducer credits: {len(expected)} expected, {len(found)} found, {len(right)} right; "
        f"precision {precision:.3f}, recall {recall:.3f}"
    )
    assert sorted(expected - found) == []
    assert sorted(found - expected) == []
    assert precision == recall == 1.0


def test_musicbrainz_at_one_request_per_second_never_refuses_two_processes(
    pipeline: PipelineRun,
) -> None:
    """The shared limit keeps both processes under MusicBrainz' 1/s: not one 503."""
    assert pipeline.musicbrainz.total > 0
    assert dict(pipeline.musicbrainz.rejected) == {}
    print(
        f"\nMusicBrainz: {pipeline.musicbrainz.total} requests "
        f"({dict(pipeline.musicbrainz.requests)}), none refused"
    )


def test_producer_popularity_counts_tracks_and_artists(pipeline: PipelineRun) -> None:
    """producer_popularity gives each producer the songs and artists the catalogue says."""
    songs = seeded_songs(pipeline)
    expected: dict[str, tuple[int, int]] = {}
    for key in {key for song in songs for key in song["producers"]}:
        produced = [song for song in songs if key in song["producers"]]
        expected[key] = (len(produced), len({song["artist"] for song in produced}))
    keys = producer_keys(pipeline)
    popularity = {
        keys[str(row["id"])]: (row["track_count"], row["artist_count"])
        for row in pipeline.rows("SELECT * FROM producer_popularity")
    }
    assert popularity == expected
    assert popularity["sam-rivers"] == expected["sam-rivers"]
    assert expected["sam-rivers"][1] == 2


def test_each_producer_is_sent_to_social_enrichment_exactly_once(pipeline: PipelineRun) -> None:
    """Two processes crediting the same people still queue each producer once."""
    sent = [
        row["message"]["producerId"]
        for row in pipeline.rows("SELECT message FROM pgmq.q_social_enrichment")
    ]
    producers = [str(row["id"]) for row in pipeline.rows("SELECT id FROM producers")]
    assert sorted(sent) == sorted(producers)
