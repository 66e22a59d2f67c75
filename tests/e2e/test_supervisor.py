"""`run`'s supervisor: a crashed worker is restarted, and --drain ends when the pipeline is idle."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

import psycopg
import pytest
from psycopg.types.json import Jsonb

from producer_discovery.runtime.supervisor import Supervisor
from tests.support.database import one
from tests.support.runtime_stage import QUEUE, SETUP_SQL

pytestmark = pytest.mark.slow  # processes: more than ~3 s each


def test_crashed_worker_is_restarted_and_drain_exits_when_idle(database_url: str) -> None:
    """A worker killed mid-run comes back, finishes the queue, and the drained supervisor returns 0."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(SETUP_SQL)
        conn.execute("SELECT pgmq.send_batch(%s, %s::jsonb[])",
                     (QUEUE, [Jsonb({"key": f"k{n}", "behaviour": "sleep", "seconds": 0.2}) for n in range(30)]))

    def command(stage: str) -> list[str]:
        return [sys.executable, "-m", "tests.support.runtime_stage", database_url, "--vt", "2"]

    supervisor = Supervisor(database_url, stages=(QUEUE,), drain=True, command=command)
    killed: list[int] = []

    def kill_the_first_worker() -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            process = supervisor.children[0].process
            with psycopg.connect(database_url, autocommit=True) as conn:
                done = one(conn.execute("SELECT count(*) FROM runtime_effects"))[0]
            if process is not None and done >= 3:
                os.kill(process.pid, signal.SIGKILL)
                killed.append(process.pid)
                return
            time.sleep(0.1)

    killer = threading.Thread(target=kill_the_first_worker)
    killer.start()
    started = time.monotonic()
    assert supervisor.run() == 0
    killer.join()
    assert killed, "the worker was killed once"
    assert supervisor.children[0].failures == 1
    assert time.monotonic() - started < 60
    with psycopg.connect(database_url, autocommit=True) as conn:
        rows = conn.execute("SELECT key, count(*) FROM runtime_effects GROUP BY key").fetchall()
        assert conn.execute("SELECT queue_length FROM pgmq.metrics(%s)", (QUEUE,)).fetchone() == (0,)
    assert dict(rows) == {f"k{n}": 1 for n in range(30)}
