"""Health, statistics, maintenance functions and the monitoring views."""

from __future__ import annotations

from typing import Any

from psycopg.types.json import Jsonb

from tests.support.database import Database, one, typed


def health(db: Database) -> dict[str, Any]:
    return typed(one(db.execute("SELECT get_system_health() AS h"))["h"], dict)


def add_status(db: Database, entity_id: str, state: str, age: str = "0 seconds") -> None:
    db.execute(
        "INSERT INTO processing_status (entity_type, entity_id, state, last_processed_at) "
        "VALUES ('track', %s, %s, now() - %s::interval)",
        (entity_id, state, age),
    )


def test_system_health_goes_healthy_warning_critical(db: Database) -> None:
    """Health follows stuck queues, stuck or failed entities and open worker issues."""
    assert health(db)["overall_status"] == "healthy"
    add_status(db, "t1", "FAILED")
    assert health(db)["processing_health"]["status"] == "warning"
    assert health(db)["overall_status"] == "warning"
    for number in range(11):
        add_status(db, f"f{number}", "FAILED")
    assert health(db)["overall_status"] == "critical"
    db.execute("UPDATE processing_status SET state = 'COMPLETED'")
    assert health(db)["overall_status"] == "healthy"
    for number in range(6):
        db.execute(
            "INSERT INTO monitoring.worker_issues (worker_name, issue_type, severity, message) "
            "VALUES ('w', 'dead_letter', 'error', %s)",
            (f"issue {number}",),
        )
    assert health(db)["worker_health"] == {
        **health(db)["worker_health"],
        "status": "critical",
        "total_issues": 6,
    }
    db.execute("UPDATE monitoring.worker_issues SET resolved = TRUE")
    assert health(db)["overall_status"] == "healthy"


def test_stuck_queue_messages_make_health_critical(db: Database) -> None:
    """monitor_queues counts messages left waiting; over 10 of them is critical."""
    db.execute(
        "SELECT pgmq.send_batch('album_discovery', %s::jsonb[])",
        ([Jsonb({"artistId": str(n)}) for n in range(12)],),
    )
    db.execute("SELECT monitor_queues()")
    assert health(db)["queue_health"]["status"] == "healthy"
    db.execute(
        "UPDATE pgmq.q_album_discovery SET vt = now() - interval '10 minutes' WHERE msg_id <= 2"
    )
    db.execute("SELECT monitor_queues()")
    queue = health(db)["queue_health"]
    assert (queue["status"], queue["total_stuck_messages"]) == ("warning", 2)
    db.execute("UPDATE pgmq.q_album_discovery SET vt = now() - interval '10 minutes'")
    db.execute("SELECT monitor_queues()")
    assert health(db)["queue_health"]["status"] == "critical"


def test_queue_monitoring_view_has_one_latest_row_per_queue(db: Database) -> None:
    """Each registered queue appears once, with its latest depth."""
    db.execute("SELECT monitor_queues()")
    db.execute("SELECT pgmq.send('track_discovery', '{\"albumId\": \"a\"}')")
    db.execute("SELECT monitor_queues()")
    rows = db.execute("SELECT * FROM queue_monitoring_view ORDER BY queue_name").fetchall()
    assert len(rows) == 10
    depth = {row["queue_name"]: row["total_messages"] for row in rows}
    assert depth["track_discovery"] == 1
    assert depth["album_discovery"] == 0


def test_queue_monitor_dead_letters_poison_nobody_finished(db: Database) -> None:
    """A visible message whose deliveries were cut short more than max_deliveries (20) times is moved to the DLQ by the monitor, saying it killed its workers."""
    db.execute("SELECT pgmq.send('track_discovery', '{\"albumId\": \"a\"}')")
    db.execute("UPDATE pgmq.q_track_discovery SET read_ct = 21")
    db.execute("SELECT monitor_queues()")
    row = one(
        db.execute("SELECT * FROM queue_monitoring_view WHERE queue_name = 'track_discovery'")
    )
    assert (row["total_messages"], row["messages_fixed"]) == (0, 1)
    dead = db.execute("SELECT failure_reason FROM dlq_messages").fetchall()
    assert [d["failure_reason"] for d in dead] == [
        "killed its worker 21 times: deliveries cut short (queue monitor)"
    ]


def test_queue_monitor_leaves_a_message_whose_deliveries_were_attempts_or_set_aside(
    db: Database,
) -> None:
    """22 deliveries, of which 4 handler failures and 1 set aside: 17 cut short, not more than max_deliveries, so left for the workers."""
    db.execute("SELECT pgmq.send('track_discovery', '{\"albumId\": \"a\"}')")
    db.execute("UPDATE pgmq.q_track_discovery SET read_ct = 22")
    msg_id = one(db.execute("SELECT msg_id FROM pgmq.q_track_discovery"))["msg_id"]
    for _ in range(4):
        db.execute(
            "SELECT record_message_attempt('track_discovery', %s, 'failure', 'x')", (msg_id,)
        )
    db.execute("SELECT record_message_attempt('track_discovery', %s, 'set_aside')", (msg_id,))
    db.execute("SELECT monitor_queues()")
    row = one(
        db.execute("SELECT * FROM queue_monitoring_view WHERE queue_name = 'track_discovery'")
    )
    assert (row["total_messages"], row["messages_fixed"]) == (1, 0)


