"""acquire_processing_lock's transitions, the lock heartbeat and fencing, process_track_batch."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from psycopg.types.json import Jsonb

from tests.support.database import Database, one, typed


def acquire(
    db: Database,
    entity_id: str = "e1",
    timeout: int = 30,
    worker: str | None = None,
    ttl: int | None = None,
) -> bool:
    return typed(
        one(
            db.execute(
                "SELECT acquire_processing_lock('artist', %s, %s, 'corr-1', %s, %s) AS ok",
                (entity_id, timeout, worker, ttl),
            )
        )["ok"],
        bool,
    )


def status(db: Database, entity_id: str = "e1") -> dict[str, Any]:
    return one(
        db.execute(
            "SELECT state, attempts, metadata, dead_lettered FROM processing_status "
            "WHERE entity_type = 'artist' AND entity_id = %s",
            (entity_id,),
        )
    )


def set_state(db: Database, state: str, age: str = "0 seconds", entity_id: str = "e1") -> None:
    db.execute(
        "INSERT INTO processing_status (entity_type, entity_id, state, last_processed_at, attempts) "
        "VALUES ('artist', %s, %s, now() - %s::interval, 1) "
        "ON CONFLICT (entity_type, entity_id) DO UPDATE SET state = EXCLUDED.state, "
        "last_processed_at = EXCLUDED.last_processed_at",
        (entity_id, state, age),
    )


def test_new_entity_is_acquired_in_progress(db: Database) -> None:
    """An unknown entity is created IN_PROGRESS as attempt 1, with the correlation id."""
    assert acquire(db)
    row = status(db)
    assert (row["state"], row["attempts"], row["metadata"]["correlation_id"]) == (
        "IN_PROGRESS",
        1,
        "corr-1",
    )


def test_pending_entity_is_acquired(db: Database) -> None:
    """PENDING → IN_PROGRESS, one more attempt."""
    set_state(db, "PENDING")
    assert acquire(db)
    assert (status(db)["state"], status(db)["attempts"]) == ("IN_PROGRESS", 2)


def test_fresh_in_progress_entity_is_not_acquired(db: Database) -> None:
    """IN_PROGRESS within the timeout stays with its holder."""
    set_state(db, "IN_PROGRESS", "5 minutes")
    assert not acquire(db, timeout=30)
    assert status(db)["attempts"] == 1


def test_timed_out_in_progress_entity_is_recovered(db: Database) -> None:
    """IN_PROGRESS past the timeout is taken over and the recovery is recorded."""
    set_state(db, "IN_PROGRESS", "31 minutes")
    assert acquire(db, timeout=30)
    row = status(db)
    assert row["attempts"] == 2
    assert row["metadata"]["timeout_recovery"]["timeout_minutes"] == 30


def test_completed_entity_is_not_acquired(db: Database) -> None:
    """COMPLETED work is never redone."""
    set_state(db, "COMPLETED")
    assert not acquire(db)
    assert status(db)["state"] == "COMPLETED"


def test_failed_entity_is_retried(db: Database) -> None:
    """FAILED → IN_PROGRESS with the previous attempt kept in retry_info."""
    set_state(db, "FAILED")
    assert acquire(db)
    row = status(db)
    assert row["state"] == "IN_PROGRESS"
    assert "retried_at" in row["metadata"]["retry_info"]


def test_live_worker_lock_blocks_and_dead_one_is_taken_over(db: Database) -> None:
    """With a worker id, the lock lives as long as its heartbeat: a missed heartbeat frees it."""
    assert acquire(db, worker="w1", ttl=60)
    assert not acquire(db, worker="w2", ttl=60)
    db.execute("UPDATE processing_locks SET last_heartbeat = now() - interval '61 seconds'")
    assert acquire(db, worker="w2", ttl=60)
    lock = one(db.execute("SELECT worker_id FROM processing_locks"))
    assert lock["worker_id"] == "w2"
    assert status(db)["metadata"]["timeout_recovery"]["previous_worker"] == "w1"


def test_heartbeat_keeps_only_the_holders_lock_alive(db: Database) -> None:
    """heartbeat_processing_lock answers True for the holder, False for anyone else."""
    acquire(db, worker="w1", ttl=60)
    db.execute("UPDATE processing_locks SET last_heartbeat = now() - interval '50 seconds'")
    assert one(db.execute("SELECT heartbeat_processing_lock('artist', 'e1', 'w1') AS ok"))["ok"]
    assert not one(db.execute("SELECT heartbeat_processing_lock('artist', 'e1', 'w2') AS ok"))["ok"]
    age = one(db.execute("SELECT now() - last_heartbeat AS age FROM processing_locks"))["age"]
    assert age.total_seconds() < 5


def test_finish_processing_is_fenced(db: Database) -> None:
    """A worker whose lock was taken over cannot finish; the holder can."""
    acquire(db, worker="w1", ttl=60)
    with pytest.raises(psycopg.errors.LockNotAvailable):
        db.execute("SELECT finish_processing('artist', 'e1', 'w2', 'COMPLETED')")
    db.execute(
        "SELECT finish_processing('artist', 'e1', 'w1', 'COMPLETED', NULL, %s)",
        (Jsonb({"outcome": "done"}),),
    )
    row = status(db)
    assert (row["state"], row["metadata"]["outcome"]) == ("COMPLETED", "done")
    assert one(db.execute("SELECT count(*) AS n FROM processing_locks"))["n"] == 0


def make_album(db: Database) -> tuple[str, str]:
    artist = one(
        db.execute("INSERT INTO artists (name, spotify_id) VALUES ('Nova', 'ar1') RETURNING id")
    )["id"]
    album = one(
        db.execute(
            "INSERT INTO albums (artist_id, name, spotify_id) VALUES (%s, 'Static', 'al1') RETURNING id",
            (artist,),
        )
    )["id"]
    return artist, album


def track(spotify_id: str, name: str, normalized: str | None) -> Jsonb:
    data = {"spotify_id": spotify_id, "name": name, "duration_ms": 1000, "metadata": {"n": 1}}
    if normalized is not None:
        data["normalized_name"] = normalized
    return Jsonb(data)


def test_process_track_batch_upserts_and_keeps_one_song_row(db: Database) -> None:
    """Tracks upsert on spotify_id; editions of one song share one normalized_tracks row."""
    artist, album = make_album(db)
    batch = [
        track("t1", "Glass Hearts", "glass hearts"),
        track("t2", "Glass Hearts - 2019 Remaster", "glass hearts"),
        track("t3", "Echo", "echo"),
    ]
    result = one(
        db.execute("SELECT process_track_batch(%s::jsonb[], %s, %s) AS r", (batch, album, artist))
    )["r"]
    assert result["processed"] == 3
    assert [r["is_new_song"] for r in result["results"]] == [True, False, True]
    assert (
        result["results"][0]["normalized_track_id"] == result["results"][1]["normalized_track_id"]
    )
    again = [track("t1", "Glass Hearts (renamed)", "glass hearts")]
    second = one(
        db.execute("SELECT process_track_batch(%s::jsonb[], %s, %s) AS r", (again, album, artist))
    )["r"]
    assert second["results"][0]["is_new_song"] is False
    assert one(db.execute("SELECT count(*) AS n FROM tracks"))["n"] == 3
    assert (
        one(db.execute("SELECT name FROM tracks WHERE spotify_id = 't1'"))["name"]
        == "Glass Hearts (renamed)"
    )
    songs = db.execute("SELECT normalized_name FROM normalized_tracks ORDER BY 1").fetchall()
    assert [s["normalized_name"] for s in songs] == ["echo", "glass hearts"]


def test_process_track_batch_fallback_keeps_non_latin_titles(db: Database) -> None:
    """Without a normalized name from the worker, a title in another script is not emptied."""
    artist, album = make_album(db)
    batch = [track("t9", "夜に駆ける", None), track("t10", "Привет!", None)]
    result = one(
        db.execute("SELECT process_track_batch(%s::jsonb[], %s, %s) AS r", (batch, album, artist))
    )["r"]
    assert [r["normalized_name"] for r in result["results"]] == ["夜に駆ける", "привет"]


def test_process_track_batch_reports_errors_and_writes_nothing(db: Database) -> None:
    """A bad row makes the whole batch return an error object, with no partial writes."""
    artist, album = make_album(db)
    batch = [track("t1", "Fine", "fine"), Jsonb({"spotify_id": "t2", "name": None})]
    result = one(
        db.execute("SELECT process_track_batch(%s::jsonb[], %s, %s) AS r", (batch, album, artist))
    )["r"]
    assert result["detail"] == "23502"  # not_null_violation
    assert one(db.execute("SELECT count(*) AS n FROM tracks"))["n"] == 0
