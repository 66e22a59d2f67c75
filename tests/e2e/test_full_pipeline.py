"""The whole pipeline: the five stages as processes under `producer-discovery run --drain`,
against the sandbox APIs, on a real PostgreSQL."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from producer_discovery.runtime.supervisor import STAGES
from producer_discovery.sandbox.credits_data import CREDITS_CATALOGUE
from tests.support.database import one
from tests.support.roles import login_url
from tests.support.sandboxes import Sandboxes
from tests.support.settings import environment_of, sandbox_settings

pytestmark = pytest.mark.slow  # processes: more than ~3 s each

ROOT = Path(__file__).resolve().parents[2]
PROVIDERS = ("SPOTIFY_", "GENIUS_", "DISCOGS_", "INSTAGRAM_", "MUSICBRAINZ_")
PROFILE_PATHS = {
    "genius": r"^/artists/\d+$",
    "musicbrainz": r"^/ws/2/artist/[0-9a-f-]+$",
    "discogs": r"^/artists/\d+$",
}


def expected_producers() -> dict[str, dict[str, Any]]:
    """The producers of the two artists' own releases, by expected-producer key."""
    expected = json.loads(CREDITS_CATALOGUE.read_text())["_expected"]
    keys = {
        key
        for song in expected["songs"]
        if song["main_artist"] and song["in_artist_discography"]
        for key in song["producers"]
    }
    return {key: expected["producers"][key] for key in keys}


def cli(
    environment: dict[str, str], log: Path, *arguments: str
) -> subprocess.CompletedProcess[str]:
    with log.open("a") as errors:
        return subprocess.run(
            [sys.executable, "-m", "producer_discovery", *arguments],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
            timeout=400,
        )


@pytest.mark.timeout(600)  # about 80 s; its `run --drain` alone may take up to 400 s
def test_run_drain_takes_two_artists_to_enriched_producers(
    database_url: str, tmp_path: Path
) -> None:
    """Every queue ends empty and nothing dead-lettered; every expected producer is stored with
    its handle; no artist profile is fetched twice from any source. Discovery is started by a
    discovery_operator login and the stages run as a discovery_worker login."""
    log = tmp_path / "pipeline.log"
    with Sandboxes() as sandboxes:
        environment = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(PROVIDERS) and not key.endswith("DATABASE_URL")
        }
        environment.update(
            environment_of(sandbox_settings(sandboxes, database_url, log_level="warning"))
        )
        # discovery started by a discovery_operator login, the five stages on a discovery_worker one
        operator = {**environment, "DATABASE_URL": login_url(database_url, "discovery_operator")}
        worker = {**environment, "DATABASE_URL": login_url(database_url, "discovery_worker")}
        assert cli(operator, log, "discover", "Nova Reyes", "The Velvet Arcade").returncode == 0
        result = cli(worker, log, "run", "--drain")
        assert result.returncode == 0, log.read_text()[-3000:]
        profile_requests = {
            name: {
                path: count
                for path, count in sandboxes.servers[name].paths.items()
                if re.match(pattern, path)
            }
            for name, pattern in PROFILE_PATHS.items()
        }
        rejected = sandboxes.rejected()
    assert set(rejected.values()) == {0}, rejected
    with psycopg.connect(database_url, autocommit=True, row_factory=dict_row) as conn:
        depths = {
            row["queue_name"]: row["queue_length"]
            for row in conn.execute("SELECT * FROM pgmq.metrics_all()")
        }
        producers = conn.execute(
            "SELECT name, enriched_at, enrichment_failed, instagram_handle FROM producers"
        ).fetchall()
        dead = one(conn.execute("SELECT count(*) AS n FROM dlq_messages"))["n"]
    assert all(depths[stage] == 0 for stage in STAGES), depths
    assert dead == 0
    wanted = expected_producers()
    assert sorted(p["name"] for p in producers) == sorted(p["name"] for p in wanted.values())
    assert all(p["enriched_at"] is not None and not p["enrichment_failed"] for p in producers)
    assert sorted(p["instagram_handle"] or "" for p in producers) == sorted(
        p["instagram_handle"] or "" for p in wanted.values()
    )
    assert profile_requests["genius"], "Genius profiles were fetched"
    twice = {
        name: [path for path, count in paths.items() if count > 1]
        for name, paths in profile_requests.items()
    }
    assert twice == {"genius": [], "musicbrainz": [], "discogs": []}