def test_maintenance_clear_stale_entities_resets_stuck_rows(db: Database) -> None:
    """Old locks are deleted and hour-old IN_PROGRESS rows go back to PENDING, reporting the old state."""
    add_status(db, "stuck", "IN_PROGRESS", "2 hours")
    add_status(db, "fresh", "IN_PROGRESS", "5 minutes")
    db.execute(
        "INSERT INTO processing_locks (entity_type, entity_id, worker_id, last_heartbeat) "
        "VALUES ('track', 'stuck', 'w', now() - interval '2 hours')"
    )
    rows = db.execute("SELECT * FROM maintenance_clear_stale_entities() ORDER BY action").fetchall()
    assert [(r["entity_id"], r["state"], r["action"]) for r in rows] == [
        ("stuck", "IN_PROGRESS", "lock_deleted"),
        ("stuck", "IN_PROGRESS", "status_reset"),
    ]
    states = {
        r["entity_id"]: r["state"]
        for r in db.execute("SELECT entity_id, state FROM processing_status")
    }
    assert states == {"stuck": "PENDING", "fresh": "IN_PROGRESS"}
    assert one(db.execute("SELECT count(*) AS n FROM processing_locks"))["n"] == 0


def test_cleanup_stale_locks_frees_their_entities(db: Database) -> None:
    """Locks without a heartbeat for N seconds are deleted and their entities made PENDING."""
    add_status(db, "a", "IN_PROGRESS")
    add_status(db, "b", "IN_PROGRESS")
    db.execute(
        "INSERT INTO processing_locks (entity_type, entity_id, worker_id, last_heartbeat) VALUES "
        "('track', 'a', 'w1', now() - interval '10 minutes'), ('track', 'b', 'w2', now())"
    )
    rows = db.execute("SELECT * FROM cleanup_stale_locks(300)").fetchall()
    assert [(r["entity_id"], r["worker_id"]) for r in rows] == [("a", "w1")]
    states = {
        r["entity_id"]: r["state"]
        for r in db.execute("SELECT entity_id, state FROM processing_status")
    }
    assert states == {"a": "PENDING", "b": "IN_PROGRESS"}


def test_reset_entity_processing_state_only_touches_old_rows_of_the_type(db: Database) -> None:
    """Only IN_PROGRESS rows of the type older than the minutes are reset."""
    add_status(db, "old", "IN_PROGRESS", "2 hours")
    add_status(db, "new", "IN_PROGRESS", "1 minute")
    db.execute(
        "INSERT INTO processing_status (entity_type, entity_id, state, last_processed_at) "
        "VALUES ('album', 'other', 'IN_PROGRESS', now() - interval '2 hours')"
    )
    rows = db.execute("SELECT * FROM reset_entity_processing_state('track', 60)").fetchall()
    assert [(r["entity_id"], r["previous_state"], r["new_state"]) for r in rows] == [
        ("old", "IN_PROGRESS", "PENDING")
    ]


def test_find_inconsistent_states(db: Database) -> None:
    """Orphan locks, stale locks, lockless long work and dead letters not FAILED are reported."""
    add_status(db, "lockless", "IN_PROGRESS", "1 hour")
    add_status(db, "stale", "IN_PROGRESS")
    add_status(db, "done", "COMPLETED")
    db.execute("UPDATE processing_status SET dead_lettered = TRUE WHERE entity_id = 'done'")
    db.execute(
        "INSERT INTO processing_locks (entity_type, entity_id, worker_id, last_heartbeat, ttl_seconds) VALUES "
        "('track', 'stale', 'w', now() - interval '5 minutes', 60), ('track', 'orphan', 'w', now(), 60)"
    )
    rows = db.execute("SELECT entity_id, issue FROM find_inconsistent_states()").fetchall()
    assert sorted((r["entity_id"], r["issue"]) for r in rows) == [
        ("done", "dead_lettered_but_not_failed"),
        ("lockless", "in_progress_without_lock"),
        ("orphan", "lock_without_work"),
        ("stale", "stale_lock"),
    ]


def test_processing_and_worker_issue_stats(db: Database) -> None:
    """The stats group by entity type and state, and by worker and issue type."""
    add_status(db, "a", "COMPLETED")
    add_status(db, "b", "COMPLETED")
    add_status(db, "c", "FAILED")
    stats = {
        (r["state"], r["entity_count"]) for r in db.execute("SELECT * FROM get_processing_stats()")
    }
    assert stats == {("COMPLETED", 2), ("FAILED", 1)}
    db.execute(
        "INSERT INTO monitoring.worker_issues (worker_name, issue_type, severity, message, resolved) VALUES "
        "('track_discovery', 'dead_letter', 'error', 'x', FALSE), ('track_discovery', 'dead_letter', 'error', 'y', TRUE)"
    )
    db.execute(
        "INSERT INTO public.worker_issues (worker_name, issue_type, message) VALUES ('old', 'crash', 'z')"
    )
    issues = {
        (r["worker_name"], r["issue_type"], r["total"], r["unresolved"])
        for r in db.execute("SELECT * FROM get_worker_issue_stats()")
    }
    assert issues == {("track_discovery", "dead_letter", 2, 1), ("old", "crash", 1, 1)}


