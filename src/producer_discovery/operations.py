"""What the operator commands do: database resolution, migrate, discover, status, health, dlq."""

from __future__ import annotations

import argparse
import csv
import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any

from rich.text import Text

from producer_discovery import identity_operations, inputs
from producer_discovery.db.embedded import EmbeddedDatabase, default_home
from producer_discovery.db.logins import provision_from_urls
from producer_discovery.db.migrate import migrate
from producer_discovery.db.operator import (
    OperatorDatabase,
    check_connection,
    wait_for_connection,
)
from producer_discovery.db.watch import store_refresh_interval
from producer_discovery.errors import ConfigurationError
from producer_discovery.logging import configure as configure_logging
from producer_discovery.output import console as output_console
from producer_discovery.output import (
    duration,
    fold,
    header,
    namesakes,
    reading,
    table,
    tell_apart,
    to_json,
    with_contact,
)
from producer_discovery.recommendations import recommend_command
from producer_discovery.runtime import supervisor
from producer_discovery.runtime.configuration import configuration_problems
from producer_discovery.runtime.resources import pool_size
from producer_discovery.sandbox.environment import SandboxEnvironment
from producer_discovery.settings import Settings
from producer_discovery.sources import credit_sources, registered_sources
from producer_discovery.text import normalize_name

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
    url = database.ensure_running(say, registered_sources())
    if url not in ANNOUNCED:  # once per process, however many connections a command opens
        ANNOUNCED.add(url)
        say(
            f"using the embedded PostgreSQL in {database.home} ({url}); "
            "set DATABASE_URL to use another database"
        )
    return url


ANNOUNCED: set[str] = set()


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
        wait_for_connection(settings.database_url, log=say)  # compose: the db may be starting
        applied = migrate(settings.database_url, log=say, sources=registered_sources())
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
    if settings.artist_refresh_interval is not None:
        store_refresh_interval(database_url(settings), settings.artist_refresh_interval)
        say(f"artist refresh interval: {settings.artist_refresh_interval}")
    return 0


def database_command(settings: Settings, arguments: argparse.Namespace) -> int:
    database = embedded(settings)
    if arguments.action == "start":
        print(database.ensure_running(say, registered_sources()))
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


def configuration_refused(settings: Settings, stages: Sequence[str]) -> bool:
    """Print every setting the stages miss, one line each on stderr; True when any is."""
    problems = configuration_problems(settings, stages)
    for problem in problems:
        print(f"configuration error: {problem}", file=sys.stderr)
    return bool(problems)


def worker_command(settings: Settings, arguments: argparse.Namespace) -> int:
    if configuration_refused(settings, [arguments.stage]):
        return 1
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
    "source_wait_seconds",
)


def run_command(settings: Settings, arguments: argparse.Namespace) -> int:
    """The five stages as children on the worker login, each given this command's runtime
    settings (options and environment alike) through its environment."""
    if configuration_refused(settings, supervisor.STAGES):
        return 1
    passed_on = {field.upper(): str(getattr(settings, field)) for field in RUNTIME_SETTINGS}
    return supervisor.Supervisor(
        role_url(settings, "worker"),
        drain=arguments.drain,
        environment=passed_on,
        shutdown_grace=settings.shutdown_grace_seconds,
        connections_per_child=pool_size(settings) + 1,
    ).run()


def discover_command(settings: Settings, arguments: argparse.Namespace) -> int:
    queued: list[dict[str, Any]] = []
    as_json = getattr(arguments, "json", False)
    with connect(settings) as database:
        started: dict[str, int] = {}
        for name in arguments.names:
            message = database.start_artist_discovery(name)
            started[name] = message
            queued.append({"artist_name": name, "msg_id": message, "source": "name"})
            if not as_json:
                print(f"queued {name!r} (message {message})")
        if arguments.genre is not None:
            rows = database.start_bulk_artist_discovery(
                arguments.genre, arguments.min_popularity, arguments.limit
            )
            queued.extend(rows)
            for row in rows if not as_json else []:
                print(f"queued {row['artist_name']} (message {row['msg_id']}, {row['source']})")
        if as_json:
            print(to_json(queued))
        if arguments.wait and started:
            return wait_for_discoveries(database, started, arguments.timeout)
    return 0


