"""A running worker process is counted live; a stopped one is not."""

from __future__ import annotations

import signal

import pytest

from tests.support.database import rows
from tests.support.runtime_workers import Workers, wait_until

pytestmark = pytest.mark.slow  # processes: more than ~3 s each


def heartbeats(url: str) -> list[dict[str, object]]:
    return rows(url, "SELECT worker_id, stage, pid, last_seen FROM monitoring.worker_heartbeats")


def test_a_worker_reports_itself_alive_while_it_runs_and_goes_when_stopped(
    url: str, workers: Workers
) -> None:
    """Started: one heartbeat row for its stage and pid, renewed every ~10 s; SIGTERM: gone."""
    process = workers.start("--vt", "30")
    wait_until(lambda: len(heartbeats(url)) == 1, 20, "the first heartbeat")
    first = heartbeats(url)[0]
    assert (first["stage"], first["pid"]) == ("runtime_test", process.pid)
    wait_until(
        lambda: heartbeats(url)[0]["last_seen"] > first["last_seen"],  # type: ignore[operator]
        15,
        "a renewed heartbeat",
    )
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    assert heartbeats(url) == []
