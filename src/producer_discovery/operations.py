"""What the operator commands do: database resolution, migrate, discover, status, health, dlq."""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any

from rich.console import Console
from rich.table import Table

from producer_discovery.db.embedded import EmbeddedDatabase, default_home
from producer_discovery.db.logins import provision_from_urls
from producer_discovery.db.migrate import migrate
from producer_discovery.db.operator import OperatorDatabase, check_connection
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
    """DATABASE_URL (an admin's), or the embedded cluster's (created, started and migrated)."""
    if settings.database_url:
        return settings.database_url
    database = embedded(settings)
    url = database.ensure_running(say)
    say(
        f"using the embedded PostgreSQL in {database.home} ({url}); "
        "set DATABASE_URL to use another database"
    )
    return url


def role_url(settings: Settings, role: str) -> str:
    """The URL a command of `role` (worker or operator) connects with: WORKER_DATABASE_URL /
    OPERATOR_DATABASE_URL, else DATABASE_URL, else the embedded cluster's login of that role."""
    explicit = settings.worker_database_url if role == "worker" else settings.operator_database_url
    if explicit:
        return explicit
    if settings.database_url:
        return settings.database_url
    database_url(settings)
    return embedded(settings).role_url(role)


def connect(settings: Settings) -> AbstractContextManager[OperatorDatabase]:
    """The operator commands' database, on the operator login."""
    return OperatorDatabase.connect(role_url(settings, "operator"))


def migrate_command(settings: Settings, arguments: argparse.Namespace) -> int:
    if settings.database_url:
        applied = migrate(settings.database_url, log=say)
        say(f"applied {len(applied)} migration(s)" if applied else "database is up to date")
        provision_from_urls(
            settings.database_url,
            {
                "discovery_worker": settings.worker_database_url,
                "discovery_operator": settings.operator_database_url,
            },
            say,
        )
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
        state = (
            "running"
            if database.is_running()
            else ("stopped" if database.exists() else "not created")
        )
        print(f"{state}: {database.home} {database.url if database.exists() else ''}".rstrip())
        return 0 if state == "running" else 1
    elif getattr(arguments, "role", "admin") == "admin":
        print(database.url)
    else:
        print(database.role_url(arguments.role))
    return 0


def worker_command(settings: Settings, arguments: argparse.Namespace) -> int:
    return supervisor.run_worker(
        settings, role_url(settings, "worker"), arguments.stage, arguments.drain
    )


RUNTIME_SETTINGS = (
    "worker_concurrency",
    "visibility_timeout_seconds",
    "max_attempts",
    "max_deliveries",
    "shutdown_grace_seconds",
    "poll_interval_seconds",
)


def run_command(settings: Settings, arguments: argparse.Namespace) -> int:
    """The five stages as children on the worker login, each given this command's runtime
    settings (options and environment alike) through its environment."""
    passed_on = {field.upper(): str(getattr(settings, field)) for field in RUNTIME_SETTINGS}
    return supervisor.Supervisor(
        role_url(settings, "worker"),
        drain=arguments.drain,
        environment=passed_on,
        shutdown_grace=settings.shutdown_grace_seconds,
        connections_per_child=pool_size(settings) + 1,
    ).run()


def discover_command(settings: Settings, arguments: argparse.Namespace) -> int:
    with connect(settings) as database:
        for name in arguments.names:
            print(f"queued {name!r} (message {database.start_artist_discovery(name)})")
        if arguments.genre is not None:
            rows = database.start_bulk_artist_discovery(
                arguments.genre, arguments.min_popularity, arguments.limit
            )
            for row in rows:
                print(f"queued {row['artist_name']} (message {row['msg_id']}, {row['source']})")
    return 0


