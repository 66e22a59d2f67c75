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
        conn.execute(
            "SELECT pgmq.send_batch(%s, %s::jsonb[])",
            (
                QUEUE,
                [Jsonb({"key": f"k{n}", "behaviour": "sleep", "seconds": 0.2}) for n in range(30)],
            ),
        )

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
    assert [e.restart_in for e in supervisor.children[0].exits] == [0.0], (
        "a worker that had started restarts at once"
    )
    assert time.monotonic() - started < 60
    with psycopg.connect(database_url, autocommit=True) as conn:
        rows = conn.execute("SELECT key, count(*) FROM runtime_effects GROUP BY key").fetchall()
        assert conn.execute("SELECT queue_length FROM pgmq.metrics(%s)", (QUEUE,)).fetchone() == (
            0,
        )
    assert dict(rows) == {f"k{n}": 1 for n in range(30)}


def sleeper(stage: str) -> list[str]:
    return [sys.executable, "-c", "import time; time.sleep(3600)"]


def crasher(stage: str) -> list[str]:
    return [sys.executable, "-c", "raise SystemExit(3)"]


def run_in_background(supervisor: Supervisor) -> threading.Thread:
    thread = threading.Thread(target=supervisor.run, daemon=True)
    thread.start()
    return thread


def child_pid(supervisor: Supervisor) -> int:
    """The pid of the (first) child, which must be running."""
    process = supervisor.children[0].process
    assert process is not None, "the child has no process"
    return process.pid


def wait_for_new_process(supervisor: Supervisor, old_pid: int, timeout: float) -> float:
    """Seconds until the child runs under a pid other than old_pid."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        process = supervisor.children[0].process
        if process is not None and process.pid != old_pid and process.poll() is None:
            return time.monotonic() - started
        time.sleep(0.02)
    raise AssertionError(f"no restart within {timeout}s")


def test_child_killed_after_starting_fine_restarts_at_once() -> None:
    """A child SIGKILLed after it had run past start_seconds is restarted with no back-off, every time."""
    supervisor = Supervisor(
        "postgresql://unused", stages=("sleeper",), command=sleeper, start_seconds=1.0
    )
    thread = run_in_background(supervisor)
    try:
        gaps = []
        for _ in range(4):
            wait_for_new_process(supervisor, -1, 10)
            time.sleep(1.3)  # past start_seconds: a healthy child
            pid = child_pid(supervisor)
            os.kill(pid, signal.SIGKILL)
            gaps.append(wait_for_new_process(supervisor, pid, 10))
    finally:
        supervisor.stopping = True
        thread.join(timeout=30)
    assert [e.restart_in for e in supervisor.children[0].exits] == [0.0] * 4
    assert max(gaps) < 1.0, gaps


def test_child_dying_while_starting_backs_off_and_one_healthy_run_resets_it() -> None:
    """A child that dies young waits 1, 2, 4 s before its restarts; after a healthy run the next death restarts at once."""
    commands = {"mode": "crash"}

    def command(stage: str) -> list[str]:
        return crasher(stage) if commands["mode"] == "crash" else sleeper(stage)

    supervisor = Supervisor(
        "postgresql://unused", stages=("flaky",), command=command, start_seconds=1.0
    )
    thread = run_in_background(supervisor)
    try:
        deadline = time.monotonic() + 30
        while len(supervisor.children[0].exits) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        commands["mode"] = "sleep"
        wait_for_new_process(supervisor, -1, 30)
        time.sleep(1.3)
        pid = child_pid(supervisor)
        os.kill(pid, signal.SIGKILL)
        gap = wait_for_new_process(supervisor, pid, 10)
    finally:
        supervisor.stopping = True
        thread.join(timeout=30)
    delays = [e.restart_in for e in supervisor.children[0].exits]
    assert delays[:3] == [1.0, 2.0, 4.0], delays
    assert delays[-1] == 0.0
    assert gap < 1.0


def test_worker_that_reported_ready_restarts_at_once_even_when_killed_young(
    database_url: str,
) -> None:
    """A real stage worker killed two seconds after it said it was ready (well under start_seconds) is restarted with no back-off."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(SETUP_SQL)

    def command(stage: str) -> list[str]:
        return [sys.executable, "-m", "tests.support.runtime_stage", database_url, "--vt", "2"]

    supervisor = Supervisor(database_url, stages=(QUEUE,), command=command, start_seconds=60.0)
    thread = run_in_background(supervisor)
    try:
        for _ in range(2):
            deadline = time.monotonic() + 30
            while not supervisor.children[0].ready and time.monotonic() < deadline:
                time.sleep(0.05)
            assert supervisor.children[0].ready, "the worker said it was ready"
            pid = child_pid(supervisor)
            os.kill(pid, signal.SIGKILL)
            gap = wait_for_new_process(supervisor, pid, 10)
            assert gap < 1.0
    finally:
        supervisor.stopping = True
        thread.join(timeout=60)
    exits = supervisor.children[0].exits
    assert [(e.ready, e.restart_in) for e in exits[:2]] == [(True, 0.0), (True, 0.0)]
    assert all(e.uptime < 60 for e in exits)
