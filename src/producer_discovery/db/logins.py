"""Login roles for the group roles of migration 0050 (docs/database-roles.md).

The groups (discovery_worker, discovery_operator, discovery_reader) cannot log in; a login is
a role that can, with a password, member of one group. The embedded database creates one per
group; `migrate` creates the logins named in WORKER_DATABASE_URL / OPERATOR_DATABASE_URL (docker
compose). Roles are cluster-wide, so creating one that another process just created is not an
error.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

GROUPS = ("discovery_worker", "discovery_operator", "discovery_reader")


def ensure_login(conn: psycopg.Connection[Any], login: str, password: str, group: str) -> None:
    """`login` exists, can log in with `password`, and is a member of `group` (and, for an
    operator, of discovery_reader) only among GROUPS."""
    if group not in GROUPS:
        raise ValueError(f"unknown group role {group!r}")
    exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (login,)).fetchone()
    if not exists:
        try:
            with conn.transaction():
                conn.execute(
                    sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                        sql.Identifier(login), sql.Literal(password)
                    )
                )
        except (psycopg.errors.DuplicateObject, psycopg.errors.UniqueViolation):
            pass  # created a moment ago by another process
    conn.execute(
        sql.SQL("ALTER ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD {}").format(
            sql.Identifier(login), sql.Literal(password)
        )
    )
    # An operator login may also act as a reader: the web app reads for visitors through
    # SET LOCAL ROLE discovery_reader, so a visitor's query can never see contact details.
    groups = [group, "discovery_reader"] if group == "discovery_operator" else [group]
    for granted in groups:
        member = conn.execute("SELECT pg_has_role(%s, %s, 'MEMBER')", (login, granted)).fetchone()
        if not (member and member[0]):
            conn.execute(
                sql.SQL("GRANT {} TO {}").format(sql.Identifier(granted), sql.Identifier(login))
            )


def login_of(url: str) -> tuple[str | None, str | None]:
    """The user and password a libpq URL names."""
    parts = conninfo_to_dict(url)
    user, password = parts.get("user"), parts.get("password")
    return (None if user is None else str(user)), (None if password is None else str(password))


def provision_from_urls(admin_url: str, urls: dict[str, str | None], log: Any) -> list[str]:
    """Create the logins named (with a password) in role URLs; `urls` maps group → URL.

    A URL whose user is the admin's, or that carries no password, is left alone (the login is
    then the operator's business). Returns the logins provisioned.
    """
    admin_user, _ = login_of(admin_url)
    done = []
    with psycopg.connect(admin_url, autocommit=True) as conn:
        for group, url in urls.items():
            if not url:
                continue
            user, password = login_of(url)
            if not user or not password or user == admin_user:
                continue
            ensure_login(conn, user, password, group)
            log(f"login {user} can connect as {group}")
            done.append(user)
    return done
