"""The embedded default: with no DATABASE_URL, a local cluster kept in the user's data directory.

Created on first use (initdb, pg_cron preloaded when installed, database `producer_discovery`,
migrated), reused afterwards, started again if it was stopped. Where it lives:
$PRODUCER_DISCOVERY_HOME, else $XDG_DATA_HOME/producer-discovery (~/.local/share/…); for root,
whose home the `postgres` server user cannot enter, /var/lib/producer-discovery.

Every connection needs a password (scram-sha-256, the loopback and the unix socket alike; a
cluster made by an earlier version, which trusted the loopback, is switched over). The
passwords are generated and kept in `<home>/pgpass` (mode 0600, libpq's passfile format), so
the URLs carry none: `postgresql://producer_discovery_worker@127.0.0.1:PORT/producer_discovery
?passfile=<home>/pgpass`. One login per role of migration 0050: the stages connect as
producer_discovery_worker, the CLI's commands as producer_discovery_operator,
producer_discovery_reader is there for read-only use; `postgres` (the superuser) migrates.
pg_cron runs its jobs in background workers (cluster.py), which need no password; a cluster
made by an earlier version gets those settings, and a restart, on its next start.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from producer_discovery.db.cluster import LocalCluster, free_port, port_is_free
from producer_discovery.db.logins import ensure_login
from producer_discovery.db.migrate import migrate
from producer_discovery.db.registered_sources import RegisteredSource

DATABASE_NAME = "producer_discovery"
PREFERRED_PORT = 54329
ADMIN = "postgres"
# role (as the CLI names it) → (login, group role of migration 0050)
LOGINS = {
    "worker": ("producer_discovery_worker", "discovery_worker"),
    "operator": ("producer_discovery_operator", "discovery_operator"),
    "reader": ("producer_discovery_reader", "discovery_reader"),
}


def default_home() -> Path:
    if os.geteuid() == 0:
        return Path("/var/lib/producer-discovery")
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "producer-discovery"


@dataclass
class EmbeddedDatabase:
    home: Path

    @property
    def port_file(self) -> Path:
        return self.home / "port"

    def cluster(self) -> LocalCluster:
        if self.port_file.exists():
            port = int(self.port_file.read_text().strip())
        else:
            port = PREFERRED_PORT if port_is_free(PREFERRED_PORT) else free_port()
        return LocalCluster(self.home / "pgdata", port, cron_database=DATABASE_NAME)

    @property
    def passfile(self) -> Path:
        return self.home / "pgpass"

    @property
    def url(self) -> str:
        """The admin's (migrations)."""
        return self.cluster().url(DATABASE_NAME, ADMIN, self.passfile)

    def role_url(self, role: str) -> str:
        """The URL of the login of `role` (worker, operator or reader)."""
        return self.cluster().url(DATABASE_NAME, LOGINS[role][0], self.passfile)

    def passwords(self) -> dict[str, str]:
        """user → password, from the passfile."""
        found: dict[str, str] = {}
        if self.passfile.exists():
            for line in self.passfile.read_text().splitlines():
                fields = line.split(":", 4)
                if len(fields) == 5:
                    found[fields[3]] = fields[4]
        return found

    def _write_passwords(self, passwords: dict[str, str], port: int) -> None:
        self.passfile.touch(mode=0o600, exist_ok=True)
        self.passfile.chmod(0o600)
        self.passfile.write_text(
            "".join(
                f"127.0.0.1:{port}:*:{user}:{password}\n"
                for user, password in sorted(passwords.items())
            )
        )

    def exists(self) -> bool:
        return self.cluster().is_initialised()

    def is_running(self) -> bool:
        return self.cluster().is_running()

    def ensure_running(
        self, log: Callable[[str], None], sources: Sequence[RegisteredSource]
    ) -> str:
        """Create or start the cluster, migrate it (with the registry's `sources`), and return
        its URL."""
        cluster = self.cluster()
        passwords = self.passwords()
        if not cluster.is_initialised():
            self.home.mkdir(parents=True, exist_ok=True)
            log(f"creating the embedded PostgreSQL in {self.home} (port {cluster.port})")
            passwords = {ADMIN: secrets.token_urlsafe(24)}
            self._write_passwords(passwords, cluster.port)
            cluster.initialise(superuser_password=passwords[ADMIN])
            self.port_file.write_text(f"{cluster.port}\n")
        if cluster.update_settings():  # made by an earlier version: pg_cron's jobs failed
            log("the embedded PostgreSQL's settings were updated (pg_cron in background workers)")
            if cluster.is_running():
                cluster.restart()
        if not cluster.is_running():
            cluster.start()
        if ADMIN not in passwords:  # made by a version that trusted the loopback
            passwords = {ADMIN: secrets.token_urlsafe(24)}
            with psycopg.connect(cluster.url("postgres"), autocommit=True) as conn:
                conn.execute(
                    sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                        sql.Identifier(ADMIN), sql.Literal(passwords[ADMIN])
                    )
                )
            self._write_passwords(passwords, cluster.port)
            cluster.require_passwords()
            log(f"the embedded PostgreSQL now requires passwords (kept in {self.passfile})")
        with psycopg.connect(
            cluster.url("postgres", ADMIN, self.passfile), autocommit=True
        ) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE_NAME,)
            ).fetchone()
            if not exists:
                conn.execute(f"CREATE DATABASE {DATABASE_NAME}")  # a constant, not input
        url = self.url
        migrate(url, log=log, sources=sources)
        missing = {login: group for login, group in LOGINS.values() if login not in passwords}
        if missing:
            passwords.update({login: secrets.token_urlsafe(24) for login in missing})
            self._write_passwords(passwords, cluster.port)
            with psycopg.connect(url, autocommit=True) as conn:
                for login, group in missing.items():
                    ensure_login(conn, login, passwords[login], group)
        return url

    def stop(self) -> bool:
        cluster = self.cluster()
        if not cluster.is_running():
            return False
        cluster.stop()
        return True
