"""What a migrated database is made of, read from pg_catalog, so that two databases built in
different ways (a fresh install, an upgrade from the last release) can be compared.

The snapshot covers the project's schemas and pgmq's objects that do not belong to an
extension: schemas, relations and their columns, constraints, indexes, views, functions (their
whole definition, owner, settings and privileges), triggers, comments, default privileges, the
rows that migrations seed (timestamps left out), pgmq's queues and the pg_cron jobs.
"""

from __future__ import annotations

from typing import Any

import psycopg

SCHEMAS = ["public", "monitoring", "queue_mgmt", "idempotency", "pgmq"]

# Objects that belong to an extension (pgmq installed as one, uuid-ossp) are the extension's.
NOT_IN_EXTENSION = """
NOT EXISTS (SELECT 1 FROM pg_depend d
            WHERE d.classid = '{catalog}'::regclass AND d.objid = {oid} AND d.deptype = 'e')
"""

QUERIES: dict[str, str] = {
    "schemas": """
        SELECT n.nspname, pg_get_userbyid(n.nspowner),
               ARRAY(SELECT unnest(n.nspacl)::text ORDER BY 1)
        FROM pg_namespace n WHERE n.nspname = ANY(%(schemas)s) ORDER BY 1
    """,
    "relations": f"""
        SELECT n.nspname || '.' || c.relname, c.relkind::text, pg_get_userbyid(c.relowner),
               ARRAY(SELECT unnest(c.relacl)::text ORDER BY 1), c.reloptions::text
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ANY(%(schemas)s) AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f', 'c')
          AND {NOT_IN_EXTENSION.format(catalog="pg_class", oid="c.oid")}
          AND c.relname NOT LIKE 'q\\_%%' AND c.relname NOT LIKE 'a\\_%%'
        ORDER BY 1
    """,
    "columns": f"""
        SELECT n.nspname || '.' || c.relname || '.' || a.attname,
               format_type(a.atttypid, a.atttypmod), a.attnotnull,
               pg_get_expr(ad.adbin, ad.adrelid), ARRAY(SELECT unnest(a.attacl)::text ORDER BY 1),
               a.attidentity::text, a.attgenerated::text
        FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
        WHERE n.nspname = ANY(%(schemas)s) AND a.attnum > 0 AND NOT a.attisdropped
          AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'c')
          AND {NOT_IN_EXTENSION.format(catalog="pg_class", oid="c.oid")}
          AND c.relname NOT LIKE 'q\\_%%' AND c.relname NOT LIKE 'a\\_%%'
        ORDER BY 1
    """,
    "constraints": """
        SELECT n.nspname || '.' || c.relname || '.' || k.conname, pg_get_constraintdef(k.oid)
        FROM pg_constraint k
        JOIN pg_class c ON c.oid = k.conrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ANY(%(schemas)s)
          AND c.relname NOT LIKE 'q\\_%%' AND c.relname NOT LIKE 'a\\_%%'
        ORDER BY 1
    """,
    "indexes": """
        SELECT schemaname || '.' || indexname, indexdef FROM pg_indexes
        WHERE schemaname = ANY(%(schemas)s)
          AND tablename NOT LIKE 'q\\_%%' AND tablename NOT LIKE 'a\\_%%'
        ORDER BY 1
    """,
    "views": """
        SELECT schemaname || '.' || viewname, definition FROM pg_views
        WHERE schemaname = ANY(%(schemas)s) ORDER BY 1
    """,
    "functions": f"""
        SELECT p.oid::regprocedure::text, pg_get_functiondef(p.oid), pg_get_userbyid(p.proowner),
               ARRAY(SELECT unnest(p.proacl)::text ORDER BY 1), p.prosecdef, p.proconfig::text
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = ANY(%(schemas)s) AND p.prokind IN ('f', 'p')
          AND {NOT_IN_EXTENSION.format(catalog="pg_proc", oid="p.oid")}
        ORDER BY 1
    """,
    "extension_function_privileges": """
        SELECT p.oid::regprocedure::text, ARRAY(SELECT unnest(p.proacl)::text ORDER BY 1),
               p.prosecdef, p.proconfig::text
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = ANY(%(schemas)s) AND p.prokind IN ('f', 'p')
          AND EXISTS (SELECT 1 FROM pg_depend d
                      WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                        AND d.deptype = 'e')
        ORDER BY 1
    """,
    "triggers": """
        SELECT n.nspname || '.' || c.relname || '.' || t.tgname, pg_get_triggerdef(t.oid)
        FROM pg_trigger t
        JOIN pg_class c ON c.oid = t.tgrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ANY(%(schemas)s) AND NOT t.tgisinternal
          AND c.relname NOT LIKE 'q\\_%%' AND c.relname NOT LIKE 'a\\_%%'
        ORDER BY 1
    """,
    "comments": """
        SELECT d.classoid::regclass::text, pg_describe_object(d.classoid, d.objoid, d.objsubid),
               d.description
        FROM pg_description d
        WHERE pg_describe_object(d.classoid, d.objoid, d.objsubid) IS NOT NULL
          AND (
            (d.classoid = 'pg_class'::regclass AND d.objoid IN (
               SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname = ANY(%(schemas)s)))
            OR (d.classoid = 'pg_proc'::regclass AND d.objoid IN (
               SELECT p.oid FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
               WHERE n.nspname = ANY(%(schemas)s)))
            OR (d.classoid = 'pg_namespace'::regclass AND d.objoid IN (
               SELECT oid FROM pg_namespace WHERE nspname = ANY(%(schemas)s))))
        ORDER BY 1, 2
    """,
    "default_privileges": """
        SELECT pg_get_userbyid(a.defaclrole), COALESCE(n.nspname, ''), a.defaclobjtype::text,
               ARRAY(SELECT unnest(a.defaclacl)::text ORDER BY 1)
        FROM pg_default_acl a LEFT JOIN pg_namespace n ON n.oid = a.defaclnamespace
        ORDER BY 1, 2, 3
    """,
    "extensions": "SELECT extname, extversion FROM pg_extension ORDER BY 1",
    "ledger": "SELECT name, checksum FROM public.schema_migrations ORDER BY 1",
    "queues": "SELECT queue_name, is_partitioned, is_unlogged FROM pgmq.meta ORDER BY 1",
}