def status_command(settings: Settings, arguments: argparse.Namespace) -> int:
    with connect(settings) as database:
        report = database.status()
    if arguments.json:
        print(json.dumps(report, default=str, indent=2))
        return 0
    console = output_console()
    console.print(table("Queues", report["queues"]))
    console.print(table("Processing", report["processing"]))
    console.print(table("Finished in the last 15 minutes", report["throughput_last_15_minutes"]))
    console.print(table("Kept data (purged daily by age: purge_old_data)", report["retention"]))
    console.print(
        f"Dead letters: {report['dead_letters']} "
        f"(re-driven once after a transient failure: {report['redriven_dead_letters']})"
    )
    return 0


def health_command(settings: Settings, arguments: argparse.Namespace) -> int:
    with connect(settings) as database:
        health = database.health()
    if arguments.json:
        print(json.dumps(health, indent=2))
    else:
        print(f"overall: {health['overall_status']}")
        for part in ("queue_health", "processing_health", "worker_health"):
            details = ", ".join(f"{k}={v}" for k, v in health[part].items() if k != "status")
            print(f"{part.replace('_', ' ')}: {health[part]['status']} ({details})")
    return HEALTH_EXIT.get(health["overall_status"], 2)


def dlq_command(settings: Settings, arguments: argparse.Namespace) -> int:
    with connect(settings) as database:
        if arguments.dlq_action == "list":
            output_console().print(table("Dead letters", database.dead_letters()))
            return 0
        rows = database.replay_dead_letters(arguments.queue, arguments.message_id)
    for row in rows:
        print(
            f"replayed {row['queue_name']} #{row['message_id']} → {row['source_queue']} #{row['new_msg_id']}"
        )
    if not rows:
        say("no dead letters matched")
    return 0


DEMO_ARTISTS = ("Nova Reyes", "The Velvet Arcade")
# The demo's sandboxes and workers run five times faster than the real services allow, so the
# whole pipeline finishes within a minute; the real limits stay the settings' defaults.
DEMO_SPEED_UP = 5
DEMO_LIMITS = {
    "MUSICBRAINZ_REQUESTS_PER_SECOND": 1.0 * DEMO_SPEED_UP,  # real: 1 a second
    "DISCOGS_REQUESTS_PER_MINUTE": 60.0 * DEMO_SPEED_UP,  # real: 60 a minute
    "GENIUS_REQUESTS_PER_SECOND": 2.0 * DEMO_SPEED_UP,  # ours: 2 a second (none published)
}


def demo_command(settings: Settings, arguments: argparse.Namespace) -> int:
    """The whole pipeline offline: bundled sandbox APIs, the sample catalogue, all five stages."""
    migrate(database_url(settings), log=say)
    worker_url = role_url(settings, "worker")
    configure_logging(settings.log_format, "warning")
    sandbox_limits = SandboxEnvironment(
        musicbrainz_requests_per_second=DEMO_LIMITS["MUSICBRAINZ_REQUESTS_PER_SECOND"],
        discogs_requests_per_minute=int(DEMO_LIMITS["DISCOGS_REQUESTS_PER_MINUTE"]),
    )
    with sandbox_limits as sandboxes:
        children = {
            **sandboxes.variables(),
            "LOG_LEVEL": os.environ.get("LOG_LEVEL", "warning"),
            **{name: str(value) for name, value in DEMO_LIMITS.items()},
        }
        say(
            f"sandbox limits relaxed {DEMO_SPEED_UP}x for the demo: MusicBrainz "
            f"{DEMO_LIMITS['MUSICBRAINZ_REQUESTS_PER_SECOND']:g}/s, Discogs "
            f"{DEMO_LIMITS['DISCOGS_REQUESTS_PER_MINUTE']:g}/min, Genius "
            f"{DEMO_LIMITS['GENIUS_REQUESTS_PER_SECOND']:g}/s (the real services: 1/s, 60/min)"
        )
        with connect(settings) as database:
            for name in DEMO_ARTISTS:
                database.start_artist_discovery(name)
        say(f"sandbox APIs up; discovering {', '.join(DEMO_ARTISTS)} with all five stages")
        started = time.monotonic()
        supervisor.Supervisor(
            worker_url, drain=True, progress=report_progress(started), environment=children
        ).run()
        say(
            f"pipeline idle after {time.monotonic() - started:.0f}s; API requests served: "
            + ", ".join(
                f"{name} {sum(server.requests.values())}"
                for name, server in sandboxes.servers.items()
            )
        )
    arguments.artist = None
    arguments.json = arguments.csv = False
    return producers_command(settings, arguments)


