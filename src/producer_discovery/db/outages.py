"""Source outages as the operator and `run --drain` see them (migration 0131).

source_gaps(conn)                 per API: out since, what is left of its block, songs
                                  waiting for it, gaps its outages left, refills due now
refill_identification_gaps(url)   send again the songs a source that is back left with a
                                  gap (or one probe song once its block has passed); how
                                  many, None when the database is away
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.rows import dict_row

from producer_discovery.db.pool import CONNECTION_OPTIONS
from producer_discovery.db.queries import query


def source_gaps(conn: psycopg.Connection[Any]) -> list[dict[str, Any]]:
    """get_source_gaps(): one row per API of the registry."""
    with conn.cursor(row_factory=dict_row) as cursor:
        return cursor.execute(query("source_gaps")).fetchall()


def refill_identification_gaps(url: str) -> int | None:
    """refill_identification_gaps() for every source, on its own connection."""
    try:
        with psycopg.connect(url, autocommit=True, **CONNECTION_OPTIONS) as conn:
            row = conn.execute(query("refill_identification_gaps"), {"source": None}).fetchone()
    except psycopg.OperationalError:
        return None
    return int(row[0]) if row is not None else 0
