"""Decoding a queue message's text with bounds no message can break.

pgmq's client has psycopg decode every message of a read at once with `json.loads`, so one
message nested a few thousand levels deep raises RecursionError for the whole batch, on the
main thread. The runtime reads the raw text instead
(`queries/queue_read_raw.sql`) and decodes each message alone here: over
MAXIMUM_MESSAGE_BYTES, nested deeper than MAXIMUM_DEPTH (counted before any parsing, outside
strings), holding a number written with more than MAXIMUM_NUMBER_CHARACTERS characters, or
not JSON at all → `Undecodable`, which the runtime records in
queue_mgmt.problematic_messages and archives. `validate_queue_message` checks the same bounds
(migrations 0080 and 0100), so the two agree.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

MAXIMUM_MESSAGE_BYTES = 65536
MAXIMUM_DEPTH = 32
MAXIMUM_NUMBER_CHARACTERS = 1000  # as strings: Python's int() refuses over 4300 digits
EXCERPT_CHARACTERS = 500
JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
BRACKET = re.compile(r"[\[\]{}]")


@dataclass(frozen=True)
class Undecodable:
    """A message body no stage can read: why, and the start of its text."""

    reason: str
    excerpt: str

    def record(self) -> dict[str, Any]:
        """What problematic_messages keeps of it (the whole text stays in the archive)."""
        return {"undecodable": self.reason, "excerpt": self.excerpt}


def nesting_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in JSON text, brackets in strings ignored."""
    depth = deepest = 0
    for bracket in BRACKET.findall(JSON_STRING.sub('""', text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def bounded(number: Callable[[str], Any]) -> Callable[[str], Any]:
    """`number` of a JSON number literal, refused (ValueError) over MAXIMUM_NUMBER_CHARACTERS."""

    def read(literal: str) -> Any:
        if len(literal) > MAXIMUM_NUMBER_CHARACTERS:
            raise ValueError(
                f"a number of {len(literal)} characters, over {MAXIMUM_NUMBER_CHARACTERS}"
            )
        return number(literal)

    return read


def decode_message(text: str | bytes | None) -> Any:
    """The decoded body, or Undecodable; never raises."""
    try:
        if text is None:
            return Undecodable("empty body", "")
        if isinstance(text, bytes):
            text = text.decode("utf-8", errors="replace")
        excerpt = text[:EXCERPT_CHARACTERS]
        size = len(text.encode("utf-8", errors="replace"))
        if size > MAXIMUM_MESSAGE_BYTES:
            return Undecodable(f"body of {size} bytes is over {MAXIMUM_MESSAGE_BYTES}", excerpt)
        depth = nesting_depth(text)
        if depth > MAXIMUM_DEPTH:
            return Undecodable(f"body nested {depth} levels, deeper than {MAXIMUM_DEPTH}", excerpt)
        return json.loads(text, parse_int=bounded(int), parse_float=bounded(float))
    except Exception as error:  # RecursionError, ValueError, MemoryError: never the worker's end
        return Undecodable(
            f"not decodable: {type(error).__name__}: {error}"[:300], str(text)[:EXCERPT_CHARACTERS]
        )