def report_progress(started: float) -> Callable[[dict[str, int]], None]:
    def report(depths: dict[str, int]) -> None:
        waiting = ", ".join(f"{stage} {count}" for stage, count in depths.items())
        say(f"[{time.monotonic() - started:5.0f}s] queued: {waiting}")

    return report


def producers_command(settings: Settings, arguments: argparse.Namespace) -> int:
    action = getattr(arguments, "producers_action", None)
    if action == "search":
        return producers_search(settings, arguments)
    if action == "show":
        return producers_show(settings, arguments)
    with connect(settings) as database:
        contact = database.contact_visible()
        rows = database.leaderboard(arguments.artist, with_contact=contact)
    if not contact:
        say(
            "contact details (e-mail) are hidden: this login may not read them "
            "(discovery_reader); an operator login sees them"
        )
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


def producers_search(settings: Settings, arguments: argparse.Namespace) -> int:
    """search_artists / search_producers (migration 0060), best match first."""
    with connect(settings) as database:
        found = database.search(arguments.text, limit=20)
    if arguments.json:
        print(json.dumps(found, default=str, indent=2))
        return 0
    console = output_console()
    console.print(table("Artists", found["artists"]))
    console.print(table("Producers", found["producers"]))
    return 0


def producers_show(settings: Settings, arguments: argparse.Namespace) -> int:
    """get_producer + get_producer_contact (migration 0061): the CLI is an operator tool."""
    with connect(settings) as database:
        producer_id = arguments.producer
        if not is_uuid(producer_id):
            hits = database.search(producer_id, limit=1)["producers"]
            if not hits:
                raise ConfigurationError(f"no producer matches {producer_id!r}")
            producer_id = str(hits[0]["id"])
        document = database.producer(producer_id)
        if document is None:
            raise ConfigurationError(f"no producer with id {producer_id}")
    if arguments.json:
        print(json.dumps(document, default=str, indent=2))
        return 0
    console = output_console()
    console.print(f"[bold]{document['name']}[/bold]  ({document['id']})")
    for label, value in (
        ("aliases", ", ".join(document["aliases"])),
        ("e-mail", document.get("email")),
        ("instagram", document.get("instagram_handle")),
        ("socials", ", ".join(f"{k}: {v}" for k, v in document["socials"].items())),
    ):
        if value:
            console.print(f"{label}: {value}")
    console.print(
        table(
            "Credits",
            [
                {
                    "artist": c["artist"],
                    "album": c["album"],
                    "track": c["track"],
                    "roles": ", ".join(c["roles"] or []),
                    "sources": "+".join(c["sources"] or []),
                    "confidence": c["confidence"],
                }
                for c in document["credits"]
            ],
        )
    )
    console.print(
        table(
            "Collaborators",
            [
                {"kind": c["kind"], "name": c["name"], "shared tracks": c["shared_tracks"]}
                for c in document["collaborators"]
            ],
        )
    )
    return 0


def is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def web_command(settings: Settings, arguments: argparse.Namespace) -> int:
    from producer_discovery.web.server import serve

    host = arguments.host or settings.web_host
    port = arguments.port or settings.web_port
    # The operator login, like every operator command: visitors' requests then take
    # discovery_reader (SET LOCAL ROLE), a role a superuser login could simply leave again.
    url = role_url(settings, "operator")
    check_connection(url)  # a wrong DATABASE_URL is one readable line, not a server traceback
    say(
        f"serving http://{host}:{port}/ (operator actions "
        f"{'enabled' if settings.web_operator_token else 'disabled: WEB_OPERATOR_TOKEN is not set'})"
    )
    serve(settings, url, host, port)
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
