"""A scratch database for scripts (the benchmarks): migrated, dropped afterwards."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

from producer_discovery.db.cluster import LocalCluster, free_port
from producer_discovery.db.migrate import migrate
from producer_discovery.db.registered_sources import RegisteredSource


@contextmanager
def scratch_database(sources: Sequence[RegisteredSource]) -> Iterator[str]:
    """A migrated database (the registry's `sources` registered): on DATABASE_URL's server
    when set, else on a throwaway cluster."""
    server = os.environ.get("DATABASE_URL")
    cluster, root = None, None
    if not server:
        root = Path(tempfile.mkdtemp(prefix="pd-bench-", dir="/tmp"))
        cluster = LocalCluster(root / "data", free_port())
        cluster.initialise(fsync=False)
        cluster.start()
        server = cluster.url("postgres")
    name = f"pd_bench_{uuid.uuid4().hex[:8]}"
    url = make_conninfo(server, dbname=name)
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        migrate(url, sources=sources)
        yield url
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        if cluster is not None:
            cluster.destroy()
            shutil.rmtree(root or "", ignore_errors=True)
