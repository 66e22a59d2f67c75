"""The whole pipeline as an operator runs it: `discover` the artists, then `run --drain` in
its own process until the pipeline is idle, with work of the test's beside it in threads (a
chaos driver, a source outage, a watcher). Used by the end-to-end tests that compare a run
with a clean one, and by the outage benchmark."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from producer_discovery.sandbox.environment import SandboxEnvironment

ROOT = Path(__file__).resolve().parents[2]
PROVIDERS = ("SPOTIFY_", "GENIUS_", "DISCOGS_", "INSTAGRAM_", "MUSICBRAINZ_")
Supervisor = subprocess.Popen[bytes]


@dataclass
class Beside:
    """Work run in a thread while the pipeline runs: `run(supervisor)`; `done`, when given, is
    set once `run --drain` has ended, and the thread is then waited for `join_seconds`."""

    run: Callable[[Supervisor], object]
    done: threading.Event | None = None
    join_seconds: float = 60.0


def pipeline_environment(
    sandboxes: SandboxEnvironment, url: str, **variables: str
) -> dict[str, str]:
    """This process's environment without any provider's variables, then the sandboxes',
    the database and `variables`."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith(PROVIDERS)}
    environment.update(sandboxes.variables(), DATABASE_URL=url, **variables)
    return environment


def discover_and_drain(
    environment: Mapping[str, str],
    log: Path,
    artists: Sequence[str],
    *,
    timeout: float,
    beside: Sequence[Beside] = (),
) -> float:
    """Queue the artists, run `run --drain` to its end (exit 0 asserted); the seconds it took.
    Both commands write to `log`."""
    threads: list[tuple[Beside, threading.Thread]] = []
    with log.open("a") as output:
        subprocess.run(
            [sys.executable, "-m", "producer_discovery", "discover", *artists],
            cwd=ROOT,
            env=dict(environment),
            stdout=output,
            stderr=output,
            check=True,
            timeout=60,
        )
        started = time.monotonic()
        supervisor = subprocess.Popen(
            [sys.executable, "-m", "producer_discovery", "run", "--drain"],
            cwd=ROOT,
            env=dict(environment),
            stdout=output,
            stderr=output,
        )
        try:
            for work in beside:
                thread = threading.Thread(target=work.run, args=(supervisor,), daemon=True)
                thread.start()
                threads.append((work, thread))
            code = supervisor.wait(timeout=timeout)
        finally:
            if supervisor.poll() is None:
                supervisor.kill()
            for work, thread in threads:
                if work.done is not None:
                    work.done.set()
                    thread.join(timeout=work.join_seconds)
    assert code == 0, log.read_text()[-3000:]
    return time.monotonic() - started
