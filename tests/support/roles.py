"""Logins for the group roles of migration 0050, for tests that connect as them.

Roles are cluster-wide and every test database of a cluster is a clone of one template, so the
logins are created once per cluster (idempotently: another process may be creating the same
one) and reused; each test gets a URL to its own database.
"""

from __future__ import annotations

import contextlib

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from producer_discovery.db.logins import ensure_login

PASSWORD = "pd-test-login"


def login_url(database_url: str, group: str | None) -> str:
    """The URL of `database_url`'s database for a login member of `group` (None: no grants)."""
    login = f"pd_test_{(group or 'nobody').removeprefix('discovery_')}"
    with psycopg.connect(database_url, autocommit=True) as conn:
        if group is not None:
            ensure_login(conn, login, PASSWORD, group)
        elif not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (login,)).fetchone():
            with contextlib.suppress(
                psycopg.errors.DuplicateObject, psycopg.errors.UniqueViolation
            ):
                conn.execute(
                    sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                        sql.Identifier(login), sql.Literal(PASSWORD)
                    )
                )
    parts = {key: str(value) for key, value in conninfo_to_dict(database_url).items()}
    parts.update(user=login, password=PASSWORD)
    return make_conninfo(**parts)
