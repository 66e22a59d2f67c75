"""The migration runner: versioned migrations once each, then the current definitions.

- `migrations/NNNN_verb_object.sql` (schemas, tables, indexes, data, table grants) are applied
  in order, once each, and recorded with their SHA-256 in `public.schema_migrations`. One that
  was edited after it was applied is refused: write a new migration instead.
- `migrations/definitions/*.sql` hold every function, view, function grant and pg_cron
  schedule, one current definition each (`CREATE OR REPLACE`). A file is re-applied, in
  file-name order after the versioned migrations, whenever its checksum differs from the one
  recorded as `definitions/<name>`; so an upgraded database ends with the same definitions as
  a fresh one.
- Then, when anything was applied, every object is handed to discovery_owner and the queue
  tables' grants are renewed (`claim_project_objects()`, `grant_queue_privileges()`).

Everything runs under a session advisory lock (two `migrate` runs at once apply nothing twice),
each file in its own transaction. pgmq is installed first: `CREATE EXTENSION pgmq` where the
server has it, else the SQL bundled in the `pgmq` Python package (which cannot run twice, so it
is guarded by a check of the installed schema). NOTICEs raised by migrations (e.g. "maintenance
schedules skipped") are passed to `log`.

`migrations/superseded.txt` lists the checksums the versioned files had when released before
their definitions moved out of them; a database migrated then is accepted and its ledger
brought up to date.

Last, the registry of sources is written (`public.registered_sources`, db/registered_sources.py):
a source added to producer_discovery.sources needs a `migrate`, not a migration.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable

import psycopg
from pgmq.install import get_embedded_install_sql, get_embedded_sql_version

from producer_discovery.db.registered_sources import RegisteredSource, record_sources
from producer_discovery.errors import ConfigurationError

# Shipped as package data, so an installed wheel migrates as well as a source checkout.
MIGRATIONS_DIR: Traversable = files("producer_discovery.migrations")
MIGRATION_NAME = re.compile(r"^\d{4}_\w+\.sql$")
DEFINITION_NAME = re.compile(r"^\d{2}_\w+\.sql$")
DEFINITIONS = "definitions"
SUPERSEDED = "superseded.txt"
ADVISORY_LOCK_KEY = 7_301_994_115  # any constant shared by every migrate run

LEDGER_SQL = """
CREATE TABLE IF NOT EXISTS public.schema_migrations (
    name TEXT PRIMARY KEY,
    checksum TEXT NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
)
"""


# After a run that applied anything: what it created in the project's schemas is handed to
# discovery_owner, nothing of it is left to PUBLIC, and every queue's tables are granted to the
# stage and operator roles (definitions/00_ownership.sql).
FINISH_SQL = """
SELECT public.claim_project_objects();
SELECT public.grant_queue_privileges();
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
    """The versioned migrations, in order."""
    return sql_files(directory, MIGRATION_NAME, prefix="")


def discover_definitions(directory: Traversable = MIGRATIONS_DIR) -> list[Migration]:
    """The definition files, in order; each recorded as `definitions/<name>`."""
    return sql_files(directory / DEFINITIONS, DEFINITION_NAME, prefix=f"{DEFINITIONS}/")


def sql_files(directory: Traversable, pattern: re.Pattern[str], prefix: str) -> list[Migration]:
    if not directory.is_dir():
        raise MigrationError(f"no migrations directory at {directory}")
    names = sorted(entry.name for entry in directory.iterdir() if pattern.match(entry.name))
    return [Migration(prefix + name.removesuffix(".sql"), directory / name) for name in names]


def superseded(directory: Traversable = MIGRATIONS_DIR) -> dict[str, tuple[str, bool]]:
    """name → (checksum as released before the definitions moved out, retired since)."""
    listing = directory / SUPERSEDED
    if not listing.is_file():
        return {}
    found: dict[str, tuple[str, bool]] = {}
    for line in listing.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, checksum, state = line.split()
            found[name] = (checksum, state == "retired")
    return found


