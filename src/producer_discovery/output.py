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
    "best_confidence": "Confidence",
    "confidence": "Confidence",
    "instagram_handle": "Instagram",
    "email": "E-mail",
    "contact": "Contact",
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
    "entity_count": "Entities",
    "dead_lettered_count": "Dead-lettered",
    "avg_attempts": "Attempts (mean)",
    "oldest_update": "Oldest change",
    "newest_update": "Latest change",
    "status": "State",
    "count": "Count",
}
SECONDS = ("_sec", "_seconds")  # columns that hold a number of seconds
URL_SUFFIX = "_url"  # columns shown only with --wide
WHOLE = {"producer", "name", "id"}  # kept on one line; other text folds, never cut


def header(column: str) -> str:
    return HEADERS.get(column) or column.replace("_", " ").capitalize()


def duration(seconds: float) -> str:
    """A duration in the largest whole units: "45 s", "12 min", "3 h 5 min", "30 days"."""
    whole = round(seconds)
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


def reading(column: str, value: Any) -> str:
    """A value of a JSON document (get_system_health) for a person: ISO times to the second,
    nothing as "none"."""
    if value is None:
        return "none"
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] in "T ":
        try:
            return cell(column, datetime.datetime.fromisoformat(value))
        except ValueError:
            return value
    return cell(column, value)


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
    return FittedTable(title, rows, [c for c in rows[0] if wide or not c.endswith(URL_SUFFIX)])


class FittedTable:
    """A table whose column widths are chosen for the width it is printed in: numbers and
    names whole, then the contact column, and the other text columns share what is left
    (rich alone would crop a column when the table is too wide)."""

    def __init__(self, title: str, rows: Sequence[dict[str, Any]], columns: list[str]) -> None:
        self.title, self.rows, self.columns = title, rows, columns

    def numeric(self, column: str) -> bool:
        value = self.rows[0][column]
        return isinstance(value, (int, float, decimal.Decimal)) and not isinstance(value, bool)

    def natural(self, column: str) -> int:
        return max(len(header(column)), longest(column, self.rows))

    def longest_word(self, column: str) -> int:
        texts = [header(column), *(cell(column, row[column]) for row in self.rows)]
        return max(len(word) for text in texts for word in (text.split() or [""]))

    def widths(self, width: int) -> dict[str, int]:
        budget = width - 2 * (len(self.columns) - 1)  # two spaces between columns
        natural = {column: self.natural(column) for column in self.columns}
        if sum(natural.values()) <= budget:
            return natural
        fixed = [c for c in self.columns if self.numeric(c) or c in WHOLE]
        flexible = [c for c in self.columns if c not in fixed]
        left = budget - sum(natural[c] for c in fixed)
        least = {c: self.longest_word(c) for c in self.columns}
        if not flexible or left < 6 * len(flexible):  # too narrow: everything shares
            return share(natural, budget, least)
        sizes = {c: natural[c] for c in fixed}
        if "contact" in flexible:  # e-mails whole where at all possible
            sizes["contact"] = min(natural["contact"], 32, left - 6 * (len(flexible) - 1))
            left -= sizes["contact"]
            flexible.remove("contact")
        sizes.update(share({c: natural[c] for c in flexible}, left, least))
        return sizes

    def __rich_console__(self, console: Console, options: Any) -> Any:
        sizes = self.widths(options.max_width)
        grid = Table(
            title=self.title,
            title_justify="left",
            box=box.SIMPLE_HEAD,
            show_edge=False,
            collapse_padding=True,
            pad_edge=False,
        )
        for column in self.columns:
            grid.add_column(
                header(column),
                overflow="fold",
                justify="right" if self.numeric(column) else "left",
                width=sizes[column],
            )
        for row in self.rows:
            grid.add_row(*(Text(cell(column, row[column])) for column in self.columns))
        yield grid


def share(
    natural: dict[str, int], budget: int, least: dict[str, int] | None = None
) -> dict[str, int]:
    """Widths summing to at most `budget`: each column first gets its `least` (its longest
    word, so words are not split where that fits), then the rest in proportion to what each
    still lacks of its natural width."""
    if sum(natural.values()) <= budget:
        return dict(natural)
    floor = {c: min(n, (least or {}).get(c, 3)) for c, n in natural.items()}
    if sum(floor.values()) > budget:
        floor = dict.fromkeys(natural, 3)
    spare = max(0, budget - sum(floor.values()))
    lacking = {c: natural[c] - floor[c] for c in natural}
    total = sum(lacking.values()) or 1
    return {c: floor[c] + spare * lacking[c] // total for c in natural}


def longest(column: str, rows: Sequence[dict[str, Any]]) -> int:
    """The longest line of a column's values."""
    return max(len(line) for row in rows for line in (cell(column, row[column]) or " ").split("\n"))


def with_contact(row: dict[str, Any]) -> dict[str, Any]:
    """A row whose Instagram handle and e-mail share one "contact" column, one per line."""
    handle, email = row.get("instagram_handle"), row.get("email")
    lines = [f"@{handle.lstrip('@')}" if handle else "", email or ""]
    rest = {k: v for k, v in row.items() if k not in ("instagram_handle", "email")}
    return {**rest, "contact": "\n".join(line for line in lines if line)}


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
