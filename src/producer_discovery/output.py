"""What the CLI prints for people, and for scripts: tables with headers in words and values
formatted for reading (durations like "30 days", timestamps to the second, confidence to two
decimals) that fit the terminal (100 columns when it is not one); JSON with typed values
(numbers as numbers, ids as strings, durations in seconds, timestamps in ISO 8601).

    console = output.console()
    console.print(output.table("Producers", rows, wide=False))
    print(output.to_json(rows))
"""

from __future__ import annotations

import datetime
import decimal
import json
import os
import sys
import uuid
from collections.abc import Sequence
from typing import Any

from rich import box
from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

WIDTH = 100  # the width when stdout is not a terminal (and COLUMNS is not set)

HEADERS = {
    "id": "Id",
    "producer": "Producer",
    "name": "Name",
    "tracks": "Songs",
    "artists": "Artists",
    "albums": "Releases",
    "artist_names": "Worked with",
    "best_confidence": "Best confidence",
    "confidence": "Confidence",
    "instagram_handle": "Instagram",
    "email": "E-mail",
    "image_url": "Picture",
    "score": "Match",
    "queue_name": "Queue",
    "queue_length": "Messages",
    "queue_visible_length": "Waiting",
    "oldest_msg_age_sec": "Oldest waiting",
    "total_messages": "Sent ever",
    "finished": "Finished",
    "per_minute": "Per minute",
    "data": "Data",
    "rows": "Rows",
    "oldest": "Oldest row",
    "size": "Size",
    "kept": "Kept for",
    "message_id": "Message",
    "source_queue": "From stage",
    "original_msg_id": "Original message",
    "moved_to_dlq_at": "Dead-lettered at",
    "failure_reason": "Reason",
    "entity_type": "Entity",
    "status": "State",
    "count": "Count",
}
SECONDS = ("_sec", "_seconds")  # columns that hold a number of seconds
URL_SUFFIX = "_url"  # columns shown only with --wide
WHOLE = {"producer", "name", "email", "instagram_handle", "id"}  # kept on one line where they fit


def header(column: str) -> str:
    return HEADERS.get(column) or column.replace("_", " ").capitalize()


def duration(seconds: float) -> str:
    """A duration in the largest whole units: "45 s", "12 min", "3 h 5 min", "30 days"."""
    whole = int(round(seconds))
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        text = f"{days} day{'' if days == 1 else 's'}"
        return text + (f" {hours} h" if hours else "")
    if hours:
        return f"{hours} h" + (f" {minutes} min" if minutes else "")
    if minutes:
        return f"{minutes} min" + (f" {secs} s" if secs else "")
    return f"{secs} s"


def cell(column: str, value: Any) -> str:
    """A value as a person reads it."""
    if value is None:
        return ""
    if column == "id":
        return str(value)[:8]  # enough to tell rows apart; `producers show` takes it
    if isinstance(value, datetime.timedelta):
        return duration(value.total_seconds())
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, bool):
        return "yes" if value else "no"
    if column.endswith(SECONDS) and isinstance(value, (int, float, decimal.Decimal)):
        return duration(float(value))
    if isinstance(value, (float, decimal.Decimal)):
        return (
            f"{float(value):.2f}".rstrip("0").rstrip(".")
            if value != int(value)
            else str(int(value))
        )
    if isinstance(value, (list, tuple)):
        return ", ".join(str(item) for item in value)
    return str(value)


def console(stream: Any = None, wide: bool = False) -> Console:
    """Rich output at the terminal's width; 100 columns when piped (COLUMNS overrides), or
    as wide as the rows need with `wide` (--wide)."""
    target = stream or sys.stdout
    if wide:
        return Console(file=target, width=1000)
    width = None if target.isatty() or os.environ.get("COLUMNS") else WIDTH
    return Console(file=target, width=width)


def table(title: str, rows: Sequence[dict[str, Any]], wide: bool = False) -> RenderableType:
    """Rows as a table; URL columns only when `wide`. Nothing is cut: long values fold."""
    if not rows:
        return Text(f"{title}: none")
    grid = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    columns = [c for c in rows[0] if wide or not c.endswith(URL_SUFFIX)]
    for column in columns:
        numeric = isinstance(rows[0][column], (int, float, decimal.Decimal)) and not isinstance(
            rows[0][column], bool
        )
        grid.add_column(
            header(column),
            overflow="fold",
            justify="right" if numeric else "left",
            no_wrap=column in WHOLE,
            min_width=None
            if numeric or column in WHOLE
            else min(12, max(len(cell(column, row[column])) for row in rows)),
        )
    for row in rows:
        grid.add_row(*(cell(column, row[column]) for column in columns))
    return grid


def typed(value: Any) -> Any:
    """json.dumps' default: numbers stay numbers, durations are seconds, times ISO 8601."""
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return str(value)


def to_json(document: Any) -> str:
    return json.dumps(document, default=typed, indent=2, ensure_ascii=False)


def fold(name: str) -> str:
    """A name as compared for namesakes: case and repeated blanks ignored."""
    return " ".join(str(name).casefold().split())


def namesakes(rows: Sequence[dict[str, Any]], name_column: str) -> set[str]:
    """The names (folded) that more than one row carries."""
    seen: dict[str, int] = {}
    for row in rows:
        key = fold(row[name_column])
        seen[key] = seen.get(key, 0) + 1
    return {key for key, count in seen.items() if count > 1}


def tell_apart(rows: Sequence[dict[str, Any]], name_column: str) -> list[dict[str, Any]]:
    """Rows whose name another row also carries get their id's first 8 characters after it."""
    same = namesakes(rows, name_column)
    return [
        {**row, name_column: f"{row[name_column]} ({str(row['id'])[:8]})"}
        if fold(row[name_column]) in same and row.get("id")
        else row
        for row in rows
    ]
