"""What a person may type: the bounds of every value the CLI and the web pass to the database,
checked before the database is asked. They are the SQL's own (migrations/definitions:
`start_artist_discovery` and `start_bulk_artist_discovery` in 20_messages.sql, the helpers in
10_arguments.sql), kept here once so the CLI, the form and the JSON API say the same thing.

    inputs.artist_name("  Nova Reyes ")  # → "Nova Reyes"
    inputs.genre("x" * 101)              # raises InvalidInput("a genre has at most 100 …")

Each check returns the value as it will be sent (surrounding blanks removed) or raises
`InvalidInput`, a `ValueError` whose message is one readable sentence.
"""

from __future__ import annotations

import re
import uuid

ARTIST_NAME_MAX = 200  # start_artist_discovery
GENRE_MAX = 100  # start_bulk_artist_discovery (and validate_queue_message's genre bound)
GENRE_LIMIT_MIN, GENRE_LIMIT_MAX = 1, 1000  # start_bulk_artist_discovery's limit_count
GENRE_LIMIT_DEFAULT = 50
POPULARITY_MIN, POPULARITY_MAX = 0, 100  # start_bulk_artist_discovery's min_popularity
SEARCH_TEXT_MAX = 200  # what the search box and /api/search accept
MESSAGE_ID_MAX = 2**63 - 1  # a pgmq msg_id is a bigint

# NUL, which PostgreSQL text cannot hold, and what start_artist_discovery refuses: [\x01-\x1f\x7f].
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class InvalidInput(ValueError):
    """A value the database would refuse; the message says why, in one sentence."""


def bounded_text(what: str, text: str, maximum: int) -> str:
    """`text` without surrounding blanks: 1 to `maximum` characters, no control characters."""
    value = text.strip()
    if not value:
        raise InvalidInput(f"{what} must not be empty")
    if len(value) > maximum:
        raise InvalidInput(f"{what} has at most {maximum} characters (this one has {len(value)})")
    if CONTROL.search(value):
        raise InvalidInput(f"{what} must not hold control characters (tabs, line breaks, NUL…)")
    return value


def artist_name(text: str) -> str:
    return bounded_text("an artist name", text, ARTIST_NAME_MAX)


def genre(text: str) -> str:
    return bounded_text("a genre", text, GENRE_MAX)


def search_text(text: str) -> str:
    return bounded_text("a search text", text, SEARCH_TEXT_MAX)


def bounded_int(what: str, value: int, minimum: int, maximum: int) -> int:
    if not minimum <= value <= maximum:
        raise InvalidInput(f"{what} must be between {minimum} and {maximum} (not {value})")
    return value


def whole_number(what: str, text: str) -> int:
    """A whole number typed as text ("12", " 12 "), or InvalidInput."""
    stripped = text.strip()
    if not re.fullmatch(r"[+-]?\d{1,30}", stripped):
        raise InvalidInput(f"{what} must be a whole number (not {text[:40]!r})")
    return int(stripped)


def genre_limit(value: int) -> int:
    return bounded_int("the limit", value, GENRE_LIMIT_MIN, GENRE_LIMIT_MAX)


def min_popularity(value: int) -> int:
    return bounded_int("the minimum popularity", value, POPULARITY_MIN, POPULARITY_MAX)


def message_id(value: int) -> int:
    return bounded_int("a message id", value, 1, MESSAGE_ID_MAX)


def is_uuid(text: str) -> bool:
    """Whether a command-line argument is a whole id (else a name or an id's prefix)."""
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True
