"""The whole pipeline as a newcomer runs it: `producer-discovery demo` — the five stages as
processes under `run --drain`, against the bundled sandbox APIs — on a real PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
from psycopg.rows import dict_row

from producer_discovery.sandbox.credits_data import CREDITS_CATALOGUE
from producer_discovery.supervisor import STAGES

ROOT = Path(__file__).resolve().parents[2]


def expected_producers() -> dict[str, dict]:
    """The producers of the two demo artists' own releases, by expected-producer key."""
    expected = json.loads(CREDITS_CATALOGUE.read_text())["_expected"]
    keys = {key for song in expected["songs"] if song["main_artist"] and song["in_artist_discography"]
            for key in song["producers"]}
    return {key: expected["producers"][key] for key in keys}


def test_demo_runs_every_stage_to_an_idle_pipeline(database_url: str, tmp_path: Path) -> None:
    """Every queue ends empty, every expected producer is stored and enriched once, none twice."""
    providers = ("SPOTIFY_", "GENIUS_", "DISCOGS_", "INSTAGRAM_", "MUSICBRAINZ_")
    environment = {key: value for key, value in os.environ.items() if not key.startswith(providers)}
    environment["DATABASE_URL"] = database_url
    log = tmp_path / "demo.log"
    with log.open("w") as errors:
        result = subprocess.run([sys.executable, "-m", "producer_discovery", "demo"], cwd=ROOT, env=environment,
                                stdout=subprocess.PIPE, stderr=errors, text=True, timeout=400)
    assert result.returncode == 0, log.read_text()[-3000:]
    assert "pipeline idle after" in log.read_text()
    with psycopg.connect(database_url, autocommit=True, row_factory=dict_row) as conn:
        depths = {row["queue_name"]: row["queue_length"] for row in conn.execute("SELECT * FROM pgmq.metrics_all()")}
        producers = conn.execute(
            "SELECT p.name, p.enriched_at, p.enrichment_failed, p.instagram_handle, "
            "       (SELECT attempts FROM processing_status s "
            "        WHERE s.entity_type = 'producer' AND s.entity_id = p.id::text) AS attempts "
            "FROM producers p").fetchall()
        enrichment_runs = conn.execute(
            "SELECT count(*) AS n FROM idempotency.processed_operations WHERE queue_name = 'social_enrichment'").fetchone()["n"]
        dead = conn.execute("SELECT count(*) AS n FROM dlq_messages").fetchone()["n"]
    assert all(depths[stage] == 0 for stage in STAGES), depths
    assert dead == 0
    wanted = expected_producers()
    assert sorted(p["name"] for p in producers) == sorted(p["name"] for p in wanted.values())
    assert all(p["enriched_at"] is not None and not p["enrichment_failed"] for p in producers)
    assert enrichment_runs == len(producers), "each producer enriched exactly once"
    assert all(p["attempts"] == 1 for p in producers)
    handles = {p["instagram_handle"] for p in producers} - {None}
    assert handles == {p["instagram_handle"] for p in wanted.values()} - {None}
    assert "Kelso & Marr" in result.stdout and "Sam Rivers" in result.stdout
