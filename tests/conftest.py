"""Test fixtures: a throwaway PostgreSQL cluster per test session, a template database with
every migration applied, and a fresh database cloned from the template for each test.

The cluster is started from the Debian binaries (/usr/lib/postgresql/N/bin) with pg_cron
preloaded (cron.database_name = pd_cron, a database the cron tests migrate themselves), as the
`postgres` OS user when the tests run as root. Set TEST_DATABASE_URL to a superuser URL of an
existing server to use it instead (the tests then create and drop their own databases there).
Under pytest-xdist every worker process has its own cluster.

The provider sandboxes (tests/support/sandboxes.py) are started once per module, with the
options of the module's `sandboxes` marker:
`pytestmark = pytest.mark.sandboxes(musicbrainz_requests_per_second=50)`.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.rows import dict_row
from pytest_postgresql.janitor import DatabaseJanitor

from producer_discovery.db.cluster import LocalCluster, free_port
from producer_discovery.db.migrate import migrate
from producer_discovery.sources import registered_sources
from tests.support.database import Database
from tests.support.sandboxes import Sandboxes

CRON_DATABASE = "pd_cron"


@dataclass
class Server:
    """Where the test databases live."""

    admin_url: str
    cluster: LocalCluster | None = None

    @property
    def parts(self) -> dict[str, str]:
        return {k: str(v) for k, v in conninfo_to_dict(self.admin_url).items()}

    def url(self, database: str) -> str:
        parts = self.parts
        parts["dbname"] = database
        return make_conninfo(**parts)

    def janitor(self, database: str, template: str | None = None) -> DatabaseJanitor:
        parts = self.parts
        return DatabaseJanitor(
            user=parts.get("user", "postgres"),
            host=parts.get("host", "127.0.0.1"),
            port=parts.get("port", "5432"),
            password=parts.get("password"),
            dbname=database,
            template_dbname=template,
            maintenance_dbname=parts.get("dbname", "postgres"),
        )


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Server]:
    """A PostgreSQL server for the whole session."""
    existing = os.environ.get("TEST_DATABASE_URL")
    if existing:
        yield Server(existing)
        return
    root = Path(tempfile.mkdtemp(prefix="pd-tests-", dir="/tmp"))
    cluster = LocalCluster(root / "data", free_port(), cron_database=CRON_DATABASE)
    try:
        cluster.initialise(fsync=False)
        cluster.start()
        yield Server(cluster.url("postgres"), cluster)
    finally:
        cluster.destroy()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def template_database(pg_server: Server) -> Iterator[str]:
    """A database with every migration applied, cloned by each test."""
    name = f"pd_template_{uuid.uuid4().hex[:8]}"
    janitor = pg_server.janitor(name)
    janitor.init()
    migrate(pg_server.url(name), sources=registered_sources())
    yield name
    janitor.drop()


@pytest.fixture
def database_url(pg_server: Server, template_database: str) -> Iterator[str]:
    """A fresh, migrated database for one test."""
    name = f"pd_test_{uuid.uuid4().hex[:10]}"
    janitor = pg_server.janitor(name, template=template_database)
    janitor.init()
    yield pg_server.url(name)
    janitor.drop()


@pytest.fixture
def fresh_database(pg_server: Server, template_database: str) -> Iterator[Callable[[], str]]:
    """A factory of fresh migrated databases, dropped at the end."""
    made: list[DatabaseJanitor] = []

    def make() -> str:
        name = f"pd_fresh_{uuid.uuid4().hex[:10]}"
        janitor = pg_server.janitor(name, template=template_database)
        janitor.init()
        made.append(janitor)
        return pg_server.url(name)

    yield make
    for janitor in made:
        try:
            janitor.drop()
        except Exception:  # a database restart may leave a connection closing
            time.sleep(2)
            janitor.drop()


@pytest.fixture
def empty_database_url(pg_server: Server) -> Iterator[str]:
    """A fresh database with nothing in it."""
    name = f"pd_empty_{uuid.uuid4().hex[:10]}"
    janitor = pg_server.janitor(name)
    janitor.init()
    yield pg_server.url(name)
    janitor.drop()


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    """An autocommit connection (dict rows) to the test's database."""
    with psycopg.connect(database_url, autocommit=True, row_factory=dict_row) as conn:
        yield conn


@pytest.fixture
def cron_database_url(pg_server: Server) -> Iterator[str]:
    """A fresh, empty database named as cron.database_name, so pg_cron can be created in it."""
    if pg_server.cluster is None or not pg_server.cluster.has_pg_cron:
        pytest.skip("needs the tests' own cluster with pg_cron preloaded")
    janitor = pg_server.janitor(CRON_DATABASE)
    janitor.drop()
    janitor.init()
    yield pg_server.url(CRON_DATABASE)
    janitor.drop()


@pytest.fixture(scope="module")
def started_sandboxes(request: pytest.FixtureRequest) -> Iterator[Sandboxes]:
    """The provider sandboxes of one test module, with the options of its `sandboxes` marker."""
    marker = request.node.get_closest_marker("sandboxes")
    with Sandboxes(**(marker.kwargs if marker else {})) as sandboxes:
        yield sandboxes


@pytest.fixture
def sandboxes(started_sandboxes: Sandboxes) -> Sandboxes:
    """The module's sandboxes, without faults and with fresh request counters."""
    started_sandboxes.reset()
    return started_sandboxes
