"""The CLI connected as the roles of migration 0050: the operator commands as a
discovery_operator login, `producers` as a discovery_reader login, and the embedded database's
own logins and passwords."""

from __future__ import annotations

import argparse
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.rows import dict_row

from producer_discovery import operations
from producer_discovery.db.cluster import LocalCluster, free_port
from producer_discovery.db.embedded import LOGINS, EmbeddedDatabase
from producer_discovery.db.web_store import Store
from producer_discovery.settings import Settings
from producer_discovery.web import server
from producer_discovery.web.app import create_app
from tests.support.database import one
from tests.support.roles import login_url

CLI = [sys.executable, "-m", "producer_discovery"]


def cli(environment: dict[str, str], *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *arguments], capture_output=True, text=True, env=environment, timeout=180
    )


def as_login(url: str) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.endswith("DATABASE_URL")}
    environment["DATABASE_URL"] = url
    return environment


def seed_producers(database_url: str) -> None:
    with psycopg.connect(database_url, autocommit=True, row_factory=dict_row) as conn:
        artist = one(conn.execute("INSERT INTO artists (name) VALUES ('Nova Reyes') RETURNING id"))[
            "id"
        ]
        album = one(
            conn.execute(
                "INSERT INTO albums (artist_id, name) VALUES (%s, 'LP') RETURNING id", (artist,)
            )
        )["id"]
        track = one(
            conn.execute(
                "INSERT INTO tracks (album_id, name) VALUES (%s, 'Song') RETURNING id", (album,)
            )
        )["id"]
        producer = one(
            conn.execute(
                "INSERT INTO producers (name, normalized_name, email, instagram_handle) "
                "VALUES ('Sam Rivers', 'sam rivers', 'sam@example.com', 'samrivers') RETURNING id"
            )
        )["id"]
        conn.execute(
            "INSERT INTO track_producers (track_id, producer_id, confidence, source) "
            "VALUES (%s, %s, 0.9, 'genius')",
            (track, producer),
        )
        conn.execute("SELECT pgmq.send('track_discovery', '{\"albumId\": \"a1\"}')")
        conn.execute(
            "SELECT dead_letter_message('track_discovery', 1, NULL, NULL, 'w', 'boom', '{}')"
        )


def test_operator_commands_work_as_a_discovery_operator_login(database_url: str) -> None:
    """discover, status (with the retention sizes), health, dlq list/replay and producers (with
    e-mail) all succeed connected as a discovery_operator login."""
    seed_producers(database_url)
    operator = as_login(login_url(database_url, "discovery_operator"))
    discovered = cli(operator, "discover", "Nova Reyes", "--genre", "synthwave", "--limit", "5")
    assert discovered.returncode == 0, discovered.stderr
    status = cli(operator, "status")
    assert status.returncode == 0, status.stderr
    assert "Kept data" in status.stdout
    assert "idempotency records" in status.stdout
    assert cli(operator, "health").returncode == 1  # the dead letter is an open worker issue
    listed = cli(operator, "dlq", "list")
    assert listed.returncode == 0
    assert "boom" in listed.stdout
    replayed = cli(operator, "dlq", "replay", "--queue", "track_discovery")
    assert replayed.returncode == 0, replayed.stderr
    assert "replayed track_discovery_dlq" in replayed.stdout
    producers = cli(operator, "producers", "--csv")
    assert producers.returncode == 0, producers.stderr
    assert "email" in producers.stdout.splitlines()[0]
    assert "sam@example.com" in producers.stdout


def test_producers_as_a_reader_hides_contact_details_and_says_so(database_url: str) -> None:
    """`producers` as a discovery_reader login lists every producer without the e-mail column
    and says on stderr what it hides."""
    seed_producers(database_url)
    result = cli(as_login(login_url(database_url, "discovery_reader")), "producers", "--csv")
    assert result.returncode == 0, result.stderr
    header = result.stdout.splitlines()[0].split(",")
    assert "producer" in header
    assert "instagram_handle" in header
    assert "email" not in header
    assert "Sam Rivers" in result.stdout
    assert "sam@example.com" not in result.stdout
    assert "contact details (e-mail) are hidden" in result.stderr


def test_discover_as_a_reader_is_refused(database_url: str) -> None:
    """A reader cannot queue a discovery: the CLI exits non-zero and nothing is queued."""
    result = cli(as_login(login_url(database_url, "discovery_reader")), "discover", "Nova Reyes")
    assert result.returncode != 0
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT count(*) FROM pgmq.q_artist_discovery").fetchone() == (0,)


# The embedded database ------------------------------------------------------------------------
@pytest.fixture
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = Path(tmp_path_factory.mktemp("home")) / "producer-discovery"
    yield path
    EmbeddedDatabase(path).stop()


def embedded_environment(home: Path) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.endswith("DATABASE_URL")}
    environment["PRODUCER_DISCOVERY_HOME"] = str(home)
    return environment


