"""Named SQL queries, one `.sql` file each in db/queries/, loaded once."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

QUERIES_DIR = files("producer_discovery.db") / "queries"


@cache
def query(name: str) -> str:
    """The text of db/queries/<name>.sql."""
    return (QUERIES_DIR / f"{name}.sql").read_text(encoding="utf-8")
