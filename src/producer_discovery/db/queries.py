"""Named SQL queries, one `.sql` file each in db/queries/, loaded once."""

from __future__ import annotations

from functools import cache
from pathlib import Path

QUERIES_DIR = Path(__file__).with_name("queries")


@cache
def query(name: str) -> str:
    """The text of db/queries/<name>.sql."""
    return (QUERIES_DIR / f"{name}.sql").read_text(encoding="utf-8")
