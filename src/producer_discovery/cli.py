"""`producer-discovery`: parse the command line and wire the pieces; no logic lives here.

Exit codes: 0 ok; 1 a fatal error (one readable line on stderr); 2 a bad argument;
`health` answers 0 healthy, 1 warning, 2 critical.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn, TypeVar

import psycopg
from pydantic import ValidationError

from producer_discovery import identity_operations, inputs, operations, watching
from producer_discovery.db.embedded import default_home
from producer_discovery.errors import ProducerDiscoveryError
from producer_discovery.logging import configure as configure_logging
from producer_discovery.runtime import supervisor
from producer_discovery.settings import Settings

STAGES = list(supervisor.STAGES)
T = TypeVar("T")


class Parser(argparse.ArgumentParser):
    """argparse that reports a bad argument in one line."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def checked(check: Callable[[str], T]) -> Callable[[str], T]:
    """An argparse type from an `inputs` check: a refused value is a one-line error, exit 2."""

    def argument(text: str) -> T:
        try:
            return check(text)
        except inputs.InvalidInput as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    argument.__name__ = check.__name__.replace("_", " ")  # argparse names it in its message
    return argument


def number_between(what: str, minimum: int, maximum: int) -> Callable[[str], int]:
    return checked(
        lambda text: inputs.bounded_int(what, inputs.whole_number(what, text), minimum, maximum)
    )


positive_int = number_between("the value", 1, 2**31 - 1)
popularity = number_between("the minimum popularity", inputs.POPULARITY_MIN, inputs.POPULARITY_MAX)
genre_limit = number_between("the limit", inputs.GENRE_LIMIT_MIN, inputs.GENRE_LIMIT_MAX)
message_id = number_between("a message id", 1, inputs.MESSAGE_ID_MAX)
port = number_between("the port", 1, 65535)
artist_name = checked(inputs.artist_name)
genre = checked(inputs.genre)
search_text = checked(inputs.search_text)


