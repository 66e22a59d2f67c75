"""The migration runner: applies migrations/NNNN_verb_object.sql in order, once each.

Each file runs in its own transaction under a session advisory lock (two `migrate` runs at
once apply nothing twice), and is recorded with its SHA-256 in `public.schema_migrations`.
A landed file that was edited is refused: write a new migration instead. pgmq is installed
first: `CREATE EXTENSION pgmq` where the server has it, else the SQL bundled in the `pgmq`
Python package (which cannot run twice, so it is guarded by a check of the installed schema).
NOTICEs raised by migrations (e.g. "maintenance schedules skipped") are passed to `log`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable

import psycopg
from pgmq.install import get_embedded_install_sql, get_embedded_sql_version

from producer_discovery.errors import ConfigurationError

# Shipped as package data, so an installed wheel migrates as well as a source checkout.
MIGRATIONS_DIR: Traversable = files("producer_discovery.migrations")
MIGRATION_NAME = re.compile(r"^\d{4}_\w+\.sql$")
ADVISORY_LOCK_KEY = 7_301_994_115  # any constant shared by every migrate run

LEDGER_SQL = """
CREATE TABLE IF NOT EXISTS public.schema_migrations (
    name TEXT PRIMARY KEY,
    checksum TEXT NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
)
"""


# After every migration, in its transaction: what it created in the project's schemas is handed
# to discovery_owner and nothing of it is left to PUBLIC (migration 0050).
CLAIM_SQL = """
DO $$
BEGIN
  IF to_regprocedure('public.claim_project_objects()') IS NOT NULL THEN
    PERFORM public.claim_project_objects();
  END IF;
END;
$$
"""


class MigrationError(ConfigurationError):
    """A migration cannot be applied; the message is one readable line."""


@dataclass(frozen=True)
class Migration:
    name: str
    path: Traversable

    @property
    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


def discover(directory: Traversable = MIGRATIONS_DIR) -> list[Migration]:
    if not directory.is_dir():
        raise MigrationError(f"no migrations directory at {directory}")
    names = sorted(entry.name for entry in directory.iterdir() if MIGRATION_NAME.match(entry.name))
    return [Migration(name.removesuffix(".sql"), directory / name) for name in names]


def migrate(
    url: str,
    directory: Traversable = MIGRATIONS_DIR,
    log: Callable[[str], None] = lambda line: None,
) -> list[str]:
    """Apply every pending migration; return the names applied (empty when up to date)."""
    migrations = discover(directory)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.add_notice_handler(lambda notice: log_notice(notice, log))
        conn.execute("SELECT pg_advisory_lock(%s)", (ADVISORY_LOCK_KEY,))
        try:
            conn.execute(LEDGER_SQL)
            rows = conn.execute("SELECT name, checksum FROM public.schema_migrations").fetchall()
            applied: dict[str, str] = dict(rows)
            check_landed(migrations, applied)
            done = []
            if ensure_pgmq(conn, log):
                done.append("pgmq")
            for migration in migrations:
                if migration.name in applied:
                    continue
                apply(conn, migration)
                log(f"applied {migration.name}")
                done.append(migration.name)
            return done
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (ADVISORY_LOCK_KEY,))


def log_notice(notice: psycopg.errors.Diagnostic, log: Callable[[str], None]) -> None:
    """Pass on what migrations say, minus PostgreSQL's "… does not exist, skipping" chatter."""
    message = notice.message_primary or ""
    if not message.endswith("skipping"):
        log(message)


def check_landed(migrations: list[Migration], applied: dict[str, str]) -> None:
    """Refuse edited or vanished migrations before touching anything."""
    on_disk = {migration.name: migration for migration in migrations}
    for name, checksum in sorted(applied.items()):
        if name.startswith("pgmq"):
            continue
        migration = on_disk.get(name)
        if migration is None:
            raise MigrationError(
                f"migration {name} is recorded as applied but {name}.sql is missing from "
                f"the migrations shipped with this version"
            )
        if migration.checksum != checksum:
            raise MigrationError(
                f"migration {name}.sql was edited after it was applied (checksum differs); "
                "restore it and put the change in a new migration"
            )


def apply(conn: psycopg.Connection, migration: Migration) -> None:
    try:
        with conn.transaction():
            conn.execute(migration.sql)  # a file of this package, not user input
            conn.execute(CLAIM_SQL)
            conn.execute(
                "INSERT INTO public.schema_migrations (name, checksum) VALUES (%s, %s)",
                (migration.name, migration.checksum),
            )
    except psycopg.Error as error:
        first_line = (
            str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        )
        raise MigrationError(f"migration {migration.name} failed: {first_line}") from error


def ensure_pgmq(conn: psycopg.Connection, log: Callable[[str], None]) -> bool:
    """Install pgmq unless present; True when this call installed it."""
    installed = conn.execute(
        "SELECT to_regprocedure('pgmq.send(text,jsonb)') IS NOT NULL"
    ).fetchone()
    if installed and installed[0]:
        return False
    available = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pgmq')"
    ).fetchone()
    with conn.transaction():
        if available and available[0]:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pgmq")
            how = "pgmq-extension"
        else:
            conn.execute(get_embedded_install_sql())  # SQL packaged with pgmq
            how = f"pgmq-sql-{get_embedded_sql_version()}"
        conn.execute(
            "INSERT INTO public.schema_migrations (name, checksum) VALUES (%s, %s) "
            "ON CONFLICT (name) DO NOTHING",
            (how, how),
        )
    log(f"installed {how}")
    return True
