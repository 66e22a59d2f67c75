"""What the operator commands do: database resolution, migrate, discover, status, health, dlq."""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import psycopg
from psycopg.rows import dict_row
from rich.console import Console
from rich.table import Table

from producer_discovery.db.embedded import EmbeddedDatabase, default_home
from producer_discovery.db.migrate import migrate
from producer_discovery.db.queries import query
from producer_discovery.errors import ConfigurationError
from producer_discovery.logging import configure as configure_logging
from producer_discovery.runtime import supervisor
from producer_discovery.runtime.resources import pool_size
from producer_discovery.sandbox.environment import SandboxEnvironment
from producer_discovery.settings import Settings

HEALTH_EXIT = {"healthy": 0, "warning": 1, "critical": 2}


def say(line: str) -> None:
    """Progress and notices go to stderr, so stdout stays machine-readable."""
    print(line, file=sys.stderr)


def embedded(settings: Settings) -> EmbeddedDatabase:
    return EmbeddedDatabase(settings.producer_discovery_home or default_home())


def database_url(settings: Settings) -> str:
    """DATABASE_URL, or the embedded cluster (created, started and migrated as needed)."""
    if settings.database_url:
        return settings.database_url
    database = embedded(settings)
    url = database.ensure_running(say)
    say(f"using the embedded PostgreSQL in {database.home} ({url}); "
        "set DATABASE_URL to use another database")
    return url


def connect(settings: Settings) -> psycopg.Connection[dict[str, Any]]:
    url = database_url(settings)
    try:
        return psycopg.connect(url, autocommit=True, row_factory=dict_row)
    except psycopg.OperationalError as error:
        raise ConfigurationError(f"cannot connect to the database: {str(error).strip().splitlines()[0]}") from error


def one(conn: psycopg.Connection[dict[str, Any]], statement: str) -> dict[str, Any]:
    """The single row a statement returns."""
    row = conn.execute(statement).fetchone()
    assert row is not None, statement
    return row


def migrate_command(settings: Settings, arguments: argparse.Namespace) -> int:
    if settings.database_url:
        applied = migrate(settings.database_url, log=say)
        say(f"applied {len(applied)} migration(s)" if applied else "database is up to date")
    else:
        database_url(settings)
    return 0


def database_command(settings: Settings, arguments: argparse.Namespace) -> int:
    database = embedded(settings)
    if arguments.action == "start":
        print(database.ensure_running(say))
    elif arguments.action == "stop":
        say("stopped" if database.stop() else "not running")
    elif arguments.action == "status":
        state = "running" if database.is_running() else ("stopped" if database.exists() else "not created")
        print(f"{state}: {database.home} {database.url if database.exists() else ''}".rstrip())
        return 0 if state == "running" else 1
    else:
        print(database.url)
    return 0


def worker_command(settings: Settings, arguments: argparse.Namespace) -> int:
    return supervisor.run_worker(settings, database_url(settings), arguments.stage, arguments.drain)


def run_command(settings: Settings, arguments: argparse.Namespace) -> int:
    passed_on = []
    for option, value in (("--concurrency", settings.worker_concurrency),
                          ("--visibility-timeout", settings.visibility_timeout_seconds),
                          ("--max-attempts", settings.max_attempts)):
        passed_on += [option, str(value)]
    return supervisor.Supervisor(database_url(settings), drain=arguments.drain,
                                 extra_arguments=passed_on,
                                 connections_per_child=pool_size(settings) + 1).run()


def discover_command(settings: Settings, arguments: argparse.Namespace) -> int:
    if not arguments.names and not arguments.genre:
        raise ConfigurationError("discover needs artist names or --genre GENRE")
    with connect(settings) as conn:
        for name in arguments.names:
            row = conn.execute("SELECT start_artist_discovery(%s) AS msg_id", (name,)).fetchone()
            print(f"queued {name!r} (message {row['msg_id']})" if row else name)
        if arguments.genre:
            rows = conn.execute(
                "SELECT * FROM start_bulk_artist_discovery(%s, %s, %s)",
                (arguments.genre, arguments.min_popularity, arguments.limit),
            ).fetchall()
            for row in rows:
                print(f"queued {row['artist_name']} (message {row['msg_id']}, {row['source']})")
    return 0


