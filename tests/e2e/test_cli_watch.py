"""`producer-discovery watch|unwatch ARTIST`, `new --since` and `migrate
--artist-refresh-interval` as a user runs them, against a real database."""

from __future__ import annotations

import json

import pytest

from tests.support.cli import cli
from tests.support.database import rows

pytestmark = pytest.mark.slow  # processes: more than ~3 s each


def add_artist(url: str, name: str, spotify_id: str) -> str:
    found = rows(
        url,
        "INSERT INTO artists (name, spotify_id) VALUES (%s, %s) RETURNING id",
        (name, spotify_id),
    )
    return str(found[0]["id"])


def test_unwatch_and_watch_an_artist_by_name_or_id(database_url: str) -> None:
    """By name (any case) or id: exit 0 and the column follows; an unknown artist is one
    line and exit 1; a name two artists share is one line naming them and exit 2."""
    artist = add_artist(database_url, "Nova Reyes", "spotify-nova")
    unwatched = cli(database_url, "unwatch", "nova reyes")
    assert unwatched.returncode == 0, unwatched.stderr
    assert "Nova Reyes" in unwatched.stderr
    assert "no longer watched" in unwatched.stderr
    assert rows(database_url, "SELECT watched FROM artists")[0]["watched"] is False
    assert cli(database_url, "watch", artist).returncode == 0
    assert rows(database_url, "SELECT watched FROM artists")[0]["watched"] is True

    unknown = cli(database_url, "unwatch", "Nobody Known")
    assert unknown.returncode == 1
    assert unknown.stderr.strip().splitlines()[-1] == (
        "producer-discovery: error: no artist 'Nobody Known' "
        "(give a discovered artist's name or id)"
    )
    add_artist(database_url, "Twin", "spotify-twin-1")
    add_artist(database_url, "Twin", "spotify-twin-2")
    shared = cli(database_url, "watch", "Twin")
    assert shared.returncode == 2
    assert "2 artists are named Twin" in shared.stderr
    assert len(shared.stderr.strip().splitlines()) == 1


def test_new_lists_what_arrived_and_refuses_a_bad_since(database_url: str) -> None:
    """`new --since 7d --json` holds the album stored today and not the one of last month;
    the table names it; a --since that is neither a duration nor a date exits 2 in one line."""
    artist = add_artist(database_url, "Nova Reyes", "spotify-nova")
    rows(
        database_url,
        "INSERT INTO albums (artist_id, name, spotify_id, created_at) VALUES "
        "(%s, 'Fresh Album', 'album-new', now()), "
        "(%s, 'Old Album', 'album-old', now() - interval '30 days')",
        (artist, artist),
    )
    result = cli(database_url, "new", "--since", "7d", "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert [album["name"] for album in document["albums"]] == ["Fresh Album"]
    assert document["credits"] == []
    table = cli(database_url, "new", "--since", "2000-01-01")
    assert table.returncode == 0, table.stderr
    assert "Fresh Album" in table.stdout
    assert "Old Album" in table.stdout
    assert "2 new albums" in table.stdout
    for bad in ("7 parsecs", "yesterday", "2999-01-01"):
        refused = cli(database_url, "new", "--since", bad)
        assert refused.returncode == 2, bad
        assert len(refused.stderr.strip().splitlines()) == 1, refused.stderr


def test_migrate_stores_the_artist_refresh_interval(database_url: str) -> None:
    """`migrate --artist-refresh-interval 3d` sets what the refresh reads; a value under an
    hour is refused in one line."""
    result = cli(database_url, "migrate", "--artist-refresh-interval", "3d")
    assert result.returncode == 0, result.stderr
    setting = rows(database_url, "SELECT artist_refresh_interval()::TEXT AS i")
    assert setting[0]["i"] == "3 days"
    refused = cli(database_url, "migrate", "--artist-refresh-interval", "10m")
    assert refused.returncode == 1
    assert "ARTIST_REFRESH_INTERVAL" in refused.stderr
