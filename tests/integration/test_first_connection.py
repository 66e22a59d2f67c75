"""`migrate` waits for a database that is still starting, within bounds."""

from __future__ import annotations

import time

import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from producer_discovery.db.cluster import free_port
from producer_discovery.db.operator import wait_for_connection
from producer_discovery.errors import ConfigurationError


def test_a_server_that_never_comes_up_is_given_up_after_the_bound() -> None:
    """Connection refused: retried with back-off, then one line, after about `within`."""
    said: list[str] = []
    started = time.monotonic()
    with pytest.raises(ConfigurationError, match="cannot connect to the database"):
        wait_for_connection(f"postgresql://nobody@127.0.0.1:{free_port()}/x", 2.0, said.append)
    assert 1.0 <= time.monotonic() - started < 5.0
    assert said
    assert all("retrying in" in line for line in said)


def test_an_unknown_database_fails_at_once(database_url: str) -> None:
    """A refusal that waiting cannot cure (no such database) is not retried."""
    parts = conninfo_to_dict(database_url)
    parts["dbname"] = "no_such_database_here"
    said: list[str] = []
    started = time.monotonic()
    with pytest.raises(ConfigurationError, match="no_such_database_here"):
        wait_for_connection(make_conninfo(**parts), 30.0, said.append)  # type: ignore[arg-type]
    assert time.monotonic() - started < 3.0
    assert said == []


def test_a_reachable_database_is_connected_at_once(database_url: str) -> None:
    """The usual case costs one connection."""
    wait_for_connection(database_url, 30.0)
