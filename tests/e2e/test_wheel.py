"""The project ships as a wheel: built, installed into a fresh virtualenv (not editable, no
source tree on the path), and run from there: `migrate`, then the whole `demo`."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]
PROVIDERS = ("SPOTIFY_", "GENIUS_", "DISCOGS_", "INSTAGRAM_", "MUSICBRAINZ_")


def run(
    command: list[str],
    cwd: Path,
    log: Path,
    *,
    env: dict[str, str] | None = None,
    timeout: float | None = None,
) -> subprocess.CompletedProcess[str]:
    with log.open("a") as errors:
        return subprocess.run(
            command,
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
            check=False,
            env=env,
            timeout=timeout,
        )


@pytest.mark.slow
@pytest.mark.timeout(900)  # build, install, migrate and the demo: about 3 min, more when busy
def test_the_installed_wheel_migrates_and_runs_the_demo(
    empty_database_url: str, tmp_path: Path
) -> None:
    """A wheel holds the migrations and queries; installed on its own it migrates a database
    and runs the demo to the producer leaderboard."""
    log = tmp_path / "wheel.log"
    wheels = tmp_path / "wheels"
    built = run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(ROOT)],
        tmp_path,
        log,
        timeout=300,
    )
    assert built.returncode == 0, log.read_text()[-3000:]
    [wheel] = wheels.glob("producer_discovery-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "producer_discovery/migrations/0001_create_schemas.sql" in names
    assert "producer_discovery/migrations/definitions/20_messages.sql" in names
    assert "producer_discovery/migrations/superseded.txt" in names
    assert "producer_discovery/workers/producer_identification.py" in names
    assert "producer_discovery/db/queries/message_screen.sql" in names
    venv = tmp_path / "venv"
    assert run([sys.executable, "-m", "venv", str(venv)], tmp_path, log).returncode == 0
    installed = run(
        [str(venv / "bin" / "pip"), "install", "-q", "--disable-pip-version-check", str(wheel)],
        tmp_path,
        log,
        timeout=600,
    )
    assert installed.returncode == 0, log.read_text()[-3000:]
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(PROVIDERS) and key not in ("PYTHONPATH", "VIRTUAL_ENV")
    }
    environment["DATABASE_URL"] = empty_database_url
    command = str(venv / "bin" / "producer-discovery")
    migrated = run([command, "migrate"], outside, log, env=environment, timeout=300)
    assert migrated.returncode == 0, log.read_text()[-3000:]
    with psycopg.connect(empty_database_url) as conn:
        row = conn.execute(
            "SELECT count(*) FILTER (WHERE name ~ '^[0-9]'), "
            "count(*) FILTER (WHERE name LIKE 'definitions/%') FROM public.schema_migrations"
        ).fetchone()
    assert row is not None
    assert row[0] >= 15
    assert row[1] >= 10
    demo = run([command, "demo"], outside, log, env=environment, timeout=400)
    assert demo.returncode == 0, log.read_text()[-3000:]
    assert "pipeline idle after" in log.read_text()
    assert "Kelso & Marr" in demo.stdout
    assert "Sam Rivers" in demo.stdout
