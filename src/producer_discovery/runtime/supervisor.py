"""Running stages: one stage in this process (`worker`), or all five as child processes (`run`).

`run` restarts a child the way Docker and supervisord do: a child that had started fine is
restarted at once when it dies (SIGKILL, OOM, a lost connection it could not survive). Only a
child that dies while starting backs off: 1 s, doubling to 60 s, for as long as it keeps dying
before it started; one healthy start resets it. A child has started fine when it said so (a
worker writes to the pipe named by PRODUCER_DISCOVERY_READY_FD once its first read cycle
reached the database) or, for a command that never says, once it has run `start_seconds`
(10 s, Docker's figure; supervisord's `startsecs`). With `--drain` it stops every child and exits 0 once the whole
pipeline is idle: every stage queue empty. That is enough, because a message stays in its
queue (invisible) while it is processed (or waits for a blocked source) and its next-stage
sends commit together with its archive, so an empty set of queues means nothing is in flight
anywhere; then the gaps a source that is back left are refilled (refill_identification_gaps),
and the pipeline is idle only when there were none.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg
import structlog

from producer_discovery.db.outages import refill_identification_gaps
from producer_discovery.db.pool import check_connection_budget
from producer_discovery.db.queue import queue_depths
from producer_discovery.errors import ConfigurationError
from producer_discovery.runtime.liveness import READY_FD
from producer_discovery.runtime.resources import Resources
from producer_discovery.runtime.worker import Worker
from producer_discovery.settings import Settings

log = structlog.get_logger("producer_discovery.runtime.supervisor")

# The stage modules live in `producer_discovery.workers`, which imports this package;
# they are looked up by name at run time so no import goes from here back to them.
STAGES = (
    "artist_discovery",
    "album_discovery",
    "track_discovery",
    "producer_identification",
    "social_enrichment",
)


def run_worker(settings: Settings, url: str, stage_name: str, drain: bool) -> int:
    """Run one stage in this process until stopped; the exit code."""
    module = importlib.import_module(f"producer_discovery.workers.{stage_name}")
    resources = Resources.build(settings, url, stage_name)
    try:
        stage = module.build(resources)
        return Worker(stage, resources, drain=drain).run()
    finally:
        resources.close()


START_SECONDS = 10.0  # a child that lived this long started fine (Docker: 10 s)
MAX_BACKOFF_SECONDS = 60.0


@dataclass(frozen=True)
class Exit:
    """One death of a child: how long it had lived, its exit code, the wait before its restart."""

    uptime: float
    code: int | None
    restart_in: float
    ready: bool = False


@dataclass
class Child:
    stage: str
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    failures: int = 0  # consecutive deaths while starting
    next_start: float = 0.0
    arguments: list[str] = field(default_factory=list)
    exits: list[Exit] = field(default_factory=list)
    ready_pipe: int | None = None  # read end; a byte arrives when the child has started
    ready: bool = False

    def restart_delay(self, uptime: float, start_seconds: float) -> float:
        """At once after a healthy start; 1 s doubling to 60 s while it keeps dying young."""
        if self.ready or uptime >= start_seconds:
            self.failures = 0
            return 0.0
        self.failures += 1
        return min(MAX_BACKOFF_SECONDS, 2.0 ** (self.failures - 1))


def worker_command(stage: str) -> list[str]:
    return [sys.executable, "-m", "producer_discovery", "worker", stage]


class Supervisor:
    """Keeps one worker process per stage alive."""

    def __init__(
        self,
        url: str,
        stages: tuple[str, ...] = STAGES,
        drain: bool = False,
        extra_arguments: list[str] | None = None,
        command: Callable[[str], list[str]] = worker_command,
        progress: Callable[[dict[str, int]], None] | None = None,
        environment: dict[str, str] | None = None,
        shutdown_grace: float = 30.0,
        start_seconds: float = START_SECONDS,
        connections_per_child: int | None = None,
    ) -> None:
        self.url = url
        # Children get this process's environment plus `environment`: this process's own
        # os.environ is never changed.
        self.environment = {**(environment or {}), "DATABASE_URL": url}
        self.shutdown_grace = shutdown_grace
        self.connections_per_child = connections_per_child
        self.start_seconds = start_seconds
        self.drain = drain
        self.progress = progress
        self.command = command
        self.children = [Child(stage, arguments=extra_arguments or []) for stage in stages]
        self.stopping = False
        self.signals = 0

    def run(self) -> int:
        previous = {}
        if threading.current_thread() is threading.main_thread():
            previous = {
                number: signal.signal(number, self._on_signal)
                for number in (signal.SIGTERM, signal.SIGINT)
            }
        self._check_connection_budget()
        idle_checks = 0
        next_report = 0.0
        try:
            while not self.stopping:
                for child in self.children:
                    self._keep_alive(child)
                if self.progress is not None and time.monotonic() >= next_report:
                    self.progress(self.queue_depths())
                    next_report = time.monotonic() + 2.0
                if self.drain:
                    idle_checks = idle_checks + 1 if self._pipeline_idle() else 0
                    if idle_checks >= 2:
                        log.info("pipeline_idle")
                        break
                time.sleep(0.2 if any(c.process is None for c in self.children) else 0.5)
        finally:
            self._stop_children()
            for number, handler in previous.items():
                signal.signal(number, handler)
        return 0

    def _check_connection_budget(self) -> None:
        """Warn, clearly and at once, when the children's pools would exceed max_connections."""
        if self.connections_per_child is None:
            return
        try:
            budget = check_connection_budget(
                self.url, len(self.children), self.connections_per_child
            )
        except psycopg.Error as error:
            log.warning("connection_budget_unknown", error=str(error).strip()[:200])
            return
        if budget.warning:
            log.warning("connection_budget_exceeded", detail=budget.warning)

    def _keep_alive(self, child: Child) -> None:
        process = child.process
        if process is not None and process.poll() is None:
            self._read_ready(child)
            return
        if process is not None:
            code = process.returncode
            self._read_ready(child)
            self._close_ready_pipe(child)
            uptime = time.monotonic() - child.started_at
            delay = child.restart_delay(uptime, self.start_seconds)
            child.exits.append(Exit(uptime, code, delay, child.ready))
            child.next_start = time.monotonic() + delay
            child.process = None
            log.warning(
                "worker_exited",
                stage=child.stage,
                exit_code=code,
                uptime=round(uptime, 1),
                restart_in=delay,
            )
            if delay > 0:
                return
        if time.monotonic() < child.next_start:
            return
        command = [*self.command(child.stage), *child.arguments]
        read_end, write_end = os.pipe()
        os.set_blocking(read_end, False)
        environment = {**os.environ, **self.environment, READY_FD: str(write_end)}
        try:
            child.process = subprocess.Popen(command, env=environment, pass_fds=(write_end,))
        finally:
            os.close(write_end)
        child.ready_pipe, child.ready = read_end, False
        child.started_at = time.monotonic()
        log.info("worker_started", stage=child.stage, pid=child.process.pid)

    @staticmethod
    def _read_ready(child: Child) -> None:
        if child.ready or child.ready_pipe is None:
            return
        with contextlib.suppress(BlockingIOError):
            child.ready = bool(os.read(child.ready_pipe, 1))

    @staticmethod
    def _close_ready_pipe(child: Child) -> None:
        if child.ready_pipe is not None:
            os.close(child.ready_pipe)
            child.ready_pipe = None

    def queue_depths(self) -> dict[str, int]:
        """Messages waiting or in flight per stage queue (empty when the database is away)."""
        return queue_depths(self.url, [child.stage for child in self.children])

    def _pipeline_idle(self) -> bool:
        """Every stage queue empty (so no song waits for a source either: a deferred message
        stays in its queue) and no gap left to refill for a source that is back."""
        depths = self.queue_depths()
        if not depths or sum(depths.values()) != 0:
            return False
        refilled = refill_identification_gaps(self.url)
        if refilled:
            log.info("identification_gaps_refilled", songs=refilled)
        return refilled == 0

    def _on_signal(self, number: int, frame: Any) -> None:
        self.signals += 1
        if self.signals > 1:
            for child in self.children:
                if child.process and child.process.poll() is None:
                    child.process.kill()
            os._exit(128 + number)
        self.stopping = True

    def _stop_children(self) -> None:
        for child in self.children:
            self._close_ready_pipe(child)
        running = [c.process for c in self.children if c.process and c.process.poll() is None]
        for process in running:
            process.send_signal(signal.SIGTERM)
        # The children finish in-flight work within their own grace; a little more for exiting.
        deadline = time.monotonic() + self.shutdown_grace + 5
        for process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()


def check_stage(name: str) -> None:
    if name not in STAGES:
        raise ConfigurationError(f"unknown stage {name!r}; stages: {', '.join(STAGES)}")
