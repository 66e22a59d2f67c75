"""The test stage (tests/support/runtime_stage.py) as worker processes, and what the e2e
runtime tests ask of its database."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from psycopg.types.json import Jsonb

from tests.support.database import rows, typed
from tests.support.runtime_stage import QUEUE

ROOT = Path(__file__).resolve().parents[2]


class Workers:
    """Starts test-stage worker processes (logs to files, never a full pipe) and cleans them up."""

    def __init__(self, url: str, logs: Path) -> None:
        self.url = url
        self.logs = logs
        self.processes: list[subprocess.Popen[str]] = []

    def start(self, *arguments: str) -> subprocess.Popen[str]:
        # the child writes to its own copy of the file descriptor
        with (self.logs / f"worker-{len(self.processes)}.log").open("w") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "tests.support.runtime_stage", self.url, *arguments],
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                text=True,
            )
        self.processes.append(process)
        return process

    def stop_all(self) -> None:
        for number, process in enumerate(self.processes):
            if process.poll() is None:
                process.kill()
            process.wait(timeout=30)
            if process.returncode not in (0, -signal.SIGKILL):
                print((self.logs / f"worker-{number}.log").read_text()[-3000:])


def send(url: str, *messages: Any) -> list[int]:
    found = rows(
        url, "SELECT pgmq.send_batch(%s, %s::jsonb[]) AS id", (QUEUE, [Jsonb(m) for m in messages])
    )
    return [row["id"] for row in found]


def wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def effects(url: str) -> dict[str, int]:
    found = rows(url, "SELECT key, count(*) AS n FROM runtime_effects GROUP BY key")
    return {row["key"]: row["n"] for row in found}


def queue_length(url: str, queue: str = QUEUE) -> int:
    found = rows(url, "SELECT queue_length FROM pgmq.metrics(%s)", (queue,))
    return typed(found[0]["queue_length"], int)
