"""Typed access to the test databases: the `db` fixture's connection (dict rows) and the one
row a query must return."""

from __future__ import annotations

from typing import Any, TypeAlias, TypeVar

import psycopg
from psycopg import sql
from psycopg.abc import Params
from psycopg.rows import DictRow, dict_row

Database: TypeAlias = psycopg.Connection[DictRow]
Row = TypeVar("Row")
Value = TypeVar("Value")


def one(cursor: psycopg.Cursor[Row]) -> Row:
    """The row of a query that returns exactly one (fails when it returned none)."""
    row = cursor.fetchone()
    assert row is not None, "the query returned no row"
    return row


def typed(value: object, kind: type[Value]) -> Value:
    """`value` (a column or a JSON field, which psycopg hands over untyped), checked to be a
    `kind`."""
    assert isinstance(value, kind), f"expected a {kind.__name__}, got {value!r}"
    return value


def rows(
    url: str, statement: str | sql.Composed, parameters: Params | None = None
) -> list[dict[str, Any]]:
    """Every row of one statement (none for a statement that returns none), on a new
    autocommit connection."""
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        cursor = conn.execute(statement, parameters)
        return cursor.fetchall() if cursor.description else []