def build_parser() -> Parser:
    parser = Parser(
        prog="producer-discovery",
        description="Who produced the songs you love, and how to reach them.\n\n"
        "With no DATABASE_URL, an embedded local PostgreSQL is created and used, in\n"
        "PRODUCER_DISCOVERY_HOME, by default $XDG_DATA_HOME/producer-discovery\n"
        "(~/.local/share/producer-discovery), or /var/lib/producer-discovery for root.\n"
        f"Here: {os.environ.get('PRODUCER_DISCOVERY_HOME') or default_home()}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    migrate = commands.add_parser("migrate", help="apply every migration not yet applied")
    migrate.add_argument(
        "--artist-refresh-interval",
        dest="artist_refresh_interval",
        default=None,
        metavar="DURATION",
        help="how often each watched artist is walked again, e.g. 7d or 36h, at least 1h; "
        "stored in the database (env ARTIST_REFRESH_INTERVAL; unset: kept, default 7d)",
    )

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
    discover.add_argument("--json", action="store_true", help="the queued messages, typed")
    discover.add_argument(
        "--genre",
        type=genre,
        help=f"bulk discovery of a genre (Spotify genre: search; 1-{inputs.GENRE_MAX} characters)",
    )
    discover.add_argument(
        "--min-popularity",
        type=popularity,
        default=None,
        help="0-100, only where Spotify reports popularity (not in development mode)",
    )
    discover.add_argument(
        "--limit",
        type=genre_limit,
        default=inputs.GENRE_LIMIT_DEFAULT,
        help=f"artists of the genre, {inputs.GENRE_LIMIT_MIN}-{inputs.GENRE_LIMIT_MAX} "
        f"(default {inputs.GENRE_LIMIT_DEFAULT})",
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
    status.add_argument("--json", action="store_true", help="typed values (seconds, ISO times)")
    health = commands.add_parser("health", help="get_system_health(); exit 0/1/2")
    health.add_argument("--json", action="store_true")

    producers = commands.add_parser(
        "producers", help="the producer leaderboard, or who produced an artist"
    )
    producers.add_argument(
        "--artist", type=artist_name, help="only this artist's tracks (case-insensitive name)"
    )
    output = producers.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="typed values, with ids")
    output.add_argument("--csv", action="store_true")
    producers.add_argument("--wide", action="store_true", help="also the picture URLs")
    producer_actions = producers.add_subparsers(
        dest="producers_action",
        parser_class=Parser,
        metavar="{search,show,forget,recommend,candidates,merge,unmerge,keep-apart}",
    )
    search = producer_actions.add_parser("search", help="artists and producers matching a text")
    search.add_argument(
        "text", type=search_text, help="any spelling: case, accents and typos are forgiven"
    )
    search.add_argument("--json", action="store_true", help="typed values, with ids")
    search.add_argument("--wide", action="store_true", help="also the picture URLs")
    show = producer_actions.add_parser("show", help="a producer: credits, collaborators, contact")
    show.add_argument(
        "producer",
        type=search_text,
        help="a producer id, or a name (several producers of that name: they are listed)",
    )
    show.add_argument("--json", action="store_true")
    forget = producer_actions.add_parser(
        "forget",
        help="erase a producer (credits, evidence, cached responses, archived messages) and "
        "never collect them again",
    )
    forget.add_argument("producer", help="a producer id, or their exact name (any spelling)")
    recommend = producer_actions.add_parser(
        "recommend",
        help="producers not yet credited on an artist, best first, with their reasons",
    )
    recommend.add_argument("artist", type=artist_name, help="an artist's id, or their name")
    recommend.add_argument(
        "--limit", type=number_between("the limit", 1, 100), default=10, help="1-100 (10)"
    )
    recommend.add_argument("--json", action="store_true", help="typed values, with ids")
    identity_operations.add_parsers(producer_actions)

    web = commands.add_parser("web", help="the web app: search, artists, producers, dashboard, API")
    web.add_argument(
        "--host", default=None, help="address to listen on (env WEB_HOST, default 127.0.0.1)"
    )
    web.add_argument("--port", type=port, default=None, help="port (env WEB_PORT, default 8000)")

    commands.add_parser("demo", help="the whole pipeline offline on a bundled sample catalogue")

    dlq = commands.add_parser("dlq", help="inspect and re-drive dead letters")
    dlq_actions = dlq.add_subparsers(dest="dlq_action", required=True, parser_class=Parser)
    dead_letters = dlq_actions.add_parser("list", help="list dead letters")
    dead_letters.add_argument("--json", action="store_true", help="typed values, with ids")
    replay = dlq_actions.add_parser("replay", help="send dead letters back to their stage")
    replay.add_argument("--queue", choices=STAGES + [s + "_dlq" for s in STAGES])
    replay.add_argument("--id", type=message_id, dest="message_id")
    watching.add_watch_commands(commands, Parser)
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
    "--source-wait": (
        "source_wait_seconds",
        positive_int,
        "seconds a song waits for a blocked credit source before it completes without it",
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
    for option, (field, _kind, text) in RUNTIME_OPTIONS.items():
        default = Settings.model_fields[field].default
        command.add_argument(
            option,
            type=setting_number(field),
            dest=field,
            default=None,
            metavar="N",
            help=f"{text} (env {field.upper()}, default {default})",
        )


def setting_number(field: str) -> Callable[[str], int]:
    """A whole number within the setting's own bounds, so an option out of range is a bad
    argument (exit 2), not an invalid setting."""
    minimum, maximum = 1, 2**31 - 1
    for bound in Settings.model_fields[field].metadata:
        minimum = max(minimum, math.ceil(getattr(bound, "ge", minimum)))
        minimum = max(minimum, math.floor(getattr(bound, "gt", minimum - 1)) + 1)
        maximum = min(maximum, math.floor(getattr(bound, "le", maximum)))
    return number_between("the value", minimum, maximum)


def runtime_overrides(arguments: argparse.Namespace) -> dict[str, object]:
    overrides: dict[str, object] = {
        field: value
        for field, _, _ in RUNTIME_OPTIONS.values()
        if (value := getattr(arguments, field, None)) is not None
    }
    if getattr(arguments, "artist_refresh_interval", None) is not None:  # migrate's option
        overrides["artist_refresh_interval"] = arguments.artist_refresh_interval
    return overrides


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
        "watch": watching.watch_command,
        "unwatch": watching.unwatch_command,
        "new": watching.new_command,
    }
    try:
        code = handlers[arguments.command](settings, arguments)
    except ProducerDiscoveryError as error:
        fail(str(error))
    except psycopg.DataError as error:  # the database refused an input (SQLSTATE 22)
        fail(str(error).strip().splitlines()[0], 2)
    except KeyboardInterrupt:
        fail("interrupted", 130)
    except BrokenPipeError:  # `… | head`: the reader left; say nothing more
        sys.stderr.close()
        os._exit(0)
    sys.exit(code)


def fail(message: str, code: int = 1) -> NoReturn:
    print(f"producer-discovery: error: {message}", file=sys.stderr)
    sys.exit(code)