def status_command(settings: Settings, arguments: argparse.Namespace) -> int:
    with connect(settings) as conn:
        report = {
            "queues": conn.execute(query("queue_depths")).fetchall(),
            "processing": conn.execute("SELECT * FROM get_processing_stats()").fetchall(),
            "dead_letters": one(conn, "SELECT count(*) AS n FROM dlq_messages")["n"],
            "redriven_dead_letters": one(conn, query("redriven_count"))["n"],
            "throughput_last_15_minutes": conn.execute(query("recent_throughput")).fetchall(),
        }
    if arguments.json:
        print(json.dumps(report, default=str, indent=2))
        return 0
    console = output_console()
    console.print(table("Queues", report["queues"]))
    console.print(table("Processing", report["processing"]))
    console.print(table("Finished in the last 15 minutes", report["throughput_last_15_minutes"]))
    console.print(f"Dead letters: {report['dead_letters']} "
                  f"(re-driven once after a transient failure: {report['redriven_dead_letters']})")
    return 0


def health_command(settings: Settings, arguments: argparse.Namespace) -> int:
    with connect(settings) as conn:
        health = one(conn, "SELECT get_system_health() AS h")["h"]
    if arguments.json:
        print(json.dumps(health, indent=2))
    else:
        print(f"overall: {health['overall_status']}")
        for part in ("queue_health", "processing_health", "worker_health"):
            details = ", ".join(f"{k}={v}" for k, v in health[part].items() if k != "status")
            print(f"{part.replace('_', ' ')}: {health[part]['status']} ({details})")
    return HEALTH_EXIT.get(health["overall_status"], 2)


def dlq_command(settings: Settings, arguments: argparse.Namespace) -> int:
    with connect(settings) as conn:
        if arguments.dlq_action == "list":
            rows = conn.execute(query("dlq_list")).fetchall()
            output_console().print(table("Dead letters", rows))
            return 0
        rows = conn.execute(
            query("dlq_replay"), {"queue": arguments.queue, "message_id": arguments.message_id}
        ).fetchall()
    for row in rows:
        print(f"replayed {row['queue_name']} #{row['message_id']} → {row['source_queue']} #{row['new_msg_id']}")
    if not rows:
        say("no dead letters matched")
    return 0


DEMO_ARTISTS = ("Nova Reyes", "The Velvet Arcade")


def demo_command(settings: Settings, arguments: argparse.Namespace) -> int:
    """The whole pipeline offline: bundled sandbox APIs, the sample catalogue, all five stages."""
    url = database_url(settings)
    migrate(url, log=say)
    configure_logging(settings.log_format, "warning")
    with SandboxEnvironment() as sandboxes:
        os.environ.update(sandboxes.variables())
        os.environ["DATABASE_URL"] = url
        os.environ.setdefault("LOG_LEVEL", "warning")
        with psycopg.connect(url, autocommit=True) as conn:
            for name in DEMO_ARTISTS:
                conn.execute("SELECT start_artist_discovery(%s)", (name,))
        say(f"sandbox APIs up; discovering {', '.join(DEMO_ARTISTS)} with all five stages")
        started = time.monotonic()
        supervisor.Supervisor(url, drain=True, progress=report_progress(started)).run()
        say(f"pipeline idle after {time.monotonic() - started:.0f}s; API requests served: " + ", ".join(
            f"{name} {sum(server.requests.values())}" for name, server in sandboxes.servers.items()))
    arguments.artist = None
    arguments.json = arguments.csv = False
    return producers_command(settings, arguments)


def report_progress(started: float) -> Callable[[dict[str, int]], None]:
    def report(depths: dict[str, int]) -> None:
        waiting = ", ".join(f"{stage} {count}" for stage, count in depths.items())
        say(f"[{time.monotonic() - started:5.0f}s] queued: {waiting}")

    return report


def producers_command(settings: Settings, arguments: argparse.Namespace) -> int:
    with connect(settings) as conn:
        rows = conn.execute(query("producers_leaderboard"), {"artist": arguments.artist}).fetchall()
    if arguments.json:
        print(json.dumps(rows, default=str, indent=2))
    elif arguments.csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]) if rows else ["producer"])
        writer.writeheader()
        writer.writerows(rows)
    else:
        title = f"Who produced {arguments.artist}" if arguments.artist else "Producers"
        output_console().print(table(title, rows))
    if not rows and arguments.artist:
        say(f"no producers known for {arguments.artist!r} (is it discovered and processed?)")
    return 0


def output_console() -> Console:
    """Rich output; wide when piped, so tables are not cut to 80 columns."""
    return Console(width=None if sys.stdout.isatty() else 200)


def table(title: str, rows: Sequence[dict[str, Any]]) -> Table:
    grid = Table(title=title)
    if not rows:
        grid.add_column("(none)")
        return grid
    for column in rows[0]:
        grid.add_column(column)
    for row in rows:
        grid.add_row(*("" if value is None else str(value) for value in row.values()))
    return grid
