"""`producer-discovery`: parse the command line and wire the pieces; no logic lives here.

Exit codes: 0 ok; 1 a fatal error (one readable line on stderr); 2 a bad argument;
`health` answers 0 healthy, 1 warning, 2 critical.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

import psycopg
from pydantic import ValidationError

from producer_discovery import operations
from producer_discovery.errors import ProducerDiscoveryError
from producer_discovery.logging import configure as configure_logging
from producer_discovery.runtime import supervisor
from producer_discovery.settings import Settings

STAGES = list(supervisor.STAGES)


class Parser(argparse.ArgumentParser):
    """argparse that reports a bad argument in one line."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def popularity(text: str) -> int:
    value = positive_int(text) if text != "0" else 0
    if value > 100:
        raise argparse.ArgumentTypeError(f"{text!r} must be between 0 and 100")
    return value


def port(text: str) -> int:
    value = positive_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port (1-65535)")
    return value


ARTIST_NAME_MAX = 200  # as start_artist_discovery (migrations 0051, 0080) and the web's API


def artist_name(text: str) -> str:
    name = text.strip()
    if not name:
        raise argparse.ArgumentTypeError("an artist name must not be empty")
    if len(name) > ARTIST_NAME_MAX or any(ord(c) < 32 for c in name):
        raise argparse.ArgumentTypeError(
            f"an artist name has at most {ARTIST_NAME_MAX} characters and no control characters"
        )
    return name


def build_parser() -> Parser:
    parser = Parser(
        prog="producer-discovery",
        description="Who produced the songs you love, and how to reach them. "
        "With no DATABASE_URL, an embedded local PostgreSQL is created and used.",
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    commands.add_parser("migrate", help="apply every migration not yet applied")

    database = commands.add_parser("db", help="manage the embedded local database")
    database.add_argument("action", choices=["start", "stop", "status", "url"])
    database.add_argument(
        "--role",
        choices=["admin", "worker", "operator", "reader"],
        default="admin",
        help="url: whose login (default admin, the one that migrates)",
    )

    discover = commands.add_parser("discover", help="queue artists for discovery")
    discover.add_argument("names", nargs="*", metavar="NAME", type=artist_name, help="artist names")
    discover.add_argument("--genre", help="bulk discovery of a genre (Spotify genre: search)")
    discover.add_argument(
        "--min-popularity",
        type=popularity,
        default=None,
        help="only where Spotify reports popularity (not in development mode)",
    )
    discover.add_argument(
        "--limit", type=positive_int, default=50, help="artists of the genre (default 50)"
    )
    discover.add_argument(
        "--wait",
        action="store_true",
        help="show each named artist's progress until its pipeline is idle (exit 0) or --timeout (exit 1)",
    )
    discover.add_argument(
        "--timeout", type=positive_int, default=1800, help="seconds --wait waits (default 1800)"
    )

    worker = commands.add_parser("worker", help="run one pipeline stage")
    worker.add_argument("stage", choices=STAGES)
    add_runtime_options(worker)
    run = commands.add_parser("run", help="run all five stages as child processes")
    add_runtime_options(run)

    status = commands.add_parser("status", help="queue depths, processing states, DLQ, throughput")
    status.add_argument("--json", action="store_true")
    health = commands.add_parser("health", help="get_system_health(); exit 0/1/2")
    health.add_argument("--json", action="store_true")

    producers = commands.add_parser(
        "producers", help="the producer leaderboard, or who produced an artist"
    )
    producers.add_argument("--artist", help="only this artist's tracks (case-insensitive name)")
    output = producers.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true")
    output.add_argument("--csv", action="store_true")
    producer_actions = producers.add_subparsers(
        dest="producers_action", parser_class=Parser, metavar="{search,show}"
    )
    search = producer_actions.add_parser("search", help="artists and producers matching a text")
    search.add_argument("text", help="any spelling: case, accents and typos are forgiven")
    search.add_argument("--json", action="store_true")
    show = producer_actions.add_parser("show", help="a producer: credits, collaborators, contact")
    show.add_argument("producer", help="a producer id, or a name (the best search match)")
    show.add_argument("--json", action="store_true")

    web = commands.add_parser("web", help="the web app: search, artists, producers, dashboard, API")
    web.add_argument(
        "--host", default=None, help="address to listen on (env WEB_HOST, default 127.0.0.1)"
    )
    web.add_argument("--port", type=port, default=None, help="port (env WEB_PORT, default 8000)")

    commands.add_parser("demo", help="the whole pipeline offline on a bundled sample catalogue")

    dlq = commands.add_parser("dlq", help="inspect and re-drive dead letters")
    dlq_actions = dlq.add_subparsers(dest="dlq_action", required=True, parser_class=Parser)
    dlq_actions.add_parser("list", help="list dead letters")
    replay = dlq_actions.add_parser("replay", help="send dead letters back to their stage")
    replay.add_argument("--queue", choices=STAGES + [s + "_dlq" for s in STAGES])
    replay.add_argument("--id", type=positive_int, dest="message_id")
    return parser


RUNTIME_OPTIONS = {
    # option: (settings field, type, help)
    "--concurrency": ("worker_concurrency", positive_int, "messages processed at once"),
    "--visibility-timeout": (
        "visibility_timeout_seconds",
        positive_int,
        "seconds a read message stays hidden (extended while it runs)",
    ),
    "--max-attempts": (
        "max_attempts",
        positive_int,
        "failed attempts before a message is dead-lettered",
    ),
    "--shutdown-grace": (
        "shutdown_grace_seconds",
        positive_int,
        "seconds to finish in-flight work after SIGTERM",
    ),
}


def add_runtime_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--drain",
        action="store_true",
        help="exit 0 once the queue (for run: the whole pipeline) is idle",
    )
    for option, (field, kind, text) in RUNTIME_OPTIONS.items():
        default = Settings.model_fields[field].default
        command.add_argument(
            option,
            type=kind,
            dest=field,
            default=None,
            metavar="N",
            help=f"{text} (env {field.upper()}, default {default})",
        )


