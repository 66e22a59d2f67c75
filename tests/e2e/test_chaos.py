"""Chaos: the whole pipeline under `run --drain` on the sandboxes, once clean and
once while a driver SIGKILLs a random stage process every few seconds, restarts the database
once, kills connections with pg_terminate_backend and holds a session idle in transaction,
and the sandboxes answer 429s and 5xx. The end state must be the clean run's, in at most
twice its time. CHAOS_RUNS (default 1) repeats the chaos run against the one clean run."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest

from producer_discovery.sandbox.environment import SandboxEnvironment
from producer_discovery.sandbox.server import Faults
from tests.conftest import Server
from tests.support.pipeline_run import Beside, discover_and_drain, pipeline_environment
from tests.support.pipeline_state import differences_from_clean, snapshot

ARTISTS = ("Nova Reyes", "The Velvet Arcade")
CHAOS_RUNS = int(os.environ.get("CHAOS_RUNS", "1"))
KILL_EVERY = (2.0, 4.0)  # seconds between two SIGKILLs, drawn uniformly


def run_pipeline(
    url: str, sandboxes: SandboxEnvironment, log: Path, chaos: Chaos | None = None
) -> float:
    """Queue the artists, run `run --drain` to the end (under chaos if given); seconds taken."""
    environment = pipeline_environment(sandboxes, url, LOG_LEVEL="warning")
    beside = [Beside(chaos.drive, chaos.done)] if chaos is not None else []
    return discover_and_drain(environment, log, ARTISTS, timeout=600, beside=beside)


def stage_processes(parent: int) -> list[int]:
    """The pids of `parent`'s children (the stage workers), from /proc."""
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent and fields[0] != "Z":
            children.append(int(entry.name))
    return children


@dataclass
class Chaos:
    """The fault driver: what it did is counted in `done_faults`."""

    url: str
    server: Server
    restart_at: float  # seconds into the run
    done: threading.Event = field(default_factory=threading.Event)
    done_faults: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(
            ("sigkill", "database_restart", "terminate_backend", "idle_in_transaction"), 0
        )
    )

    def drive(self, supervisor: subprocess.Popen[bytes]) -> None:
        started = time.monotonic()
        chooser = random.Random()
        restarted = False
        idle: psycopg.Connection[Any] | None = None
        idle_until = 0.0
        turn = 0
        while not self.done.wait(chooser.uniform(*KILL_EVERY)):
            turn += 1
            elapsed = time.monotonic() - started
            workers = stage_processes(supervisor.pid)
            if workers:
                os.kill(chooser.choice(workers), signal.SIGKILL)
                self.done_faults["sigkill"] += 1
            if not restarted and elapsed >= self.restart_at and self.server.cluster is not None:
                if idle is not None:
                    idle.close()
                    idle = None
                self.server.cluster.restart()
                self.done_faults["database_restart"] += 1
                restarted = True
                continue
            try:
                if turn % 4 == 2:
                    self._terminate_backends()
                if idle is None and turn % 6 == 3:
                    idle = psycopg.connect(self.url)  # a transaction opens with the first query
                    idle.execute("SELECT count(*) FROM processing_status")
                    idle_until = time.monotonic() + 15
                    self.done_faults["idle_in_transaction"] += 1
                if idle is not None and time.monotonic() >= idle_until:
                    idle.close()
                    idle = None
            except psycopg.Error:
                idle = None
        if idle is not None:
            idle.close()

    def _terminate_backends(self) -> None:
        """Five random connections of the pipeline, killed server-side."""
        with psycopg.connect(self.url, autocommit=True) as conn:
            killed = conn.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM (SELECT pid FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND application_name = 'producer-discovery' ORDER BY random() LIMIT 5) chosen"
            ).fetchone()
        self.done_faults["terminate_backend"] += killed[0] if killed else 0


@pytest.mark.slow
# A clean run (about 100 s) and CHAOS_RUNS chaos runs of up to twice as long each, with room
# for a busy machine, before the test is cut short as hung.
@pytest.mark.timeout(600 * (1 + CHAOS_RUNS))
def test_pipeline_under_chaos_ends_like_a_clean_run_in_at_most_twice_its_time(
    pg_server: Server, fresh_database: Any, tmp_path: Path
) -> None:
    """Kills, a database restart, killed connections, an idle transaction, 429s and 5xx: the same
    artists, albums, tracks, normalized tracks, producers and credits as a clean run, nothing
    queued, no dead letter, in at most twice the clean run's time."""
    if pg_server.cluster is None:
        pytest.skip("needs the tests' own cluster to restart")
    clean_url = fresh_database()
    with SandboxEnvironment() as sandboxes:
        clean_seconds = run_pipeline(clean_url, sandboxes, tmp_path / "clean.log")
    clean = snapshot(clean_url)
    assert clean["tracks"], "the clean run found tracks"
    assert clean["credits"], "the clean run found credits"
    assert clean["queued"] == []
    assert clean["dead_letters"] == []

    for run in range(CHAOS_RUNS):
        url = fresh_database()
        faults = {
            name: Faults(rate_limit_every=9, retry_after_seconds=1, server_error_every=11)
            for name in ("spotify", "genius", "musicbrainz", "discogs", "instagram")
        }
        chaos = Chaos(url, pg_server, restart_at=clean_seconds / 3)
        with SandboxEnvironment(faults=faults) as sandboxes:
            chaos_seconds = run_pipeline(url, sandboxes, tmp_path / f"chaos-{run}.log", chaos)
            injected = {
                name: sum(server.injected.values()) for name, server in sandboxes.servers.items()
            }
        state = snapshot(url)
        print(
            f"\nchaos run {run + 1}: clean {clean_seconds:.0f} s, chaos {chaos_seconds:.0f} s "
            f"({chaos_seconds / clean_seconds:.2f}×); faults {chaos.done_faults}; "
            f"injected by the sandboxes {injected}"
        )
        assert chaos.done_faults["sigkill"] >= 5
        assert chaos.done_faults["database_restart"] == 1
        assert sum(injected.values()) > 0
        problems, other_edition = differences_from_clean(clean, state)
        print(f"songs identified from another edition than in the clean run: {other_edition}")
        assert problems == [], problems
        assert chaos_seconds <= 2 * clean_seconds, (chaos_seconds, clean_seconds)
