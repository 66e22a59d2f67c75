"""The registry of sources as the database knows it: `public.registered_sources`
(migration 0100), one row per source of producer_discovery.sources, written by `migrate`.

The SQL checks that must know the sources read these rows instead of listing names:
take_api_token, pause_api and block_api accept exactly the sources that call an API; a
producer_source_ids row needs a source whose credits name people; an identification plan
needs a credit source that calls an API.

    record_sources(conn, sources)   make the rows exactly these (register_sources); returns
                                    what changed, {"added": [...], "removed": [...]}
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from producer_discovery.db.queries import query


@dataclass(frozen=True)
class RegisteredSource:
    """One row of public.registered_sources."""

    name: str
    label: str
    calls_api: bool  # it has a client and a rate budget
    credits_songs: bool  # identification asks it for a song's credits
    names_people: bool  # its credits carry the person's id at the source


def record_sources(
    conn: psycopg.Connection[Any], sources: Sequence[RegisteredSource]
) -> dict[str, list[str]]:
    """The registered sources become exactly `sources`; the names added and removed."""
    rows = Jsonb([asdict(source) for source in sources])
    row = conn.execute(query("register_sources"), {"sources": rows}).fetchone()
    changes: dict[str, list[str]] = row[0] if row else {}
    return changes