def active_hba_methods(cluster: LocalCluster) -> set[str]:
    lines = (cluster.data_dir / "pg_hba.conf").read_text().splitlines()
    return {
        line.split()[-1] for line in lines if line.strip() and not line.lstrip().startswith("#")
    }


def test_embedded_database_needs_passwords_and_has_a_login_per_role(home: Path) -> None:
    """The embedded cluster trusts no connection; its passwords are in a 0600 file; the CLI's
    commands connect as the operator login and the stages' URL is the worker login's."""
    environment = embedded_environment(home)
    migrated = cli(environment, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    database = EmbeddedDatabase(home)
    assert stat.S_IMODE(database.passfile.stat().st_mode) == 0o600
    assert active_hba_methods(database.cluster()) == {"scram-sha-256"}
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(database.cluster().url("producer_discovery"), connect_timeout=5).close()
    members = {}
    for role in ("worker", "operator", "reader"):
        url = cli(environment, "db", "url", "--role", role).stdout.strip()
        assert url == database.role_url(role)
        assert "passfile=" in url
        with psycopg.connect(url) as conn:
            members[role] = conn.execute(
                "SELECT current_user, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user), "
                "pg_has_role(current_user, %s, 'MEMBER')",
                (f"discovery_{role}",),
            ).fetchone()
    assert members == {role: (f"producer_discovery_{role}", False, True) for role in members}
    discovered = cli(environment, "discover", "Nova Reyes")
    assert discovered.returncode == 0, discovered.stderr
    with psycopg.connect(database.url) as conn:
        sender = conn.execute("SELECT count(*) FROM pgmq.q_artist_discovery").fetchone()
    assert sender == (1,)


def test_web_on_the_embedded_database_connects_as_the_operator_login_not_a_superuser(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`web` with no DATABASE_URL: the app's pool logs in as the embedded operator login, no
    superuser, so a visitor's transaction is discovery_reader and cannot become more."""
    settings = Settings(
        database_url=None,
        operator_database_url=None,
        worker_database_url=None,
        producer_discovery_home=home,
    )
    seen: dict[str, Any] = {}

    def serve(settings: Settings, database_url: str, host: str, port: int) -> None:
        app = create_app(settings, database_url)
        with TestClient(app):  # the lifespan opens the app's store
            store: Store = app.state.store
            with store.pool.connection() as conn:
                seen["login"] = conn.execute(
                    "SELECT current_user, usesuper FROM pg_user WHERE usename = current_user"
                ).fetchone()
            for operator in (False, True):
                with store.connection(operator=operator) as conn:
                    seen[f"operator={operator}"] = conn.execute(
                        "SELECT session_user, current_user"
                    ).fetchone()

    monkeypatch.setattr(server, "serve", serve)
    assert operations.web_command(settings, argparse.Namespace(host=None, port=None)) == 0
    login = LOGINS["operator"][0]
    assert seen["login"] == {"current_user": login, "usesuper": False}
    assert seen["operator=False"] == {"session_user": login, "current_user": "discovery_reader"}
    assert seen["operator=True"] == {"session_user": login, "current_user": "discovery_operator"}


def test_an_embedded_database_that_trusted_the_loopback_is_switched_to_passwords(
    home: Path,
) -> None:
    """A cluster created by an earlier version (trust, no passfile) requires passwords after the
    next command, which still succeeds."""
    home.mkdir(parents=True)
    port = free_port()
    old = LocalCluster(home / "pgdata", port, cron_database="producer_discovery")
    old.initialise(fsync=False)
    (home / "port").write_text(f"{port}\n")
    assert active_hba_methods(old) == {"trust"}
    result = cli(embedded_environment(home), "health")
    assert result.returncode == 0, result.stderr
    assert active_hba_methods(old) == {"scram-sha-256"}
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(old.url("producer_discovery"), connect_timeout=5).close()


def test_migrate_creates_the_logins_named_in_the_role_urls(database_url: str) -> None:
    """`migrate` (as compose runs it) creates the worker and operator logins of
    WORKER_DATABASE_URL / OPERATOR_DATABASE_URL, members of their group roles, no superusers."""
    parts = {key: str(value) for key, value in conninfo_to_dict(database_url).items()}
    urls = {
        role: make_conninfo(
            **{**parts, "user": f"pd_test_compose_{role}", "password": "compose-secret"}
        )
        for role in ("worker", "operator")
    }
    environment = as_login(database_url)
    environment.update(WORKER_DATABASE_URL=urls["worker"], OPERATOR_DATABASE_URL=urls["operator"])
    result = cli(environment, "migrate")
    assert result.returncode == 0, result.stderr
    assert "login pd_test_compose_worker can connect as discovery_worker" in result.stderr
    for role, url in urls.items():
        with psycopg.connect(url) as conn:
            row = conn.execute(
                "SELECT current_user, pg_has_role(current_user, %s, 'MEMBER'), "
                "(SELECT rolsuper FROM pg_roles WHERE rolname = current_user)",
                (f"discovery_{role}",),
            ).fetchone()
        assert row == (f"pd_test_compose_{role}", True, False)
