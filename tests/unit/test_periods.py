"""What `--since`, `/api/new?since=` and ARTIST_REFRESH_INTERVAL accept, and what they refuse."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from producer_discovery import periods
from producer_discovery.settings import Settings

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7d", NOW - timedelta(days=7)),
        (" 24H ", NOW - timedelta(hours=24)),
        ("30m", NOW - timedelta(minutes=30)),
        ("2w", NOW - timedelta(weeks=2)),
        ("2026-11-27", datetime(2026, 11, 27, tzinfo=UTC)),
        ("2026-11-27T08:00:00Z", datetime(2026, 11, 27, 8, tzinfo=UTC)),
        ("2026-11-27T08:00:00+01:00", datetime(2026, 11, 27, 7, tzinfo=UTC)),
    ],
)
def test_a_moment_is_a_duration_back_from_now_or_an_iso_date(text: str, expected: datetime) -> None:
    """Durations count back from now; a date without an offset is UTC."""
    assert periods.moment(text, NOW) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("yesterday", "neither a duration"),
        ("7 parsecs", "neither a duration"),
        ("0d", "more than 0"),
        ("99999d", "at most 3650 days"),
        ("2026-12-05", "in the future"),
        ("1066-10-14", "before 1900"),
        ("", "neither a duration"),
    ],
)
def test_a_bad_moment_is_refused_in_one_sentence(text: str, reason: str) -> None:
    """Each refusal says why, on one line."""
    with pytest.raises(periods.InvalidPeriod, match=reason) as refused:
        periods.moment(text, NOW)
    assert "\n" not in str(refused.value)


def test_the_refresh_interval_setting_is_a_duration_of_at_least_an_hour() -> None:
    """ARTIST_REFRESH_INTERVAL: 7d and 36h are read, empty is unset, under an hour refused."""
    assert Settings(artist_refresh_interval="7d").artist_refresh_interval == timedelta(days=7)
    assert Settings(artist_refresh_interval="36h").artist_refresh_interval == timedelta(hours=36)
    assert Settings(artist_refresh_interval="").artist_refresh_interval is None
    for bad in ("30m", "weekly"):
        with pytest.raises(ValidationError):
            Settings(artist_refresh_interval=bad)