def describe_progress(name: str, progress: dict[str, Any]) -> str:
    """One line: what is known of the artist so far, and what of it is still queued."""
    if progress.get("artist_id") is None:
        return f"{name}: {'waiting for artist_discovery' if not progress['idle'] else progress['outcome']}"
    queued = ", ".join(f"{stage} {n}" for stage, n in progress["queued"].items() if n)
    return (
        f"{progress['artist']}: {progress['albums']} albums, {progress['tracks']} tracks, "
        f"{progress['songs_identified']}/{progress['songs']} songs identified, "
        f"{progress['producers']} producers; " + (f"queued: {queued}" if queued else "idle")
    )


def wait_for_discoveries(database: OperatorDatabase, started: dict[str, int], timeout: int) -> int:
    """Print each artist's progress when it changes (stderr) until every one is idle (0) or
    `timeout` seconds pass (1); say so when a stage with queued messages has no live worker."""
    deadline = time.monotonic() + timeout
    shown: dict[str, str] = {}
    warned: set[str] = set()
    while True:
        progress = {name: database.discovery_progress(msg) for name, msg in started.items()}
        for name, state in progress.items():
            line = describe_progress(name, state)
            if shown.get(name) != line:
                say(line)
                shown[name] = line
        if all(state["idle"] for state in progress.values()):
            return 0
        for row in database.worker_liveness():
            if row["queued_messages"] and not row["live_workers"] and row["stage"] not in warned:
                warned.add(row["stage"])
                say(f"no live worker for {row['stage']}: start `producer-discovery run`")
        if time.monotonic() >= deadline:
            say(f"timed out after {timeout} s; the pipeline goes on (`producer-discovery status`)")
            return 1
        time.sleep(2.0)


def status_command(settings: Settings, arguments: argparse.Namespace) -> int:
    with connect(settings) as database:
        report = database.status()
    if arguments.json:
        print(to_json(report))
        return 0
    console = output_console()
    console.print(table("Queues", report["queues"]))
    console.print(table("Workers (live: seen in the last minute)", report["workers"]))
    console.print(table("Processing", report["processing"]))
    console.print(table("Finished in the last 15 minutes", report["throughput_last_15_minutes"]))
    console.print(table("Kept data (purged daily by age: purge_old_data)", report["retention"]))
    console.print(table("Sources out, waited for or with gaps pending", source_rows(report)))
    console.print(
        f"Dead letters: {report['dead_letters']} "
        f"(re-driven once after a transient failure: {report['redriven_dead_letters']})"
    )
    return 0


