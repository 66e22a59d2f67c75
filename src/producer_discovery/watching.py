"""`producer-discovery watch|unwatch ARTIST` and `producer-discovery new --since 7d`: watched
artists (refreshed by the pg_cron job artist-refresh) and what arrived since a moment.

Exit codes: 0 ok; 1 an unknown artist (one line); 2 a bad argument (a name several artists
share, a --since that is neither a duration nor a date).
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import Any

from producer_discovery import periods
from producer_discovery.db.watch import new_since, set_watched
from producer_discovery.errors import ConfigurationError
from producer_discovery.operations import connect, say
from producer_discovery.output import console as output_console
from producer_discovery.output import table, to_json
from producer_discovery.settings import Settings


def add_watch_commands(commands: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    """The `watch`, `unwatch` and `new` subcommands."""
    for name, text in (
        ("watch", "watch an artist again: its new releases are picked up on schedule"),
        ("unwatch", "stop refreshing an artist (its albums and credits stay)"),
    ):
        command = commands.add_parser(name, help=text)
        command.add_argument("artist", metavar="ARTIST", help="an artist id, or its name")
    new = commands.add_parser("new", help="albums and credits that arrived since a moment")
    new.add_argument(
        "--since",
        type=since_argument,
        default="7d",
        help="a duration back from now (7d, 24h, 30m) or an ISO 8601 date (default 7d)",
    )
    new.add_argument("--json", action="store_true", help="the whole document, typed")


def since_argument(text: str) -> datetime:
    try:
        return periods.moment(text)
    except periods.InvalidPeriod as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def watch_command(settings: Settings, arguments: argparse.Namespace) -> int:
    return change_watch(settings, arguments.artist, watched=True)


def unwatch_command(settings: Settings, arguments: argparse.Namespace) -> int:
    return change_watch(settings, arguments.artist, watched=False)


def change_watch(settings: Settings, artist: str, *, watched: bool) -> int:
    target = artist.strip()
    if not target or len(target) > 300:
        raise ConfigurationError("ARTIST must be an artist id or name of 1 to 300 characters")
    with connect(settings) as database:
        row = set_watched(database.conn, target, watched)
    if row is None:
        raise ConfigurationError(f"no artist {target!r} (give a discovered artist's name or id)")
    state = "watched" if watched else "no longer watched"
    say(f"{row['name']} ({row['artist_id']}) is {state}")
    return 0


def new_command(settings: Settings, arguments: argparse.Namespace) -> int:
    with connect(settings) as database:
        document = new_since(database.conn, arguments.since)
    if arguments.json:
        print(to_json(document))
        return 0
    console = output_console()
    albums = [
        {"album": a["name"], "artist": a["artist"], "released": a["release_date"]}
        for a in document["albums"]
    ]
    credits = [
        {
            "track": c["track"],
            "artist": c["artist"],
            "producer": c["producer"],
            "sources": ", ".join(c["sources"] or []),
        }
        for c in document["credits"]
    ]
    since = arguments.since.isoformat(timespec="minutes")
    console.print(table(f"{document['album_count']} new albums since {since}", albums))
    console.print(table(f"{document['credit_count']} new credits since {since}", credits))
    if len(albums) < document["album_count"] or len(credits) < document["credit_count"]:
        print("(the newest are listed; --json for the document)", file=sys.stderr)
    return 0
