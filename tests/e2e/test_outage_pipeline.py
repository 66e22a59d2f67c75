"""Genius blocked (its CDN's 403) in the middle of a whole `run --drain` on the sandboxes,
against a clean run of the same artists at the providers' real limits:

* blocked for 20 s: the songs identified meanwhile wait for Genius (no attempt spent) and
  the run ends EQUAL to the clean one; its wall time is printed against the clean run's;
* blocked for longer than SOURCE_WAIT_SECONDS: the songs complete without Genius, and once
  Genius answers again their gaps are refilled within a minute; the run ends equal too.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest

from producer_discovery.sandbox.environment import SandboxEnvironment
from tests.conftest import Server
from tests.support.pipeline_run import Beside, discover_and_drain, pipeline_environment
from tests.support.pipeline_state import differences_from_clean, snapshot

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1500)]

ARTISTS = ("Nova Reyes", "The Velvet Arcade")


@dataclass
class Outage:
    """Genius answers its CDN's 403 to every request from `start` seconds into the run (or
    once `after_songs` songs are identified) for `seconds`."""

    seconds: float
    after_songs: int = 4
    began: float | None = None  # monotonic times, set while it runs
    ended: float | None = None
    done: threading.Event = field(default_factory=threading.Event)

    def drive(self, url: str, sandboxes: SandboxEnvironment) -> None:
        while not self.done.wait(0.5):
            if songs_identified(url) >= self.after_songs:
                break
        if self.done.is_set():
            return
        sandboxes.genius.faults.block_paths = "."
        self.began = time.monotonic()
        self.done.wait(self.seconds)
        sandboxes.genius.faults.block_paths = None
        self.ended = time.monotonic()


def songs_identified(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM processing_status WHERE entity_type = 'track' "
            "AND state = 'COMPLETED'"
        ).fetchone()
    return int(row[0]) if row else 0


def run_pipeline(
    url: str,
    log: Path,
    outage: Outage | None = None,
    settings: dict[str, str] | None = None,
    watch: Any = None,
) -> tuple[float, SandboxEnvironment]:
    """Queue the artists, `run --drain` to the end (Genius out as `outage` says); seconds."""
    sandboxes = SandboxEnvironment().start()
    environment = pipeline_environment(
        sandboxes, url, LOG_LEVEL="info", LOG_FORMAT="json", **(settings or {})
    )
    beside = []
    if outage is not None:
        beside.append(Beside(lambda _: outage.drive(url, sandboxes), outage.done, 30.0))
    if watch is not None:
        beside.append(Beside(watch))
    try:
        seconds = discover_and_drain(environment, log, ARTISTS, timeout=900, beside=beside)
    finally:
        sandboxes.stop()
    return seconds, sandboxes


@dataclass
class CleanRun:
    seconds: float
    state: dict[str, list[tuple[Any, ...]]]


@pytest.fixture(scope="module")
def clean_run(
    pg_server: Server, template_database: str, tmp_path_factory: Any
) -> Iterator[CleanRun]:
    """One clean run shared by the tests of this module."""
    name = f"pd_clean_{uuid.uuid4().hex[:10]}"
    janitor = pg_server.janitor(name, template=template_database)
    janitor.init()
    try:
        url = pg_server.url(name)
        seconds, _ = run_pipeline(url, tmp_path_factory.mktemp("clean") / "clean.log")
        state = snapshot(url)
        assert state["credits"], "the clean run found credits"
        assert state["queued"] == []
        yield CleanRun(seconds, state)
    finally:
        janitor.drop()


def identification_outcomes(log: Path) -> dict[str, int]:
    """How producer identification's deliveries ended, from the workers' JSON log lines."""
    outcomes: dict[str, int] = {}
    for line in log.read_text().splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if (
            isinstance(event, dict)
            and event.get("event") == "message_processed"
            and event.get("stage") == "producer_identification"
        ):
            outcome = str(event.get("outcome"))
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


def test_genius_blocked_for_20_seconds_is_waited_out_and_the_run_ends_like_a_clean_one(
    clean_run: CleanRun, database_url: str, tmp_path: Path
) -> None:
    """20 s of CDN 403 mid-run, the default settings: every credit of the clean run, Genius'
    included; no song left with a gap; the songs that waited spent no attempt."""
    outage = Outage(seconds=20)
    log = tmp_path / "outage.log"
    seconds, sandboxes = run_pipeline(database_url, log, outage)
    assert outage.began is not None, "the outage happened during the run"
    assert sandboxes.genius.injected, "Genius answered 403s"
    outcomes = identification_outcomes(log)
    set_aside, failures = outcomes.get("deferred", 0), outcomes.get("retry", 0)
    print(
        f"\nclean run {clean_run.seconds:.0f} s; Genius blocked 20 s: {seconds:.0f} s "
        f"({seconds / clean_run.seconds:.2f}×); 403s answered {sum(sandboxes.genius.injected.values())}, "
        f"identification deliveries set aside {set_aside}, failed {failures}"
    )
    problems, other_edition = differences_from_clean(clean_run.state, snapshot(database_url))
    assert problems == [], (problems, other_edition)
    assert set_aside > 0, "songs waited for Genius"
    assert failures == 0, "waiting spent no attempt"
    with psycopg.connect(database_url, autocommit=True) as conn:
        gaps = conn.execute(
            "SELECT count(*) FROM processing_status WHERE entity_type = 'track' "
            "AND metadata->'missing_sources' <> '{}'::jsonb"
        ).fetchone()
    assert gaps == (0,)


def test_genius_blocked_past_the_wait_leaves_gaps_refilled_within_a_minute_of_its_return(
    clean_run: CleanRun, database_url: str, tmp_path: Path
) -> None:
    """SOURCE_WAIT_SECONDS 5 and blocks of 5 s (doubling to 10 s), Genius out for 45 s: songs
    complete without Genius meanwhile; within a minute of Genius answering again every gap is
    refilled, and the run ends like the clean one."""
    outage = Outage(seconds=45)
    gaps_seen: list[int] = []
    refilled_at: list[float] = []

    def watch(supervisor: subprocess.Popen[bytes]) -> None:
        while supervisor.poll() is None:
            with psycopg.connect(database_url, autocommit=True) as conn:
                row = conn.execute(
                    "SELECT gaps_pending FROM get_source_gaps() WHERE source = 'genius'"
                ).fetchone()
            pending = int(row[0]) if row else 0
            gaps_seen.append(pending)
            if outage.ended is not None and pending == 0 and not refilled_at:
                refilled_at.append(time.monotonic())
            time.sleep(1)

    settings = {
        "SOURCE_WAIT_SECONDS": "5",
        "SOURCE_BLOCK_BASE_SECONDS": "5",
        "SOURCE_BLOCK_CAP_SECONDS": "10",
    }
    seconds, _ = run_pipeline(database_url, tmp_path / "long.log", outage, settings, watch)
    assert outage.began is not None
    assert outage.ended is not None
    assert max(gaps_seen) > 0, "songs completed without Genius while it was out"
    assert refilled_at, "the gaps were refilled"
    print(
        f"\nGenius out 45 s past a 5 s wait: {max(gaps_seen)} songs left with a gap, all "
        f"refilled {refilled_at[0] - outage.ended:.0f} s after Genius answered again; run "
        f"{seconds:.0f} s (clean {clean_run.seconds:.0f} s)"
    )
    assert refilled_at[0] - outage.ended <= 60
    problems, other_edition = differences_from_clean(clean_run.state, snapshot(database_url))
    assert problems == [], (problems, other_edition)
