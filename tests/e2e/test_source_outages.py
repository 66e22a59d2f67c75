"""A source that is out is not the message's fault: a blocked
source costs no attempts, refused credentials make health critical instead of dead letters."""

from __future__ import annotations

import signal

import pytest

from tests.support.database import rows
from tests.support.runtime_workers import Workers, effects, send, wait_until

pytestmark = pytest.mark.slow  # processes: more than ~3 s each


def test_blocked_source_spends_no_attempts(url: str, workers: Workers) -> None:
    """Blocked for three deliveries with max_attempts 1: the message still completes, once."""
    send(url, {"key": "b", "behaviour": "blocked", "deliveries": 3}, {"key": "ok"})
    worker = workers.start("--drain", "--max-attempts", "1", "--vt", "3")
    assert worker.wait(timeout=60) == 0
    assert effects(url) == {"b": 1, "ok": 1}
    assert rows(url, "SELECT count(*) AS n FROM dlq_messages")[0]["n"] == 0
    blocked = rows(url, "SELECT read_ct FROM pgmq.a_runtime_test WHERE message->>'key' = 'b'")[0]
    assert blocked["read_ct"] == 4, "set aside three times by the block, then done"


def test_refused_credentials_make_health_critical_instead_of_dead_letters(
    url: str, workers: Workers
) -> None:
    """Every delivery refused: no dead letter, the message waits, a critical issue, health critical."""
    send(url, {"key": "c", "behaviour": "credentials"})
    worker = workers.start("--max-attempts", "2", "--vt", "3")
    wait_until(
        lambda: rows(url, "SELECT count(*) AS n FROM monitoring.worker_issues")[0]["n"] >= 3,
        40,
        "three refused deliveries",
    )
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=30) == 0
    assert rows(url, "SELECT count(*) AS n FROM dlq_messages")[0]["n"] == 0
    assert rows(url, "SELECT count(*) AS n FROM pgmq.q_runtime_test")[0]["n"] == 1
    assert (
        rows(url, "SELECT coalesce(sum(failures), 0) AS n FROM queue_mgmt.message_attempts")[0]["n"]
        == 0
    )
    issues = rows(url, "SELECT DISTINCT issue_type, severity FROM monitoring.worker_issues")
    assert issues == [{"issue_type": "credentials_rejected", "severity": "critical"}]
    health = rows(url, "SELECT get_system_health() AS h")[0]["h"]
    assert health["overall_status"] == "critical"
    assert health["worker_health"]["critical_issues"] >= 3