# The rows migrations seed, without the moments they were written.
SEEDED_ROWS = """
SELECT c.oid::regclass::text,
       ARRAY(SELECT a.attname FROM pg_attribute a
             WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
               AND a.atttypid NOT IN ('timestamptz'::regtype, 'timestamp'::regtype)
             ORDER BY a.attnum)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY(%(schemas)s) AND c.relkind IN ('r', 'p')
  AND c.relname NOT LIKE 'q\\_%%' AND c.relname NOT LIKE 'a\\_%%'
  AND c.oid <> 'public.schema_migrations'::regclass
  AND NOT (n.nspname = 'pgmq' AND c.relname = 'meta')
ORDER BY 1
"""

CRON_JOBS = """
SELECT jobname, schedule, command, username FROM cron.job
WHERE database = current_database() ORDER BY 1
"""


def snapshot(url: str) -> dict[str, Any]:
    """The catalogue facts of one database, each a sorted list of rows."""
    facts: dict[str, Any] = {}
    with psycopg.connect(url, autocommit=True) as conn:
        for name, query in QUERIES.items():
            facts[name] = conn.execute(query, {"schemas": SCHEMAS}).fetchall()
        for table, columns in conn.execute(SEEDED_ROWS, {"schemas": SCHEMAS}).fetchall():
            listed = ", ".join(f'"{column}"' for column in columns)
            rows = conn.execute(f"SELECT {listed} FROM {table}").fetchall()
            facts[f"rows of {table}"] = sorted(repr(row) for row in rows)
        has_cron = conn.execute("SELECT to_regclass('cron.job') IS NOT NULL").fetchone()
        if has_cron and has_cron[0]:
            facts["cron jobs"] = conn.execute(CRON_JOBS).fetchall()
    return facts


def differences(left: dict[str, Any], right: dict[str, Any]) -> list[str]:
    """Readable lines for every fact that differs between two snapshots (empty when equal)."""
    lines: list[str] = []
    for name in sorted(set(left) | set(right)):
        left_rows = {repr(row) for row in left.get(name, [])}
        right_rows = {repr(row) for row in right.get(name, [])}
        lines.extend(
            f"{name}: only in the first: {row[:400]}" for row in sorted(left_rows - right_rows)
        )
        lines.extend(
            f"{name}: only in the second: {row[:400]}" for row in sorted(right_rows - left_rows)
        )
    return lines
