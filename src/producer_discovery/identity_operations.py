"""The operator's identity commands (docs/operations.md): possible duplicates, merge, unmerge,
keep apart. The decisions are the database's (definitions/55_identities.sql); these name the
producers and print.

    producer-discovery producers candidates [--json]
    producer-discovery producers merge A B [--reason TEXT]     B joins A; prints the merge id
    producer-discovery producers unmerge MERGE_ID
    producer-discovery producers keep-apart A B [--reason TEXT]

A and B are producer ids (or their first 8 characters, as the tables show them) or names that
name one producer only. Bad input, an unknown producer or a refused merge: one line on stderr
and a non-zero exit (producer_discovery.cli).
"""

from __future__ import annotations

import argparse
import re
import sys
import uuid
from typing import Any

import psycopg

from producer_discovery.db.operator import OperatorDatabase
from producer_discovery.errors import ConfigurationError
from producer_discovery.output import console, table, to_json
from producer_discovery.text import normalize_name

ID_PREFIX = re.compile(r"[0-9a-f]{8}[0-9a-f-]{0,27}")


def producer_of(database: OperatorDatabase, text: str) -> str:
    """The id of the one producer `text` names (an id, an id's beginning, or a name)."""
    target = text.strip()
    if not target:
        raise ConfigurationError("a producer id or name is needed")
    try:
        return str(uuid.UUID(target))
    except ValueError:
        pass
    if ID_PREFIX.fullmatch(target.lower()):
        ids = database.producer_ids_by_prefix(target.lower())
        if len(ids) == 1:
            return str(ids[0])
    named = database.producers_named(normalize_name(target))
    if not named:
        raise ConfigurationError(f"no producer named {target!r}")
    if len(named) > 1:
        listed = ", ".join(str(row["id"]) for row in named)
        raise ConfigurationError(
            f"{len(named)} producers are named {target!r}: give an id ({listed})"
        )
    return str(named[0]["id"])


def candidates_command(database: OperatorDatabase, arguments: argparse.Namespace) -> int:
    found = database.merge_candidates()
    if arguments.json:
        print(to_json(found))
        return 0
    console().print(
        table(
            "Possible duplicates",
            [
                {
                    "first": f"{row['name_a']} ({str(row['producer_a'])[:8]}; "
                    f"{'+'.join(row['sources_a']) or 'no ids'})",
                    "second": f"{row['name_b']} ({str(row['producer_b'])[:8]}; "
                    f"{'+'.join(row['sources_b']) or 'no ids'})",
                    "for": "; ".join(row["evidence_for"]),
                    "against": "; ".join(row["evidence_against"]),
                }
                for row in found
            ],
        )
    )
    if found:
        print(
            "merge one: producer-discovery producers merge FIRST SECOND; "
            "or producer-discovery producers keep-apart FIRST SECOND",
            file=sys.stderr,
        )
    return 0


def merge_command(database: OperatorDatabase, arguments: argparse.Namespace) -> int:
    keep = producer_of(database, arguments.first)
    gone = producer_of(database, arguments.second)
    merge_id = database.merge_producers(keep, gone, arguments.reason)
    print(to_json({"merge_id": merge_id, "kept": keep, "merged": gone}))
    print(
        f"merged {gone} into {keep} (merge {merge_id}; undo: producer-discovery producers "
        f"unmerge {merge_id})",
        file=sys.stderr,
    )
    return 0


def unmerge_command(database: OperatorDatabase, arguments: argparse.Namespace) -> int:
    restored: dict[str, Any] = database.unmerge_producers(arguments.merge_id)
    print(to_json(restored))
    print(
        f"restored {restored['restored']} beside {restored['kept']}; they are kept apart",
        file=sys.stderr,
    )
    return 0


def keep_apart_command(database: OperatorDatabase, arguments: argparse.Namespace) -> int:
    first = producer_of(database, arguments.first)
    second = producer_of(database, arguments.second)
    recorded = database.keep_producers_apart(first, second, arguments.reason)
    print(to_json({"kept_apart": [first, second], "new": recorded}))
    print(
        f"{first} and {second} are kept apart" + ("" if recorded else " (they already were)"),
        file=sys.stderr,
    )
    return 0


COMMANDS = {
    "candidates": candidates_command,
    "merge": merge_command,
    "unmerge": unmerge_command,
    "keep-apart": keep_apart_command,
}


def run(database: OperatorDatabase, arguments: argparse.Namespace) -> int:
    """One identity command; a login that may not run it is told so in one line."""
    try:
        return COMMANDS[arguments.producers_action](database, arguments)
    except psycopg.errors.InsufficientPrivilege as error:
        raise ConfigurationError(
            f"producers {arguments.producers_action}: this login may not do that "
            "(an operator login, a member of discovery_operator, may)"
        ) from error


def merge_id(text: str) -> int:
    """A merge id as `producers candidates`/`merge` print it: a positive whole number."""
    if not text.strip().isdigit() or int(text) < 1 or int(text) > 2**63 - 1:
        raise argparse.ArgumentTypeError(f"not a merge id: {text!r} (a positive whole number)")
    return int(text)


def add_parsers(actions: Any) -> None:
    """The identity subcommands of `producers` (actions: its subparsers)."""
    candidates = actions.add_parser(
        "candidates", help="possible duplicates: namesakes nothing links nor tells apart"
    )
    candidates.add_argument("--json", action="store_true", help="typed values, with ids")
    merge = actions.add_parser("merge", help="merge producer B into producer A (one person)")
    merge.add_argument("first", help="A: the producer that stays (an id or a name)")
    merge.add_argument("second", help="B: the producer merged into A (an id or a name)")
    merge.add_argument("--reason", default=None, help="why, for the merge log")
    unmerge = actions.add_parser("unmerge", help="undo a merge; the two are then kept apart")
    unmerge.add_argument("merge_id", type=merge_id, help="the merge id `merge` printed")
    keep_apart = actions.add_parser(
        "keep-apart", help="two producers are two people: never merge them"
    )
    keep_apart.add_argument("first", help="a producer id or name")
    keep_apart.add_argument("second", help="a producer id or name")
    keep_apart.add_argument("--reason", default=None, help="why, kept with the pair")
