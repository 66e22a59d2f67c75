"""`producer-discovery worker social_enrichment --drain` as a process, after the producer
stage (its rows seeded from the catalogue's truth), against the sandboxes over real HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_social_enrichment import (
    COLUMNS,
    EXPECTED,
    MAX_ATTEMPTS,
    producers_by_key,
    queue_length,
    requeue,
    seed_producers,
    send_enrichment,
    stage_settings,
    with_source_ids,
)
from tests.support.database import rows
from tests.support.sandboxes import Sandboxes
from tests.support.settings import environment_of

ROOT = Path(__file__).resolve().parents[2]
SETTING_PREFIXES = (
    "DATABASE_URL",
    "GENIUS_",
    "MUSICBRAINZ_",
    "DISCOGS_",
    "INSTAGRAM_",
    "MAX_ATTEMPTS",
    "RETRY_",
    "WORKER_",
    "VISIBILITY_",
    "POLL_",
    "LOG_",
)


pytestmark = [
    pytest.mark.slow,  # processes: more than ~3 s each
    pytest.mark.sandboxes(musicbrainz_requests_per_second=50, discogs_requests_per_minute=1000),
]


class Cli:
    """Runs the stage's CLI to completion, its output in a file (never an unread pipe)."""

    def __init__(self, url: str, sandboxes: Sandboxes, logs: Path) -> None:
        self.url = url
        self.sandboxes = sandboxes
        self.logs = logs
        self.runs = 0

    def drain(self, *, instagram: bool = True) -> None:
        inherited = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith(SETTING_PREFIXES)
        }
        settings = stage_settings(self.sandboxes, self.url, instagram=instagram)
        environment = inherited | environment_of(settings)
        log_path = self.logs / f"social_enrichment-{self.runs}.log"
        self.runs += 1
        with log_path.open("w") as log:
            process = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "producer_discovery",
                    "worker",
                    "social_enrichment",
                    "--drain",
                    "--max-attempts",
                    str(MAX_ATTEMPTS),
                ],
                cwd=ROOT,
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                timeout=120,
                check=False,
            )
        assert process.returncode == 0, log_path.read_text()[-3000:]


@pytest.fixture
def cli(database_url: str, sandboxes: Sandboxes, tmp_path: Path) -> Cli:
    return Cli(database_url, sandboxes, tmp_path)


def artist_requests(sandboxes: Sandboxes) -> dict[str, int]:
    return {
        "genius": sandboxes.genius.requests["artists"],
        "musicbrainz": sandboxes.musicbrainz.requests["artist"],
        "discogs": sandboxes.discogs.requests["artists"],
        "instagram": sandboxes.instagram.requests["business_discovery"],
    }


def assert_profiles_match_the_catalogue(producers: dict[str, dict[str, Any]]) -> None:
    for key, row in producers.items():
        expected = EXPECTED[key]
        assert row["instagram_handle"] == expected["instagram_handle"], key
        assert row["image_url"] == expected["image_url"], key
        assert row["email"] == expected["email"], key
        assert row["enriched_at"] is not None, key
        assert row["enrichment_failed"] is False, key
        social = row["metadata"]["social"]
        for column in COLUMNS:
            if row[column] is not None:
                assert social[column]["value"] == row[column], key
                assert social[column]["seen_at"], key


def test_pipeline_enriches_every_producer_once(
    database_url: str, sandboxes: Sandboxes, cli: Cli
) -> None:
    """Every producer gets its handle, real image, public e-mail and provenance; each profile is fetched once."""
    ids = seed_producers(database_url)
    send_enrichment(database_url, [*ids.values(), *ids.values()])  # identification sent some twice
    cli.drain()
    producers = producers_by_key(database_url, ids)
    assert_profiles_match_the_catalogue(producers)
    handles = [key for key, expected in EXPECTED.items() if expected["instagram_handle"]]
    once_each = {
        "genius": len(with_source_ids(EXPECTED, "genius_artist_id")),
        "musicbrainz": len(with_source_ids(EXPECTED, "musicbrainz_id")),
        "discogs": len(with_source_ids(EXPECTED, "discogs_id")),
        "instagram": len(handles),
    }
    assert artist_requests(sandboxes) == once_each
    send_enrichment(database_url, ids.values())  # the same messages again, later
    cli.drain()
    assert artist_requests(sandboxes) == once_each
    assert queue_length(database_url) == 0


def test_failing_source_marks_one_producer_and_the_refresh_run_fixes_it(
    database_url: str, sandboxes: Sandboxes, cli: Cli
) -> None:
    """MusicBrainz failing for one producer until attempts run out: only it is failed; a refresh run fixes it."""
    ids = seed_producers(database_url)
    hana = EXPECTED["hana-sato"]
    sandboxes.musicbrainz.faults.fail_paths = f"^/ws/2/artist/{hana['musicbrainz_id']}$"
    send_enrichment(database_url, ids.values())
    cli.drain(instagram=False)
    producers = producers_by_key(database_url, ids)
    failed = producers.pop("hana-sato")
    assert failed["enrichment_failed"] is True
    assert failed["enriched_at"] is not None
    assert failed["instagram_handle"] is None  # its only handle is on MusicBrainz
    assert failed["image_url"] == hana["image_url"]  # Genius answered
    assert all(row["enrichment_failed"] is False for row in producers.values())
    assert rows(database_url, "SELECT count(*) AS n FROM dlq_messages")[0]["n"] == 0

    sandboxes.reset()
    assert requeue(database_url) == {ids["hana-sato"]: "failed"}
    cli.drain(instagram=False)
    fixed = producers_by_key(database_url, ids)["hana-sato"]
    assert fixed["enrichment_failed"] is False
    assert fixed["instagram_handle"] == hana["instagram_handle"]
    assert artist_requests(sandboxes) == {
        "genius": 1,
        "musicbrainz": 1,
        "discogs": 1,
        "instagram": 0,
    }
