"""An upgraded database equals a fresh install.

The last release is taken from the repository's history (its migrations and its runner, as
they were), applied to an empty database, and then migrated by this version; the result must
equal a database this version migrated from nothing: every table, column, constraint, index,
view, function body, owner, privilege, comment, seeded row, queue and pg_cron job
(tests/support/catalog.py), and the ledger.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import psycopg
import pytest

from producer_discovery.db.migrate import MIGRATIONS_DIR, migrate
from producer_discovery.sources import registered_sources
from tests.conftest import Server
from tests.support.catalog import differences, snapshot

ROOT = Path(__file__).resolve().parents[2]
# The last release: the commit whose migrations databases in use were built by.
LAST_RELEASE = "e8ba50185949a39c1f46ee2878ba47d9500440f8"
RELEASE_MIGRATIONS = "src/producer_discovery/db/migrations"
RELEASE_RUNNER = "src/producer_discovery/db/migrate.py"


def git(*arguments: str) -> str:
    return subprocess.run(
        ["git", "-C", str(ROOT), *arguments], check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture(scope="module")
def last_release(tmp_path_factory: pytest.TempPathFactory) -> tuple[ModuleType, Path]:
    """The last release's migration runner (imported from its source) and migrations folder."""
    if not (ROOT / ".git").exists():
        pytest.skip("needs the repository's git history (a clone, not an unpacked archive)")
    folder = tmp_path_factory.mktemp("last-release")
    migrations = folder / "migrations"
    migrations.mkdir()
    for path in git("ls-tree", "--name-only", LAST_RELEASE, f"{RELEASE_MIGRATIONS}/").split():
        (migrations / Path(path).name).write_text(git("show", f"{LAST_RELEASE}:{path}"))
    runner = folder / "release_migrate.py"
    runner.write_text(git("show", f"{LAST_RELEASE}:{RELEASE_RUNNER}"))
    spec = importlib.util.spec_from_file_location("release_migrate", runner)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["release_migrate"] = module
    spec.loader.exec_module(module)
    return module, migrations


@pytest.fixture
def new_database(pg_server: Server) -> Iterator[Callable[[], str]]:
    """A factory of empty databases, dropped at the end."""
    made: list[str] = []

    def make() -> str:
        name = f"pd_upgrade_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(pg_server.admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        made.append(name)
        return pg_server.url(name)

    yield make
    with psycopg.connect(pg_server.admin_url, autocommit=True) as conn:
        for name in made:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def upgraded(url: str, last_release: tuple[ModuleType, Path]) -> list[str]:
    runner, migrations = last_release
    assert runner.migrate(url, migrations), "the last release applied nothing"
    return migrate(url, sources=registered_sources())


def test_upgraded_database_equals_a_fresh_install(
    new_database: Callable[[], str], last_release: tuple[ModuleType, Path]
) -> None:
    """The last release's database, migrated by this version, equals a fresh install."""
    fresh = new_database()
    migrate(fresh, sources=registered_sources())
    upgrade = new_database()
    applied = upgraded(upgrade, last_release)
    assert any(name.startswith("definitions/") for name in applied)
    assert differences(snapshot(fresh), snapshot(upgrade)) == []
    assert migrate(upgrade, sources=registered_sources()) == []


def test_upgraded_cron_database_has_the_fresh_schedules(
    pg_server: Server, last_release: tuple[ModuleType, Path]
) -> None:
    """In pg_cron's database too: the jobs, their commands and everything else are equal."""
    cluster = pg_server.cluster
    if cluster is None or not cluster.has_pg_cron:
        pytest.skip("needs the tests' own cluster with pg_cron preloaded")
    cron_url = pg_server.url(cluster.cron_database)
    snapshots = []
    builders: list[Callable[[str], list[str]]] = [
        lambda url: migrate(url, sources=registered_sources()),
        lambda url: upgraded(url, last_release),
    ]
    for build in builders:
        with psycopg.connect(pg_server.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{cluster.cron_database}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{cluster.cron_database}"')
        build(cron_url)
        snapshots.append(snapshot(cron_url))
    assert len(snapshots[0]["cron jobs"]) >= 12
    assert differences(*snapshots) == []


def test_no_function_or_view_is_defined_twice_in_the_repository() -> None:
    """Each function and view has one definition in migrations/, the one that is current."""
    statement = re.compile(
        r"CREATE\s+(?:OR\s+REPLACE\s+)?(FUNCTION|PROCEDURE|VIEW)\s+([\w.]+)", re.IGNORECASE
    )
    seen: dict[str, str] = {}
    repeated = []
    for path in sorted(Path(str(MIGRATIONS_DIR)).rglob("*.sql")):
        for kind, name in statement.findall(path.read_text(encoding="utf-8")):
            key = f"{kind.upper()} {name.lower()}"
            if key in seen:
                repeated.append(f"{key}: {seen[key]} and {path.name}")
            seen[key] = path.name
    assert len(seen) > 60
    assert repeated == []