def test_purge_old_monitoring_events(db: Database) -> None:
    """Events and raw metrics older than N days go; newer ones stay."""
    db.execute(
        "INSERT INTO monitoring_events (event_type, created_at) VALUES ('x', now() - interval '40 days'), ('x', now())"
    )
    db.execute(
        "INSERT INTO monitoring.pipeline_metrics (metric_name, metric_value, timestamp) VALUES "
        "('api_call', 1, now() - interval '40 days'), ('api_call', 1, now())"
    )
    assert one(db.execute("SELECT purge_old_monitoring_events(30) AS n"))["n"] == 2
    assert one(db.execute("SELECT count(*) AS n FROM monitoring_events"))["n"] == 1


def test_hourly_and_daily_aggregation_are_rerunnable(db: Database) -> None:
    """Roll-ups compute min/max/avg/sum/count per tag set, and re-running does not double count."""
    db.execute(
        "INSERT INTO monitoring.pipeline_metrics (metric_name, metric_value, tags, timestamp) VALUES "
        "('api_call', 100, '{\"api\": \"spotify\"}', date_trunc('day', now()) - interval '2 hours'), "
        "('api_call', 300, '{\"api\": \"spotify\"}', date_trunc('day', now()) - interval '2 hours' + interval '5 minutes'), "
        "('api_call', 50, '{\"api\": \"genius\"}', date_trunc('day', now()) - interval '1 hour')"
    )
    for _ in range(2):
        db.execute("SELECT monitoring.aggregate_hourly_metrics(48)")
        db.execute("SELECT monitoring.aggregate_daily_metrics()")
    hourly = db.execute(
        "SELECT * FROM monitoring.aggregated_metrics WHERE period = 'hour' AND dimensions->>'api' = 'spotify'"
    ).fetchall()
    assert [
        (h["min_value"], h["max_value"], h["avg_value"], h["sum_value"], h["count_value"])
        for h in hourly
    ] == [(100, 300, 200, 400, 2)]
    daily = {
        r["dimensions"]["api"]: (r["count_value"], r["avg_value"])
        for r in db.execute("SELECT * FROM monitoring.aggregated_metrics WHERE period = 'day'")
    }
    assert daily == {"spotify": (2, 200), "genius": (1, 50)}


def test_api_metrics_view(db: Database) -> None:
    """api_metrics counts calls, successes and errors per API and hour."""
    db.execute(
        "INSERT INTO monitoring.pipeline_metrics (metric_name, metric_value, tags) VALUES "
        '(\'api_call\', 10, \'{"api": "spotify", "success": "true"}\'), '
        '(\'api_call\', 30, \'{"api": "spotify", "success": "true"}\'), '
        '(\'api_call\', 500, \'{"api": "spotify", "success": "false"}\'), '
        "('queue_depth', 5, '{\"api\": \"spotify\"}')"
    )
    row = one(db.execute("SELECT * FROM monitoring.api_metrics"))
    assert (
        row["api_name"],
        row["total_calls"],
        row["success_count"],
        row["error_count"],
        row["avg_success_time_ms"],
    ) == ("spotify", 3, 2, 1, 20)


def test_producer_popularity_counts_tracks_and_artists(db: Database) -> None:
    """A producer on two tracks of two artists counts 2 tracks and 2 artists."""
    ids = {}
    for artist in ("A", "B"):
        ids[artist] = one(
            db.execute("INSERT INTO artists (name) VALUES (%s) RETURNING id", (artist,))
        )["id"]
    album_a = one(
        db.execute(
            "INSERT INTO albums (artist_id, name) VALUES (%s, 'x') RETURNING id", (ids["A"],)
        )
    )["id"]
    album_b = one(
        db.execute(
            "INSERT INTO albums (artist_id, name) VALUES (%s, 'y') RETURNING id", (ids["B"],)
        )
    )["id"]
    tracks = [
        one(
            db.execute(
                "INSERT INTO tracks (album_id, name, popularity) VALUES (%s, 't', %s) RETURNING id",
                (album, pop),
            )
        )["id"]
        for album, pop in ((album_a, 40), (album_b, 60), (album_a, None))
    ]
    producer = one(
        db.execute("INSERT INTO producers (name, normalized_name) VALUES ('P', 'p') RETURNING id")
    )["id"]
    for track in tracks[:2]:
        db.execute(
            "INSERT INTO track_producers (track_id, producer_id, confidence, source) VALUES (%s, %s, 0.9, 'genius')",
            (track, producer),
        )
    row = one(db.execute("SELECT * FROM producer_popularity"))
    assert (row["name"], row["track_count"], row["artist_count"], row["avg_track_popularity"]) == (
        "P",
        2,
        2,
        50,
    )
