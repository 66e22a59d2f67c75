"""Erasure that sticks: `forget_producer` (and `producers forget`) deletes a person, their
credits, evidence, cached responses and messages, and identification never brings them back."""

from __future__ import annotations

import os
import subprocess
import sys

import psycopg
from producer_discovery.workers.producer_identification import QUEUE, build

from tests.integration.test_producer_identification import (
    credits_on,
    expected_ids,
    producers_named,
    rerun_directly,
    seed,
)
from tests.support.database import rows
from tests.support.sandboxes import Sandboxes
from tests.support.settings import sandbox_settings
from tests.support.stages import drain_stage


def forget(url: str, producer_id: str) -> dict[str, object]:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT forget_producer(%s) AS f", (producer_id,)).fetchone()
    assert row is not None
    assert row[0] is not None
    return dict(row[0])


def test_forgotten_producer_is_not_recreated_by_a_later_identification(
    database_url: str, sandboxes: Sandboxes
) -> None:
    """Forget Kelso & Marr, identify their songs again: no producer, no credit, no source id."""
    settings = sandbox_settings(sandboxes, database_url, fast=True)
    messages = seed(database_url, "Neon Cathedral")
    drain_stage(settings, QUEUE, build, messages=messages)
    (team,) = producers_named(database_url, "kelso and marr")
    others = set(credits_on(database_url, "Neon Cathedral")) - {"Kelso & Marr"}
    cached = rows(
        database_url,
        "SELECT count(*) AS n FROM api_response_cache WHERE response::TEXT ILIKE '%kelso & marr%'",
    )[0]["n"]
    assert cached > 0

    result = forget(database_url, str(team["id"]))
    assert result["credits"]
    assert result["cached_responses"]
    assert producers_named(database_url, "kelso and marr") == []
    assert (
        rows(
            database_url,
            "SELECT count(*) AS n FROM api_response_cache WHERE response::TEXT ILIKE '%kelso & marr%'",
        )[0]["n"]
        == 0
    )
    listed = rows(database_url, "SELECT source, source_id FROM forgotten_producer_source_ids")
    assert {(r["source"], r["source_id"]) for r in listed} >= set(
        expected_ids("kelso-and-marr").items()
    )

    rerun_directly(database_url, settings, messages)  # a refresh of the same songs
    assert producers_named(database_url, "kelso and marr") == []
    assert set(credits_on(database_url, "Neon Cathedral")) == others
    assert (
        rows(
            database_url,
            "SELECT count(*) AS n FROM producer_source_ids WHERE (source, source_id) IN "
            "(SELECT source, source_id FROM forgotten_producer_source_ids)",
        )[0]["n"]
        == 0
    )


def test_forget_is_operator_only_and_the_cli_forgets_by_name(
    database_url: str, sandboxes: Sandboxes
) -> None:
    """The reader and the worker may not call forget_producer; `producers forget NAME` does."""
    settings = sandbox_settings(sandboxes, database_url, fast=True)
    drain_stage(settings, QUEUE, build, messages=seed(database_url, "Neon Cathedral"))
    (team,) = producers_named(database_url, "kelso and marr")
    with psycopg.connect(database_url, autocommit=True) as conn:
        grantees = {
            role
            for (role,) in conn.execute(
                "SELECT r.rolname FROM pg_roles r WHERE r.rolname LIKE 'discovery_%%' "
                "AND has_function_privilege(r.oid, 'forget_producer(uuid)', 'EXECUTE')"
            )
        }
    assert grantees == {"discovery_operator", "discovery_owner"}
    result = subprocess.run(
        [sys.executable, "-m", "producer_discovery", "producers", "forget", "Kelso & Marr"],
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert str(team["id"]) in result.stdout
    assert producers_named(database_url, "kelso and marr") == []