def runtime_overrides(arguments: argparse.Namespace) -> dict[str, object]:
    return {
        field: value
        for field, _, _ in RUNTIME_OPTIONS.values()
        if (value := getattr(arguments, field, None)) is not None
    }


def main(argv: Sequence[str] | None = None) -> None:
    arguments = build_parser().parse_args(argv)
    if arguments.command == "discover" and not arguments.names and arguments.genre is None:
        fail("discover needs artist names or --genre GENRE", 2)  # an input error, like the rest
    try:
        settings = Settings(**runtime_overrides(arguments))  # type: ignore[arg-type]
        configure_logging(settings.log_format, settings.log_level)
    except ValidationError as error:
        first = error.errors()[0]
        fail(f"invalid setting {'.'.join(map(str, first['loc'])).upper()}: {first['msg']}")
    handlers: dict[str, Callable[[Settings, argparse.Namespace], int]] = {
        "migrate": operations.migrate_command,
        "worker": operations.worker_command,
        "run": operations.run_command,
        "db": operations.database_command,
        "discover": operations.discover_command,
        "status": operations.status_command,
        "health": operations.health_command,
        "dlq": operations.dlq_command,
        "producers": operations.producers_command,
        "demo": operations.demo_command,
        "web": operations.web_command,
    }
    try:
        code = handlers[arguments.command](settings, arguments)
    except ProducerDiscoveryError as error:
        fail(str(error))
    except psycopg.errors.DataException as error:  # the database refused an input (SQLSTATE 22)
        fail(str(error).strip().splitlines()[0], 2)
    except KeyboardInterrupt:
        fail("interrupted", 130)
    sys.exit(code)


def fail(message: str, code: int = 1) -> NoReturn:
    print(f"producer-discovery: error: {message}", file=sys.stderr)
    sys.exit(code)
