"""Retention (migration 0052): purge_old_data deletes what is older than its age in settings,
keeps what is recent, and touches nothing in flight."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from tests.support.database import Database, one
from tests.support.roles import login_url

OLD = "now() - interval '40 days'"


def count(db: Database, table: str, where: str = "TRUE") -> int:
    row = db.execute(f"SELECT count(*) AS n FROM {table} WHERE {where}").fetchone()
    assert row is not None
    return int(row["n"])


def seed_old_and_recent(db: Database) -> dict[str, Any]:
    """Two of everything that grows, one 40 days old and one recent, and old work in flight."""
    ids = {}
    for age in ("old", "new"):
        message = one(
            db.execute("SELECT pgmq.send('album_discovery', %s) AS id", (Jsonb({"artistId": age}),))
        )["id"]
        db.execute("SELECT pgmq.archive('album_discovery', %s::bigint)", (message,))
        db.execute(
            "INSERT INTO idempotency.processed_operations (key, queue_name, msg_id) VALUES (%s, 'album_discovery', %s)",
            (f"album_discovery:{age}", message),
        )
        db.execute(
            "INSERT INTO queue_mgmt.problematic_messages (queue_name, message_id, error_type) "
            "VALUES ('album_discovery', %s, 'invalid_message')",
            (age,),
        )
        db.execute(
            "INSERT INTO monitoring.worker_issues (worker_name, issue_type, severity, message) "
            "VALUES ('album_discovery', 'dead_letter', 'error', %s)",
            (age,),
        )
        db.execute(
            "INSERT INTO worker_issues (worker_name, issue_type, message) VALUES ('album_discovery', 'x', %s)",
            (age,),
        )
        db.execute(
            "INSERT INTO monitoring_events (event_type, details) VALUES ('queue_monitor', %s)",
            (Jsonb({"age": age}),),
        )
        ids[age] = message
    db.execute(
        f"UPDATE pgmq.a_album_discovery SET archived_at = {OLD} WHERE msg_id = %s", (ids["old"],)
    )
    db.execute(
        f"UPDATE idempotency.processed_operations SET processed_at = {OLD} WHERE key LIKE '%%:old'"
    )
    db.execute(
        f"UPDATE queue_mgmt.problematic_messages SET created_at = {OLD} WHERE message_id = 'old'"
    )
    db.execute(f"UPDATE monitoring.worker_issues SET created_at = {OLD} WHERE message = 'old'")
    db.execute(f"UPDATE worker_issues SET created_at = {OLD} WHERE message = 'old'")
    db.execute(f"UPDATE monitoring_events SET created_at = {OLD} WHERE details->>'age' = 'old'")

    # In flight: a 50-day-old message still waiting in track_discovery, the idempotency record
    # of an earlier copy of it (45 days old: a duplicate may still arrive), a lock and a status.
    waiting = one(
        db.execute("SELECT pgmq.send('track_discovery', '{\"albumId\": \"slow\"}') AS id")
    )["id"]
    db.execute(
        "UPDATE pgmq.q_track_discovery SET enqueued_at = now() - interval '50 days' WHERE msg_id = %s",
        (waiting,),
    )
    db.execute(
        "INSERT INTO idempotency.processed_operations (key, queue_name, processed_at) "
        "VALUES ('track_discovery:kept', 'track_discovery', now() - interval '45 days')"
    )
    db.execute(
        "INSERT INTO processing_status (entity_type, entity_id, state, updated_at) "
        f"VALUES ('album', 'slow', 'IN_PROGRESS', {OLD})"
    )
    db.execute(
        "INSERT INTO processing_locks (entity_type, entity_id, worker_id, acquired_at, last_heartbeat) "
        f"VALUES ('album', 'slow', 'w', {OLD}, {OLD})"
    )
    ids["waiting"] = waiting
    return ids


def test_purge_deletes_old_rows_keeps_recent_ones_and_nothing_in_flight(
    database_url: str, db: Database
) -> None:
    """Rows older than 30 days go, recent ones stay; queue messages, locks, statuses and an
    idempotency record a waiting message may still need are untouched. Run as the operator."""
    ids = seed_old_and_recent(db)
    with psycopg.connect(
        login_url(database_url, "discovery_operator"), autocommit=True, row_factory=dict_row
    ) as operator:
        purged = {
            row["data"]: row["deleted"]
            for row in operator.execute("SELECT * FROM purge_old_data()")
        }
    assert purged == {
        "pgmq archives": 1,
        "idempotency records": 1,
        "problematic messages": 1,
        "worker issues": 2,
        "monitoring events": 1,
    }
    assert [row["msg_id"] for row in db.execute("SELECT msg_id FROM pgmq.a_album_discovery")] == [
        ids["new"]
    ]
    assert [
        row["key"]
        for row in db.execute("SELECT key FROM idempotency.processed_operations ORDER BY key")
    ] == ["album_discovery:new", "track_discovery:kept"]
    assert count(db, "queue_mgmt.problematic_messages") == 1
    assert count(db, "monitoring.worker_issues") == 1
    assert count(db, "worker_issues") == 1
    assert count(db, "monitoring_events", "details->>'age' = 'old'") == 0
    assert count(db, "monitoring_events", "details->>'age' = 'new'") == 1
    assert count(db, "pgmq.q_track_discovery") == 1
    assert count(db, "processing_status") == 1
    assert count(db, "processing_locks") == 1


def test_retention_ages_come_from_settings(db: Database) -> None:
    """A longer age in settings keeps 40-day-old rows; an age under a day is refused."""
    seed_old_and_recent(db)
    db.execute("UPDATE settings SET value = '60 days' WHERE key LIKE 'retention\\_%'")
    purged = {row["data"]: row["deleted"] for row in db.execute("SELECT * FROM purge_old_data()")}
    assert set(purged.values()) == {0}
    db.execute("UPDATE settings SET value = '1 hour' WHERE key = 'retention_archive'")
    with pytest.raises(psycopg.errors.InvalidParameterValue, match="retention_archive"):
        db.execute("SELECT * FROM purge_old_data()")


def test_retention_stats_report_rows_oldest_and_size(db: Database) -> None:
    """get_retention_stats names each kind of data with its rows, oldest row and age kept."""
    seed_old_and_recent(db)
    stats = {row["data"]: row for row in db.execute("SELECT * FROM get_retention_stats()")}
    assert set(stats) == {
        "pgmq archives",
        "idempotency records",
        "problematic messages",
        "worker issues",
        "monitoring events",
    }
    assert stats["worker issues"]["row_count"] == 4
    assert stats["pgmq archives"]["row_count"] == 2
    assert stats["pgmq archives"]["bytes"] > 0
    assert str(stats["idempotency records"]["kept"]) == "30 days, 0:00:00"