def migrate(
    url: str,
    directory: Traversable = MIGRATIONS_DIR,
    log: Callable[[str], None] = lambda line: None,
    *,
    sources: Sequence[RegisteredSource],
) -> list[str]:
    """Apply every pending migration and every changed definition, then make the registered
    sources exactly `sources` (producer_discovery.sources.registered_sources()); return what was
    applied (empty when up to date)."""
    migrations = discover(directory)
    definitions = discover_definitions(directory)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.add_notice_handler(lambda notice: log_notice(notice, log))
        conn.execute("SELECT pg_advisory_lock(%s)", (ADVISORY_LOCK_KEY,))
        try:
            conn.execute(LEDGER_SQL)
            rows = conn.execute("SELECT name, checksum FROM public.schema_migrations").fetchall()
            applied: dict[str, str] = dict(rows)
            released = superseded(directory)
            check_landed(migrations, applied, released)
            adopt_superseded(conn, migrations, applied, released)
            done = []
            if ensure_pgmq(conn, log):
                done.append("pgmq")
            pending = [m for m in migrations if m.name not in applied]
            pending += [d for d in definitions if applied.get(d.name) != d.checksum]
            for migration in pending:
                apply(conn, migration)
                log(f"applied {migration.name}")
                done.append(migration.name)
            if done:
                with conn.transaction():
                    conn.execute(FINISH_SQL)
            register(conn, sources, log)
            return done
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (ADVISORY_LOCK_KEY,))


def register(
    conn: psycopg.Connection, sources: Sequence[RegisteredSource], log: Callable[[str], None]
) -> None:
    """Write the registry's rows (public.registered_sources, through register_sources() of
    definitions/15_sources.sql, which every run has applied by now)."""
    for change, names in record_sources(conn, sources).items():
        if names:
            log(f"sources {change}: {', '.join(names)}")


def log_notice(notice: psycopg.errors.Diagnostic, log: Callable[[str], None]) -> None:
    """Pass on what migrations say, minus PostgreSQL's "… does not exist, skipping" chatter."""
    message = notice.message_primary or ""
    if not message.endswith("skipping"):
        log(message)


def check_landed(
    migrations: list[Migration],
    applied: dict[str, str],
    released: dict[str, tuple[str, bool]],
) -> None:
    """Refuse edited or vanished migrations before touching anything."""
    on_disk = {migration.name: migration for migration in migrations}
    for name, checksum in sorted(applied.items()):
        if name.startswith(("pgmq", f"{DEFINITIONS}/")):
            continue
        if name in released and released[name][0] == checksum:
            continue  # as released before its definitions moved out: adopt_superseded
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


def adopt_superseded(
    conn: psycopg.Connection,
    migrations: list[Migration],
    applied: dict[str, str],
    released: dict[str, tuple[str, bool]],
) -> None:
    """Record the versioned files a database applied as released (before their definitions
    moved to definitions/) as they are now, and forget the retired ones: the ledger then reads
    as a fresh install's. The definitions themselves are re-applied as new."""
    on_disk = {migration.name: migration for migration in migrations}
    with conn.transaction():
        for name, (checksum, retired) in released.items():
            if applied.get(name) != checksum:
                continue
            if retired:
                conn.execute("DELETE FROM public.schema_migrations WHERE name = %s", (name,))
                del applied[name]
            else:
                current = on_disk[name].checksum
                conn.execute(
                    "UPDATE public.schema_migrations SET checksum = %s WHERE name = %s",
                    (current, name),
                )
                applied[name] = current


def apply(conn: psycopg.Connection, migration: Migration) -> None:
    try:
        with conn.transaction():
            conn.execute(migration.sql)  # a file of this package, not user input
            conn.execute(
                "INSERT INTO public.schema_migrations (name, checksum) VALUES (%s, %s) "
                "ON CONFLICT (name) DO UPDATE SET checksum = EXCLUDED.checksum, "
                "applied_at = now()",
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
