"""`run` hands its runtime settings to every stage process, through the children's
environment only: the supervising process's own environment is never changed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from producer_discovery.runtime.supervisor import Supervisor

ROOT = Path(__file__).resolve().parents[2]


def child_environment(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(entry.decode().split("=", 1) for entry in raw if b"=" in entry)


def children_of(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(line) for line in found.split()]


@pytest.mark.slow
def test_run_passes_shutdown_grace_and_concurrency_to_every_stage(
    database_url: str, tmp_path: Path
) -> None:
    """`run --shutdown-grace 7 --concurrency 3`: all five children see both values, and a
    SIGTERM stops them all with exit 0."""
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "warning",
        # `run` refuses to start stages whose credentials are missing
        "SPOTIFY_CLIENT_ID": "id",
        "SPOTIFY_CLIENT_SECRET": "secret",
        "MUSICBRAINZ_CONTACT": "tests@example.org",
    }
    with (tmp_path / "run.log").open("w") as log:
        run = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "producer_discovery",
                "run",
                "--shutdown-grace",
                "7",
                "--concurrency",
                "3",
            ],
            cwd=ROOT,
            env=environment,
            stderr=log,
        )
    try:
        deadline = time.monotonic() + 30
        while len(children_of(run.pid)) < 5 and time.monotonic() < deadline:
            time.sleep(0.2)
        children = children_of(run.pid)
        assert len(children) == 5, (tmp_path / "run.log").read_text()[-2000:]
        for child in children:
            seen = child_environment(child)
            assert seen["SHUTDOWN_GRACE_SECONDS"] == "7.0"
            assert seen["WORKER_CONCURRENCY"] == "3"
        run.send_signal(signal.SIGTERM)
        assert run.wait(timeout=30) == 0
    finally:
        if run.poll() is None:
            run.kill()


def test_supervisor_environment_reaches_children_not_the_parent(
    database_url: str, tmp_path: Path
) -> None:
    """A Supervisor's `environment` is given to its children; os.environ stays as it was."""
    record = tmp_path / "seen"

    def command(stage: str) -> list[str]:
        script = (
            f"import os; open({str(record / stage)!r}, 'w').write(os.environ.get('PD_PROBE', ''))"
        )
        return [sys.executable, "-c", script]

    record.mkdir()
    before = dict(os.environ)
    Supervisor(
        database_url,
        stages=("artist_discovery",),
        drain=True,
        command=command,
        environment={"PD_PROBE": "from-the-supervisor"},
    ).run()
    assert (record / "artist_discovery").read_text() == "from-the-supervisor"
    assert "PD_PROBE" not in os.environ
    assert dict(os.environ) == before
