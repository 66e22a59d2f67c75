"""The migration runner on a real, empty database."""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg
import pytest

from producer_discovery.db.migrate import MIGRATIONS_DIR, MigrationError, migrate
from producer_discovery.sources import registered_sources
from tests.support.database import Database


def test_second_migrate_is_a_no_op(empty_database_url: str) -> None:
    """Migrating an empty database applies everything; a second run applies nothing."""
    first = migrate(empty_database_url, sources=registered_sources())
    assert first[0] == "pgmq"
    assert [name for name in first if name[0].isdigit()] == sorted(
        entry.name.removesuffix(".sql")
        for entry in MIGRATIONS_DIR.iterdir()
        if entry.name[0].isdigit()
    )
    assert [name for name in first if name.startswith("definitions/")] == sorted(
        "definitions/" + entry.name.removesuffix(".sql")
        for entry in (MIGRATIONS_DIR / "definitions").iterdir()
        if entry.name.endswith(".sql")
    )
    with psycopg.connect(empty_database_url) as conn:
        before = conn.execute(
            "SELECT name, applied_at FROM public.schema_migrations ORDER BY name"
        ).fetchall()
    assert migrate(empty_database_url, sources=registered_sources()) == []
    with psycopg.connect(empty_database_url) as conn:
        after = conn.execute(
            "SELECT name, applied_at FROM public.schema_migrations ORDER BY name"
        ).fetchall()
    assert before == after


def test_changed_definition_is_applied_again_alone(empty_database_url: str, tmp_path: Path) -> None:
    """Editing a definition file re-applies that file only, and the function's new body is the
    one the database runs; its grants are kept."""
    copy = tmp_path / "migrations"
    shutil.copytree(str(MIGRATIONS_DIR), copy)
    migrate(empty_database_url, copy, sources=registered_sources())
    edited = copy / "definitions" / "70_retention.sql"
    text = edited.read_text()
    assert "retention_age" in text
    edited.write_text(text + "\nCOMMENT ON FUNCTION public.purge_old_data() IS 'probe';\n")
    assert migrate(empty_database_url, copy, sources=registered_sources()) == [
        "definitions/70_retention"
    ]
    with psycopg.connect(empty_database_url) as conn:
        comment = conn.execute(
            "SELECT obj_description('public.purge_old_data()'::regprocedure)"
        ).fetchone()
        owner = conn.execute(
            "SELECT pg_get_userbyid(proowner), has_function_privilege("
            "'discovery_operator', 'public.purge_old_data()', 'EXECUTE') "
            "FROM pg_proc WHERE oid = 'public.purge_old_data()'::regprocedure"
        ).fetchone()
    assert comment == ("probe",)
    assert owner == ("discovery_owner", True)


def test_edited_landed_migration_is_refused(empty_database_url: str, tmp_path: Path) -> None:
    """Changing a migration that was applied stops `migrate` with a readable error."""
    copy = tmp_path / "migrations"
    shutil.copytree(str(MIGRATIONS_DIR), copy)
    migrate(empty_database_url, copy, sources=registered_sources())
    edited = copy / "0002_create_catalogue_tables.sql"
    edited.write_text(edited.read_text() + "\n-- an edit\n")
    with pytest.raises(MigrationError, match=r"0002_create_catalogue_tables\.sql was edited"):
        migrate(empty_database_url, copy, sources=registered_sources())


def test_new_migration_is_applied_after_the_landed_ones(
    empty_database_url: str, tmp_path: Path
) -> None:
    """A file added later is applied alone, in its own transaction."""
    copy = tmp_path / "migrations"
    shutil.copytree(str(MIGRATIONS_DIR), copy)
    migrate(empty_database_url, copy, sources=registered_sources())
    (copy / "9999_create_probe.sql").write_text("CREATE TABLE public.probe (id int);")
    assert migrate(empty_database_url, copy, sources=registered_sources()) == ["9999_create_probe"]


def test_failing_migration_leaves_nothing_behind(empty_database_url: str, tmp_path: Path) -> None:
    """A migration that fails is rolled back whole and not recorded."""
    copy = tmp_path / "migrations"
    shutil.copytree(str(MIGRATIONS_DIR), copy)
    migrate(empty_database_url, copy, sources=registered_sources())
    (copy / "9999_break_things.sql").write_text(
        "CREATE TABLE public.half_done (id int);\nSELECT no_such_function();"
    )
    with pytest.raises(MigrationError, match="9999_break_things failed"):
        migrate(empty_database_url, copy, sources=registered_sources())
    with psycopg.connect(empty_database_url) as conn:
        assert conn.execute("SELECT to_regclass('public.half_done')").fetchone() == (None,)
        recorded = conn.execute(
            "SELECT count(*) FROM public.schema_migrations WHERE name = '9999_break_things'"
        ).fetchone()
    assert recorded == (0,)


def test_every_security_definer_function_pins_search_path(db: Database) -> None:
    """No SECURITY DEFINER function of ours can be hijacked through search_path."""
    rows = db.execute(
        """
        SELECT n.nspname || '.' || p.proname AS name, p.proconfig
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE p.prosecdef AND n.nspname NOT IN ('pgmq', 'cron', 'pg_catalog', 'information_schema')
        """
    ).fetchall()
    assert len(rows) >= 15, "the spec's functions are SECURITY DEFINER"
    unpinned = [
        row["name"]
        for row in rows
        if not any(setting.startswith("search_path=") for setting in row["proconfig"] or [])
    ]
    assert unpinned == []


def test_queues_are_created_and_registered(db: Database) -> None:
    """The five stage queues and their DLQs exist in pgmq and in queue_registry."""
    stages = [
        "album_discovery",
        "artist_discovery",
        "producer_identification",
        "social_enrichment",
        "track_discovery",
    ]
    expected = sorted(stages + [stage + "_dlq" for stage in stages])
    queues = sorted(
        row["queue_name"] for row in db.execute("SELECT queue_name FROM pgmq.list_queues()")
    )
    registered = sorted(
        row["queue_name"] for row in db.execute("SELECT queue_name FROM queue_registry")
    )
    assert queues == expected
    assert registered == expected
