"""The bounded message decoder and the SQLSTATE classification."""

from __future__ import annotations

import psycopg
import pytest

from producer_discovery.db.decode import MAXIMUM_DEPTH, Undecodable, decode_message, nesting_depth
from producer_discovery.errors import is_transient
from producer_discovery.runtime.worker import connection_lost


def test_decoder_refuses_a_body_nested_beyond_python_recursion_without_raising() -> None:
    """30,000 levels of nesting (under 64 KB) come back as Undecodable, never RecursionError."""
    decoded = decode_message("[" * 30_000 + "]" * 30_000)
    assert isinstance(decoded, Undecodable)
    assert "deeper than 32" in decoded.reason


@pytest.mark.parametrize(
    ("text", "undecodable"),
    [
        ('{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}', False),  # brackets in a string
        ('{"a": "\\"[[[["}', False),
        ("[" * MAXIMUM_DEPTH + "]" * MAXIMUM_DEPTH, False),
        ("[" * (MAXIMUM_DEPTH + 1) + "]" * (MAXIMUM_DEPTH + 1), True),
        ('{"a": "' + "x" * 70_000 + '"}', True),
        ("{not json", True),
        ("", True),
        ('{"rtl": "\\u200f\\u200b e\\u0301"}', False),
    ],
)
def test_decoder_bounds_size_and_depth(text: str, undecodable: bool) -> None:
    """Depth is counted outside strings; over 64 KB, over 32 levels or not JSON is Undecodable."""
    assert isinstance(decode_message(text), Undecodable) is undecodable


def test_nesting_depth_ignores_escaped_quotes() -> None:
    """An escaped quote does not end a string, so the brackets after it in the string do not count."""
    assert nesting_depth('[{"a": "\\"]]]]"}]') == 2


def test_undecodable_record_keeps_the_reason_and_an_excerpt() -> None:
    """What problematic_messages keeps: why, and the first 500 characters."""
    decoded = decode_message('{"x": ' + "[" * 3000 + "1" + "]" * 3000 + "}")
    assert isinstance(decoded, Undecodable)
    record = decoded.record()
    assert (
        record["undecodable"] == "body nested 3001 levels, deeper than 32"
    )  # the object around 3,000 arrays
    assert record["excerpt"].startswith('{"x": [[[[')
    assert len(record["excerpt"]) == 500


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (psycopg.errors.ProgramLimitExceeded("index row size 6016 exceeds maximum"), False),
        (psycopg.errors.StringDataRightTruncation("value too long"), False),
        (psycopg.errors.UntranslatableCharacter("\\u0000 cannot be converted to text"), False),
        (psycopg.errors.InvalidParameterValue("bad"), False),
        (psycopg.errors.UniqueViolation("duplicate key"), False),
        (psycopg.DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes"), False),
        (psycopg.errors.DeadlockDetected("deadlock"), True),
        (psycopg.errors.AdminShutdown("terminating connection"), True),
        (psycopg.errors.TooManyConnections("too many clients"), True),
        (psycopg.OperationalError("connection lost"), True),
    ],
)
def test_database_errors_are_classified_by_sqlstate(error: Exception, transient: bool) -> None:
    """Data (22), integrity (23) and limit (54) errors are permanent; connection, resource and
    deadlock errors transient."""
    assert is_transient(error) is transient


def test_a_limit_error_is_not_taken_for_a_lost_connection() -> None:
    """ProgramLimitExceeded is an OperationalError to psycopg, but the message's fault: the
    runtime dead-letters it instead of retrying it as a delivery cut short (case 7's loop)."""
    assert connection_lost(psycopg.errors.ProgramLimitExceeded("index row size 6016")) is False
    assert connection_lost(psycopg.errors.AdminShutdown("terminating connection")) is True
