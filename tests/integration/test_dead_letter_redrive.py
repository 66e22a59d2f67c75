"""Dead letters whose cause was transient are re-driven once, later (migration 0070)."""

from __future__ import annotations

from typing import Any

from psycopg.types.json import Jsonb

from tests.support.database import Database, one

QUEUE = "redrive_test"


def dead_letter(db: Database, body: dict[str, Any], transient: bool) -> None:
    msg_id = one(db.execute("SELECT pgmq.send(%s, %s)", (QUEUE, Jsonb(body))))["send"]
    db.execute(
        "SELECT dead_letter_message(%s, %s, 'test', %s, 'w', 'gave up', %s)",
        (QUEUE, msg_id, body["key"], Jsonb({"cause": "handler_failed", "transient": transient})),
    )


def test_transient_dead_letters_are_redriven_once_and_permanent_ones_stay(db: Database) -> None:
    """A transient dead letter goes back to its queue once; dead-lettered again it stays; a permanent one never moves."""
    db.execute("SELECT pgmq.create(%s)", (QUEUE,))
    dead_letter(db, {"key": "flaky"}, transient=True)
    dead_letter(db, {"key": "broken"}, transient=False)
    assert one(db.execute("SELECT redrive_transient_dead_letters('1 hour') AS n"))["n"] == 0, (
        "not yet"
    )
    assert one(db.execute("SELECT redrive_transient_dead_letters('0 seconds') AS n"))["n"] == 1
    back = db.execute(f"SELECT message FROM pgmq.q_{QUEUE}").fetchall()
    assert [row["message"] for row in back] == [{"key": "flaky"}]
    msg_id = one(db.execute(f"SELECT msg_id FROM pgmq.q_{QUEUE}"))["msg_id"]
    db.execute(
        "SELECT dead_letter_message(%s, %s, 'test', 'flaky', 'w', 'gave up again', %s)",
        (QUEUE, msg_id, Jsonb({"cause": "handler_failed", "transient": True})),
    )
    assert one(db.execute("SELECT redrive_transient_dead_letters('0 seconds') AS n"))["n"] == 0
    left = sorted(
        row["failure_reason"] for row in db.execute("SELECT failure_reason FROM dlq_messages")
    )
    assert left == ["gave up", "gave up again"]
    assert one(db.execute("SELECT count(*) AS n FROM queue_mgmt.redriven_dead_letters"))["n"] == 1
