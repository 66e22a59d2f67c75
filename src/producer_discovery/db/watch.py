"""Watched artists and what is new (migrations/definitions/85_watch.sql), each a named query
on the connection it is given.

    set_watched(conn, "Nova Reyes", False)     unwatch_artist: the changed row, or None
    new_since(conn, since)                     get_new_since: {"albums", "credits", …}
    store_refresh_interval(admin_url, i)       settings.artist_refresh_interval (`migrate`)
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import psycopg
from psycopg.rows import dict_row

from producer_discovery.db.queries import query

NEW_SINCE_MAX = 200  # albums and credits listed at most (the counts are of all of them)


def set_watched(conn: psycopg.Connection[Any], artist: str, watched: bool) -> dict[str, Any] | None:
    """Watch or stop watching the artist with this id or name; None when there is none. A
    name that several artists share is refused by the database (a DataError naming them)."""
    with conn.cursor(row_factory=dict_row) as cursor:
        return cursor.execute(
            query("artist_watch"), {"artist": artist, "watched": watched}
        ).fetchone()


def new_since(
    conn: psycopg.Connection[Any], since: datetime, maximum: int = NEW_SINCE_MAX
) -> dict[str, Any]:
    with conn.cursor(row_factory=dict_row) as cursor:
        row = cursor.execute(query("new_since"), {"since": since, "max": maximum}).fetchone()
    assert row is not None
    document: dict[str, Any] = row["new"]
    return document


def store_refresh_interval(admin_url: str, interval: timedelta) -> None:
    """ARTIST_REFRESH_INTERVAL into settings.artist_refresh_interval (the admin's login)."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(query("artist_refresh_interval_set"), {"interval": interval_text(interval)})


def interval_text(interval: timedelta) -> str:
    """As a person (and PostgreSQL's INTERVAL) reads it: "7 days", "36 hours", "90 minutes"."""
    seconds = int(interval.total_seconds())
    for unit, length in (("days", 86400), ("hours", 3600), ("minutes", 60)):
        if seconds % length == 0:
            return f"{seconds // length} {unit}"
    return f"{seconds} seconds"
