"""Lengths of time and moments as a person types them: `7d`, `24h`, `30m` (a duration) or an
ISO 8601 date or date and time (`2026-11-27`, `2026-11-27T08:00:00Z`).

    duration("7d")                      # → timedelta(days=7)
    moment("24h", now)                  # → now - 24 hours
    moment("2026-11-27")                # → 2026-11-27T00:00:00+00:00 (UTC when no offset)

A value that is neither raises `InvalidPeriod`, a `ValueError` whose message is one sentence.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes", "s": "seconds"}
DURATION = re.compile(r"(?P<amount>\d{1,6})\s*(?P<unit>[wdhms])")
LONGEST = timedelta(days=3650)  # ten years: longer is a typo


class InvalidPeriod(ValueError):
    """A duration or a moment that cannot be read; the message says what is accepted."""


def duration(text: str) -> timedelta:
    """`7d`, `24h`, `30m`, `2w`, `90s`: more than zero, at most ten years."""
    match = DURATION.fullmatch(text.strip().lower())
    if match is None:
        raise InvalidPeriod(
            f"{text[:40]!r} is not a duration: write a number and a unit, e.g. 7d, 24h or 30m"
        )
    length = timedelta(**{UNITS[match["unit"]]: int(match["amount"])})
    if not timedelta(0) < length <= LONGEST:
        raise InvalidPeriod(f"{text[:40]!r}: a duration is more than 0 and at most 3650 days")
    return length


def moment(text: str, now: datetime | None = None) -> datetime:
    """A moment: `now` minus a duration (`7d`), or an ISO 8601 date or date and time (UTC
    when it names no offset). Never in the future."""
    now = now or datetime.now(UTC)
    stripped = text.strip()
    if DURATION.fullmatch(stripped.lower()):
        return now - duration(stripped)
    try:
        when = datetime.fromisoformat(stripped)
    except ValueError:
        raise InvalidPeriod(
            f"{text[:40]!r} is neither a duration (7d, 24h, 30m) nor an ISO 8601 date "
            "(2026-11-27 or 2026-11-27T08:00:00Z)"
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    if when.year < 1900:
        raise InvalidPeriod(f"{text[:40]!r}: a date before 1900 is surely a typo")
    if when > now:
        raise InvalidPeriod(f"{text[:40]!r} is in the future")
    return when
