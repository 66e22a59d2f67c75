"""The whole pipeline with the sandboxes in "world" mode: provider answers in the
shapes the real services send (sandbox/world.py), and hostile messages in every queue. The
end state must be the clean run's, no stage process may exit, and every hostile message must
be recorded."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.types.json import Jsonb

from producer_discovery.operations import DEMO_LIMITS
from producer_discovery.runtime.supervisor import STAGES
from producer_discovery.sandbox.environment import SandboxEnvironment
from tests.e2e.test_full_pipeline import PROVIDERS, cli
from tests.support.pipeline_state import differences_from_clean, snapshot

ARTISTS = ("Nova Reyes", "The Velvet Arcade")


def nested(depth: int) -> Any:
    value: Any = "bottom"
    for _ in range(depth):
        value = {"a": value}
    return value


# One or more per stage: wrong types, over-long and invisible text, too deep, too big.
HOSTILE: list[tuple[str, Any]] = [
    ("artist_discovery", {"artistName": "x" * 6000}),
    ("artist_discovery", {"artistName": 42}),
    ("artist_discovery", ["not", "an", "object"]),
    ("album_discovery", {"artistId": "not-a-uuid", "spotifyId": "\u200f\u0301"}),
    ("track_discovery", {"albumId": "a" * 200, "spotifyId": "x", "artistId": "y"}),
    ("producer_identification", {"trackId": str(uuid.uuid4()), "x": nested(40)}),
    ("social_enrichment", {"producerId": str(uuid.uuid4()), "pad": "y" * 70_000}),
]
DEEP_TEXT = '{"artistName": ' + "[" * 3000 + "]" * 3000 + "}"  # case 6: 3,000 levels


def run_pipeline(database_url: str, log: Path, *, world: bool) -> None:
    """Both runs at the demo's relaxed limits: this test is about shapes, not rates."""
    relaxed = SandboxEnvironment(
        world=world,
        musicbrainz_requests_per_second=DEMO_LIMITS["MUSICBRAINZ_REQUESTS_PER_SECOND"],
        discogs_requests_per_minute=int(DEMO_LIMITS["DISCOGS_REQUESTS_PER_MINUTE"]),
    )
    with relaxed as sandboxes:
        environment = {
            key: value for key, value in os.environ.items() if not key.startswith(PROVIDERS)
        }
        environment.update(
            sandboxes.variables(),
            DATABASE_URL=database_url,
            LOG_LEVEL="warning",
            LOG_FORMAT="json",
            **{name: str(value) for name, value in DEMO_LIMITS.items()},
        )
        assert cli(environment, log, "discover", *ARTISTS).returncode == 0
        if world:
            with psycopg.connect(database_url, autocommit=True) as conn:
                for queue, body in HOSTILE:
                    conn.execute("SELECT pgmq.send(%s, %s)", (queue, Jsonb(body)))
                conn.execute("SELECT pgmq.send('artist_discovery', %s::jsonb)", (DEEP_TEXT,))
        result = cli(environment, log, "run", "--drain")
        assert result.returncode == 0, log.read_text()[-3000:]


@pytest.mark.slow
def test_world_shapes_and_hostile_messages_end_like_a_clean_run(
    database_url: str, fresh_database: Callable[[], str], tmp_path: Path
) -> None:
    """Same artists, albums, tracks, songs, producers and credits as the clean run; no stage
    process exits; every hostile message recorded as problematic or dead-lettered."""
    clean_database_url = fresh_database()
    run_pipeline(clean_database_url, tmp_path / "clean.log", world=False)
    world_log = tmp_path / "world.log"
    run_pipeline(database_url, world_log, world=True)
    clean, state = snapshot(clean_database_url), snapshot(database_url)
    assert clean["credits"], "the clean run found credits"

    with psycopg.connect(database_url, autocommit=True) as conn:
        recorded = conn.execute(
            "SELECT queue_name, error_type FROM queue_mgmt.problematic_messages"
        ).fetchall()
        albums = conn.execute("SELECT DISTINCT metadata->>'album_type' FROM albums").fetchall()
    problems, other_edition = differences_from_clean(clean, state)
    assert problems == [], (problems, other_edition, world_log.read_text()[-3000:])
    assert "worker_exited" not in world_log.read_text()
    assert len(recorded) == len(HOSTILE) + 1, recorded  # and no dead letter (compared above)
    assert sorted({queue for queue, _ in recorded}) == sorted(STAGES)
    assert {kind for (kind,) in albums} <= {"album", "single", "ep", "compilation", None}
