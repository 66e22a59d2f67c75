"""The embedded default: with no DATABASE_URL, a local cluster kept in the user's data directory.

Created on first use (initdb, pg_cron preloaded when installed, database `producer_discovery`,
migrated), reused afterwards, started again if it was stopped. Where it lives:
$PRODUCER_DISCOVERY_HOME, else $XDG_DATA_HOME/producer-discovery (~/.local/share/…); for root,
whose home the `postgres` server user cannot enter, /var/lib/producer-discovery.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg

from producer_discovery.db.cluster import LocalCluster, free_port, port_is_free
from producer_discovery.db.migrate import migrate

DATABASE_NAME = "producer_discovery"
PREFERRED_PORT = 54329


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
    def url(self) -> str:
        return self.cluster().url(DATABASE_NAME)

    def exists(self) -> bool:
        return self.cluster().is_initialised()

    def is_running(self) -> bool:
        return self.cluster().is_running()

    def ensure_running(self, log: Callable[[str], None]) -> str:
        """Create or start the cluster, migrate it, and return its URL."""
        cluster = self.cluster()
        if not cluster.is_initialised():
            self.home.mkdir(parents=True, exist_ok=True)
            log(f"creating the embedded PostgreSQL in {self.home} (port {cluster.port})")
            cluster.initialise()
            self.port_file.write_text(f"{cluster.port}\n")
        if not cluster.is_running():
            cluster.start()
        with psycopg.connect(cluster.url("postgres"), autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE_NAME,)).fetchone()
            if not exists:
                conn.execute(f"CREATE DATABASE {DATABASE_NAME}")  # a constant, not input
        url = cluster.url(DATABASE_NAME)
        migrate(url, log=log)
        return url

    def stop(self) -> bool:
        cluster = self.cluster()
        if not cluster.is_running():
            return False
        cluster.stop()
        return True
