"""Hostile messages against the worker runtime: no message can stop
a worker, strand the messages read with it, or loop forever."""

from __future__ import annotations

import random
import string
from typing import Any

import pytest

from tests.support.database import rows
from tests.support.runtime_stage import QUEUE
from tests.support.runtime_workers import Workers, effects, queue_length, send

pytestmark = pytest.mark.slow  # worker processes


def nested(depth: int) -> Any:
    value: Any = "bottom"
    for _ in range(depth):
        value = [value]
    return value


def send_text(url: str, text: str) -> int:
    """Send a body as JSON text, parsed by PostgreSQL (Python's json could not even write it)."""
    found = rows(url, "SELECT pgmq.send(%s, %s::jsonb) AS id", (QUEUE, text))
    return int(found[0]["id"])


def noise(length: int, seed: int) -> str:
    return "".join(random.Random(seed).choices(string.ascii_letters + string.digits, k=length))


def test_message_nested_3000_levels_is_set_aside_and_its_batch_processed(
    url: str, workers: Workers
) -> None:
    """Case 6: a body 3,000 levels deep, read in one batch with six others, is recorded as
    undecodable and archived; the worker does not exit and the six others finish."""
    send(url, *({"key": f"before{n}"} for n in range(3)))
    deep = send_text(url, '{"key": "deep", "x": ' + "[" * 3000 + "1" + "]" * 3000 + "}")
    send(url, *({"key": f"after{n}"} for n in range(3)))
    worker = workers.start("--drain", "--concurrency", "8")
    assert worker.wait(timeout=60) == 0
    assert effects(url) == {
        **{f"before{n}": 1 for n in range(3)},
        **{f"after{n}": 1 for n in range(3)},
    }
    (problem,) = rows(
        url,
        "SELECT message_id, error_type, error_details, message_body "
        "FROM queue_mgmt.problematic_messages",
    )
    assert (problem["message_id"], problem["error_type"]) == (str(deep), "undecodable_message")
    assert "nested 3001 levels, deeper than 32" in problem["error_details"]
    assert problem["message_body"]["excerpt"].startswith('{"x": [[[[')
    assert queue_length(url) == 0
    assert rows(url, "SELECT count(*) AS n FROM pgmq.a_runtime_test")[0]["n"] == 7
    assert rows(url, "SELECT read_ct FROM pgmq.a_runtime_test WHERE msg_id = %s", (deep,)) == [
        {"read_ct": 1}
    ]


def test_oversized_deep_and_long_bodies_are_recorded_not_processed(
    url: str, workers: Workers
) -> None:
    """Over 64 KB, 33 levels deep, or a 6,000-character field: each recorded, none processed."""
    send(
        url,
        {"key": "big", "x": "y" * 70_000},
        {"key": "deep33", "x": nested(33)},
        {"key": noise(6000, 7)},
        {"key": "fine", "x": nested(30)},
    )
    assert workers.start("--drain").wait(timeout=60) == 0
    assert effects(url) == {"fine": 1}
    problems = rows(
        url,
        "SELECT error_type, error_details FROM queue_mgmt.problematic_messages "
        "ORDER BY message_id::bigint",
    )
    assert [p["error_type"] for p in problems] == ["undecodable_message"] * 2 + ["invalid_message"]
    assert "over 65536" in problems[0]["error_details"]
    assert "deeper than 32" in problems[1]["error_details"]
    assert "over 1000 characters" in problems[2]["error_details"]
    assert queue_length(url) == 0


def test_an_entity_id_the_lock_refuses_is_dead_lettered_once(url: str, workers: Workers) -> None:
    """Case 7's loop: an entity id too long for the lock (a data error, SQLSTATE 22) is a
    permanent failure, and dead-lettering it succeeds (its id recorded as a digest), at once."""
    send(url, {"key": "long", "entity": noise(900, 11)}, {"key": "fine"})
    assert workers.start("--drain", "--max-attempts", "5").wait(timeout=60) == 0
    assert effects(url) == {"fine": 1}
    assert queue_length(url) == 0
    (letter,) = rows(url, "SELECT failure_reason, full_message FROM dlq_messages")
    assert "InvalidParameterValue" in letter["failure_reason"]
    (status,) = rows(
        url, "SELECT state, attempts FROM processing_status WHERE entity_id LIKE 'sha256:%'"
    )
    assert status == {"state": "FAILED", "attempts": 1}
    assert rows(url, "SELECT count(*) AS n FROM queue_mgmt.message_attempts")[0]["n"] == 0
