"""The CLI as an operator runs it: the embedded default database and argument errors."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from producer_discovery.db.embedded import EmbeddedDatabase

pytestmark = pytest.mark.slow  # processes: more than ~3 s each

CLI = [sys.executable, "-m", "producer_discovery"]


def run(*arguments: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *arguments], capture_output=True, text=True, env=env, timeout=120)


@pytest.fixture
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = Path(tmp_path_factory.mktemp("home")) / "producer-discovery"
    yield path
    EmbeddedDatabase(path).stop()


@pytest.fixture
def environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["PRODUCER_DISCOVERY_HOME"] = str(home)
    return env


def test_migrate_without_database_url_creates_then_reuses_the_embedded_database(
    home: Path, environment: dict[str, str]
) -> None:
    """First `migrate` creates and migrates a local cluster and says where; the second reuses it."""
    first = run("migrate", env=environment)
    assert first.returncode == 0, first.stderr
    assert f"creating the embedded PostgreSQL in {home}" in first.stderr
    assert "set DATABASE_URL to use another database" in first.stderr
    assert "applied 0001_create_schemas" in first.stderr
    status = run("db", "status", env=environment)
    assert status.returncode == 0
    assert status.stdout.startswith("running:")
    second = run("migrate", env=environment)
    assert second.returncode == 0, second.stderr
    assert "creating" not in second.stderr
    assert "applied" not in second.stderr
    stopped = run("db", "stop", env=environment)
    assert stopped.returncode == 0
    again = run("health", env=environment)  # restarts the stopped cluster, data kept
    assert again.returncode == 0, again.stderr
    assert "overall: healthy" in again.stdout


@pytest.mark.parametrize(
    "arguments",
    [
        ["discover", "--limit", "0", "--genre", "pop"],
        ["worker-that-does-not-exist"],
        ["discover", "--min-popularity", "200", "--genre", "pop"],
        ["dlq", "replay", "--id", "x"],
    ],
)
def test_bad_arguments_exit_2_with_one_line(
    arguments: list[str], environment: dict[str, str]
) -> None:
    """An invalid argument is refused before anything runs, in one readable line."""
    result = run(*arguments, env=environment)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "error:" in result.stderr


def test_discover_without_names_or_genre_is_one_line_error(environment: dict[str, str]) -> None:
    """`discover` with nothing to discover is an input error: exit 2 with one line."""
    result = run("discover", env=environment)
    assert result.returncode == 2
    assert (
        result.stderr.strip().splitlines()[-1]
        == "producer-discovery: error: discover needs artist names or --genre GENRE"
    )