def source_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The sources that are out, or that songs wait for, or that left gaps: for `status`."""
    return [
        {
            "source": row["source"],
            "out_since": row["out_since"] or "answering",
            "blocked_seconds": round(row["blocked_seconds"]),
            "songs_waiting": row["songs_waiting"],
            "gaps_pending": row["gaps_pending"],
            "refill_due": row["refill_due"],
        }
        for row in report["sources"]
        if row["out_since"] or row["songs_waiting"] or row["gaps_pending"]
    ]


def health_command(settings: Settings, arguments: argparse.Namespace) -> int:
    with connect(settings) as database:
        health = database.health()
    if arguments.json:
        print(to_json(health))
    else:
        print(f"overall: {health['overall_status']}")
        for part in (
            "queue_health",
            "processing_health",
            "worker_health",
            "liveness_health",
            "maintenance_health",
        ):
            details = ", ".join(
                f"{k.replace('_', ' ')}: {reading(k, v)}"
                for k, v in health[part].items()
                if k != "status"
            )
            print(f"{part.replace('_', ' ')}: {health[part]['status']} ({details})")
    return HEALTH_EXIT.get(health["overall_status"], 2)


def dlq_command(settings: Settings, arguments: argparse.Namespace) -> int:
    with connect(settings) as database:
        if arguments.dlq_action == "list":
            letters = database.dead_letters()
            if getattr(arguments, "json", False):
                print(to_json(letters))
            else:
                output_console().print(table("Dead letters", letters))
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
# Every credit source's API (the registry's), by environment variable: MusicBrainz 5/s instead
# of 1, Discogs 300/min instead of 60, Genius 10/s instead of our 2 (none published).
DEMO_RATES = [
    (source.label, rate, float(Settings.model_fields[rate.setting].default))
    for source in credit_sources()
    if (rate := source.rate) is not None
]
DEMO_LIMITS = {rate.setting.upper(): real * DEMO_SPEED_UP for _, rate, real in DEMO_RATES}


def demo_command(settings: Settings, arguments: argparse.Namespace) -> int:
    """The whole pipeline offline: bundled sandbox APIs, the sample catalogue, all five stages."""
    migrate(database_url(settings), log=say, sources=registered_sources())
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
            f"sandbox limits relaxed {DEMO_SPEED_UP}x for the demo: "
            + ", ".join(
                f"{label} {rate.text(real * DEMO_SPEED_UP)}" for label, rate, real in DEMO_RATES
            )
            + " (at real limits: "
            + ", ".join(rate.text(real) for _, rate, real in DEMO_RATES)
            + ")"
        )
        with connect(settings) as database:
            for name in DEMO_ARTISTS:
                database.start_artist_discovery(name)
        say(f"sandbox APIs up; discovering {', '.join(DEMO_ARTISTS)} with all five stages")
        started = time.monotonic()
        demo_started = started
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
    arguments.json = arguments.csv = arguments.wide = False
    code = producers_command(settings, arguments)
    with connect(settings) as database:
        counts = database.catalogue_counts()
    print(demo_summary(counts, time.monotonic() - demo_started))
    return code


def demo_summary(counts: dict[str, int], seconds: float) -> str:
    """The demo's last words: what it found, how long it took, and what to try next."""
    return "\n".join(
        [
            (
                f"Found {counts['producers']} producers of {counts['songs']} songs by "
                f"{counts['artists']} artists ({counts['credits']} credits) in {duration(seconds)}."
            ),
            "Try next:",
            '  producer-discovery producers --artist "Nova Reyes"   who produced an artist',
            '  producer-discovery producers show "NAME"             a producer, with contact',
            "  producer-discovery status                             queues and throughput",
            "  producer-discovery web                                the same in a browser",
        ]
    )


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
    if action == "forget":
        return producers_forget(settings, arguments)
    if action == "recommend":
        with connect(settings) as database:
            notices = recommend_command(database, arguments)
        for notice in notices:
            say(notice)
        return 0
    if action in identity_operations.COMMANDS:
        with connect(settings) as database:
            return identity_operations.run(database, arguments)
    with connect(settings) as database:
        contact = database.contact_visible()
        rows = database.leaderboard(arguments.artist, with_contact=contact)
    if not contact:
        say(
            "contact details (e-mail) are hidden: this login may not read them "
            "(discovery_reader); an operator login sees them"
        )
    if arguments.json:
        print(to_json(rows))
    elif arguments.csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]) if rows else ["producer"])
        writer.writeheader()
        writer.writerows(rows)
    else:
        title = f"Who produced {arguments.artist}" if arguments.artist else "Producers"
        shown = [
            with_contact({k: v for k, v in row.items() if k != "id"})
            for row in tell_apart(rows, "producer")
        ]
        wide = getattr(arguments, "wide", False)
        output_console(wide=wide).print(table(title, shown, wide=wide))
    if not rows and arguments.artist:
        say(f"no producers known for {arguments.artist!r} (is it discovered and processed?)")
    return 0


def producers_search(settings: Settings, arguments: argparse.Namespace) -> int:
    """search_artists / search_producers (migration 0060), best match first."""
    with connect(settings) as database:
        found = database.search(arguments.text, limit=20)
        same = namesakes(found["producers"], "name")
        for row in found["producers"]:  # namesakes: their artists tell them apart
            if same:
                row["artist_names"] = (
                    artists_of(database, row["id"]) if fold(row["name"]) in same else None
                )
    if arguments.json:
        print(to_json(found))
        return 0
    wide = getattr(arguments, "wide", False)
    console = output_console(wide=wide)
    console.print(table("Artists", found["artists"], wide=wide))
    console.print(table("Producers", found["producers"], wide=wide))
    return 0


