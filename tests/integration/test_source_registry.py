"""The registry of sources and the database agree: `migrate` writes the registry's rows, and
every SQL check that must know the sources (the rate limit's functions, producer_source_ids,
identification_plans) accepts exactly the registry's, on a real PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from psycopg_pool import ConnectionPool

from producer_discovery.db.migrate import migrate
from producer_discovery.db.rate_limits import PostgresRateLimiter
from producer_discovery.db.registered_sources import RegisteredSource
from producer_discovery.errors import ConfigurationError
from producer_discovery.runtime.resources import Resources
from producer_discovery.settings import Settings
from producer_discovery.sources import SOURCES, budgets, registered_sources
from tests.support.database import rows

CANDIDATES = sorted({source.name for source in SOURCES} | {"wikidata", "thing", "instagram_graph"})
WIKIDATA = RegisteredSource("wikidata", "Wikidata", True, True, True)


@pytest.fixture
def pool(database_url: str) -> Iterator[ConnectionPool]:
    with ConnectionPool(database_url, min_size=1, max_size=2, open=True) as pool:
        yield pool


def accepted(url: str, statement: str) -> set[str]:
    """The candidate names `statement` (one %s: the name) runs for without an error."""
    names = set()
    with psycopg.connect(url, autocommit=True) as conn:
        for name in CANDIDATES:
            try:
                conn.execute(statement, (name,))
            except (psycopg.errors.InvalidParameterValue, psycopg.errors.CheckViolation):
                continue
            names.add(name)
    return names


def test_migrate_writes_exactly_the_registrys_sources(database_url: str) -> None:
    """public.registered_sources holds one row per source of the registry, as it describes it."""
    stored = rows(
        database_url,
        "SELECT name, label, calls_api, credits_songs, names_people FROM registered_sources",
    )
    assert sorted(stored, key=lambda row: row["name"]) == sorted(
        (vars(source) for source in registered_sources()), key=lambda row: row["name"]
    )


def test_rate_limit_functions_accept_exactly_the_registrys_apis(database_url: str) -> None:
    """take_api_token, pause_api and block_api run for every source with a client and refuse
    any other name: the title, an unregistered API, a name only seen in metadata."""
    apis = {source.name for source in SOURCES if source.client is not None}
    assert apis == set(budgets(Settings()))
    assert accepted(database_url, "SELECT take_api_token(%s, 1, 1)") == apis
    assert accepted(database_url, "SELECT pause_api(%s, 1, 'test')") == apis
    assert accepted(database_url, "SELECT block_api(%s, 'test', 1, 1)") == apis


def test_source_ids_and_plans_take_only_the_sources_the_registry_allows(
    database_url: str,
) -> None:
    """producer_source_ids takes the sources whose credits name people; identification plans
    the credit sources that call an API."""
    (producer,) = rows(
        database_url,
        "INSERT INTO producers (name, normalized_name) VALUES ('Kelso', 'kelso') RETURNING id",
    )
    (artist,) = rows(database_url, "INSERT INTO artists (name) VALUES ('Nova') RETURNING id")
    naming = {source.name for source in registered_sources() if source.names_people}
    planning = {
        source.name for source in registered_sources() if source.credits_songs and source.calls_api
    }
    assert naming == planning == {"genius", "musicbrainz", "discogs"}
    insert = "INSERT INTO producer_source_ids (source, source_id, producer_id) VALUES (%s, 'x', "
    assert accepted(database_url, insert + f"'{producer['id']}')") == naming
    plan = f"SELECT record_identification_plan(%s, '{artist['id']}', '[]'::jsonb)"
    assert accepted(database_url, plan) == planning


def test_a_source_added_to_the_registry_needs_a_migrate_not_a_migration(
    database_url: str,
) -> None:
    """migrate with one more source registers it (its API is then accepted, its people's ids
    kept); migrate with the registry as it is removes it again."""
    said: list[str] = []
    assert migrate(database_url, log=said.append, sources=[*registered_sources(), WIKIDATA]) == []
    assert said == ["sources added: wikidata"]
    assert "wikidata" in accepted(database_url, "SELECT take_api_token(%s, 1, 1)")
    (producer,) = rows(
        database_url,
        "INSERT INTO producers (name, normalized_name) VALUES ('Kelso', 'kelso') RETURNING id",
    )
    rows(
        database_url,
        "INSERT INTO producer_source_ids (source, source_id, producer_id) "
        "VALUES ('wikidata', 'Q1', %s)",
        (producer["id"],),
    )
    migrate(database_url, log=said.append, sources=registered_sources())
    assert said[-1] == "sources removed: wikidata"
    assert "wikidata" not in accepted(database_url, "SELECT take_api_token(%s, 1, 1)")


def test_an_api_without_a_budget_is_refused_not_unlimited(
    pool: ConnectionPool, database_url: str
) -> None:
    """The shared limiter raises ConfigurationError for an API the registry gives no budget,
    and takes no token for it."""
    limiter = PostgresRateLimiter(pool, budgets(Settings()))
    with pytest.raises(ConfigurationError, match="wikidata: no rate budget"):
        limiter.acquire("wikidata")
    limiter.acquire("genius")
    assert [row["api"] for row in rows(database_url, "SELECT api FROM api_rate_limits")] == [
        "genius"
    ]


def test_a_worker_does_not_start_on_a_database_that_lacks_a_registered_api(
    database_url: str,
) -> None:
    """A database migrated before a source was added: Resources.build stops with a one-line
    ConfigurationError that says to migrate, before any message could fail on that API."""
    rows(database_url, "DELETE FROM registered_sources WHERE name = 'discogs'")
    with pytest.raises(ConfigurationError, match="discogs: run `producer-discovery migrate`"):
        Resources.build(Settings(database_url=database_url), database_url, "test_stage")
