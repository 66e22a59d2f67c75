"""Worker liveness: heartbeats, live workers per stage, and health when nobody works a queue."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from tests.support.database import Database, one, typed


def health(db: Database) -> dict[str, Any]:
    return typed(one(db.execute("SELECT get_system_health() AS h"))["h"], dict)


def beat(db: Database, worker: str, stage: str) -> None:
    """As the stages' role, the way the runtime reports itself alive."""
    db.execute("SET ROLE discovery_worker")
    try:
        host, pid, _ = worker.split(":", 2)
        db.execute(
            "SELECT monitoring.record_worker_heartbeat(%s, %s, %s, %s)",
            (worker, stage, host, int(pid)),
        )
    finally:
        db.execute("RESET ROLE")


def test_a_stage_with_waiting_messages_and_no_live_worker_makes_health_warn(db: Database) -> None:
    """Messages waiting with no worker alive for their stage: warning; a live worker: healthy;
    its last heartbeat over a minute old, or the worker gone: warning again."""
    assert health(db)["liveness_health"]["status"] == "healthy"
    db.execute("SELECT pgmq.send('artist_discovery', '{\"artistName\": \"Nova\"}'::jsonb)")
    report = health(db)
    assert report["liveness_health"]["status"] == "warning"
    assert report["liveness_health"]["stages_without_workers"] == ["artist_discovery"]
    assert report["overall_status"] == "warning"

    beat(db, "host-a:41:artist_discovery", "artist_discovery")
    report = health(db)
    assert report["liveness_health"]["status"] == "healthy"
    assert report["liveness_health"]["live_workers"]["artist_discovery"] == 1
    assert report["overall_status"] == "healthy"

    db.execute("UPDATE monitoring.worker_heartbeats SET last_seen = now() - interval '61 seconds'")
    assert health(db)["liveness_health"]["stages_without_workers"] == ["artist_discovery"]

    beat(db, "host-a:41:artist_discovery", "artist_discovery")
    assert health(db)["liveness_health"]["status"] == "healthy"
    db.execute("SET ROLE discovery_worker")
    db.execute("SELECT monitoring.forget_worker('host-a:41:artist_discovery')")
    db.execute("RESET ROLE")
    assert health(db)["liveness_health"]["status"] == "warning"


def test_worker_liveness_lists_every_stage_with_its_live_and_silent_workers(db: Database) -> None:
    """get_worker_liveness: one row per stage, live and silent workers, queued messages."""
    beat(db, "host-a:1:track_discovery", "track_discovery")
    beat(db, "host-b:2:track_discovery", "track_discovery")
    db.execute(
        "UPDATE monitoring.worker_heartbeats SET last_seen = now() - interval '5 minutes' "
        "WHERE worker_id = 'host-b:2:track_discovery'"
    )
    db.execute("SELECT pgmq.send('album_discovery', '{\"artistId\": \"x\"}'::jsonb)")
    found = {
        row["stage"]: row for row in db.execute("SELECT * FROM get_worker_liveness()").fetchall()
    }
    assert list(found) == [
        "artist_discovery",
        "album_discovery",
        "track_discovery",
        "producer_identification",
        "social_enrichment",
    ]
    assert (
        found["track_discovery"]["live_workers"],
        found["track_discovery"]["silent_workers"],
    ) == (1, 1)
    assert found["album_discovery"]["queued_messages"] == 1
    assert found["album_discovery"]["live_workers"] == 0


def test_a_heartbeat_names_a_real_stage(db: Database) -> None:
    """A heartbeat for a queue that does not exist, or for a dead-letter queue, is refused."""
    for stage in ("no_such_stage", "artist_discovery_dlq"):
        with pytest.raises(psycopg.errors.InvalidParameterValue):
            beat(db, f"h:1:{stage}", stage)
        db.rollback()


def test_the_heartbeat_is_one_cheap_update_once_recorded(db: Database) -> None:
    """A worker's repeated heartbeat touches its own row only (one row, last_seen moves on)."""
    beat(db, "h:7:social_enrichment", "social_enrichment")
    first = one(db.execute("SELECT started_at, last_seen FROM monitoring.worker_heartbeats"))
    beat(db, "h:7:social_enrichment", "social_enrichment")
    rows = db.execute("SELECT started_at, last_seen FROM monitoring.worker_heartbeats").fetchall()
    assert len(rows) == 1
    assert rows[0]["started_at"] == first["started_at"]


def test_discovery_progress_follows_the_artist_message_until_it_is_done(db: Database) -> None:
    """Queued: waiting, not idle; done without an artist found: idle with its outcome."""
    msg_id = one(db.execute("SELECT start_artist_discovery('Nobody Known') AS id"))["id"]
    progress = one(db.execute("SELECT get_discovery_progress(%s) AS p", (msg_id,)))["p"]
    assert progress == {"artist": None, "idle": False, "outcome": "waiting"}
    db.execute(
        "INSERT INTO idempotency.processed_operations (key, queue_name, msg_id, result) "
        "VALUES ('k', 'artist_discovery', %s, '{\"outcome\": \"not_found\"}')",
        (msg_id,),
    )
    db.execute("SELECT pgmq.archive('artist_discovery', %s::bigint)", (msg_id,))
    progress = one(db.execute("SELECT get_discovery_progress(%s) AS p", (msg_id,)))["p"]
    assert progress == {"artist": None, "idle": True, "outcome": "not_found"}