def producers_show(settings: Settings, arguments: argparse.Namespace) -> int:
    """get_producer + get_producer_contact (migration 0061): the CLI is an operator tool."""
    with connect(settings) as database:
        producer_id = arguments.producer
        if ID_PREFIX.fullmatch(producer_id.lower()):  # the 8 characters the tables show
            ids = database.producer_ids_by_prefix(producer_id.lower())
            producer_id = ids[0] if len(ids) == 1 else producer_id
        if not inputs.is_uuid(producer_id):
            hits = database.search(producer_id, limit=20)["producers"]
            if not hits:
                raise ConfigurationError(f"no producer matches {producer_id!r}")
            same = [h for h in hits if fold(h["name"]) == fold(hits[0]["name"])]
            if len(same) > 1:
                return several_producers(database, producer_id, same)
            producer_id = str(hits[0]["id"])
        document = database.producer(producer_id)
        if document is None:
            raise ConfigurationError(f"no producer with id {producer_id}")
    if arguments.json:
        print(to_json(document))
        return 0
    console = output_console()
    console.print(Text(document["name"], style="bold") + Text(f"  (id {document['id']})"))
    socials = {k: v for k, v in document["socials"].items() if k != "instagram_handle"}
    for label, value in (
        ("Aliases", ", ".join(document["aliases"])),
        ("E-mail", document.get("email")),
        ("Instagram", document.get("instagram_handle")),
        *((header(k), v) for k, v in sorted(socials.items())),
    ):
        if value:  # names and links are printed as they are, never read as rich markup
            console.print(Text(f"{label}: {value}"), overflow="fold")
    console.print(
        table(
            "Credits",
            [
                {
                    "artist": c["artist"],
                    "album": c["album"],
                    "track": c["track"],
                    "roles": ", ".join(c["roles"] or []),
                    "sources": ", ".join(c["sources"] or []),
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


def producers_forget(settings: Settings, arguments: argparse.Namespace) -> int:
    """forget_producer (definitions/50_producers.sql): by id, or by a name that names one."""
    target = arguments.producer.strip()
    with connect(settings) as database:
        if inputs.is_uuid(target):
            producer_id = target
        else:
            named = database.producers_named(normalize_name(target))
            if not named:
                raise ConfigurationError(f"no producer named {target!r}")
            if len(named) > 1:
                ids = ", ".join(f"{row['id']} ({row['name']})" for row in named)
                raise ConfigurationError(f"{len(named)} producers are named {target!r}: {ids}")
            producer_id = named[0]["id"]
        forgotten = database.forget_producer(producer_id)
    if forgotten is None:
        raise ConfigurationError(f"no producer with id {producer_id}")
    print(to_json(forgotten))
    say(f"forgot producer {producer_id}: erased, and on the do-not-collect list")
    return 0


def artists_of(database: Any, producer_id: str) -> str:
    """The artists a producer is credited with, comma-separated."""
    document = database.producer(str(producer_id)) or {"credits": []}
    return ", ".join(sorted({credit["artist"] for credit in document["credits"]}))


def several_producers(database: Any, text: str, matches: list[dict[str, Any]]) -> int:
    """Namesakes: list them with what tells them apart (id, artists) and ask for an id."""
    rows = [
        {
            "id": hit["id"],
            "name": hit["name"],
            "tracks": hit["tracks"],
            "artist_names": artists_of(database, hit["id"]),
        }
        for hit in matches
    ]
    output_console(sys.stderr).print(table(f"{len(rows)} producers match {text!r}", rows))
    say(
        f"several producers are named {matches[0]['name']!r}: give one id, e.g. "
        f"producer-discovery producers show {str(matches[0]['id'])[:8]}"
    )
    return 1


ID_PREFIX = re.compile(r"[0-9a-f]{8}[0-9a-f-]{0,27}")


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
