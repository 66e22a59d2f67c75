"""The worker runtime as separate processes on a real PostgreSQL: crashes, duplicates, poison,
malformed input, signals, a database restart and concurrent workers."""

from __future__ import annotations

import signal
import time
from functools import partial
from typing import Any

import pytest

from tests.conftest import Server
from tests.support.database import rows
from tests.support.runtime_stage import TEST_API
from tests.support.runtime_workers import Workers, effects, queue_length, send, wait_until

pytestmark = pytest.mark.slow  # processes: more than ~3 s each


def test_sigkill_before_commit_redoes_the_message_once(url: str, workers: Workers) -> None:
    """A worker killed mid-handler leaves no effect; after the visibility timeout another does it once."""
    send(url, {"key": "k1", "behaviour": "hang_first"}, {"key": "k2"})
    first = workers.start("--vt", "3")
    wait_until(lambda: effects(url).get("k2") == 1, 20, "the healthy message")
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    assert "k1" not in effects(url)
    workers.start("--vt", "3", "--drain")
    wait_until(lambda: queue_length(url) == 0, 30, "the redelivery")
    assert effects(url) == {"k1": 1, "k2": 1}
    status = rows(url, "SELECT state, attempts FROM processing_status WHERE entity_id = 'k1'")[0]
    assert status == {"state": "COMPLETED", "attempts": 2}


def test_sigkill_after_commit_does_not_redo_work(url: str, workers: Workers) -> None:
    """A worker killed right after its commit: the effect, the next-stage send and the archive all stand."""
    send(url, {"key": "k1"})
    first = workers.start("--exit-after-commit", "--concurrency", "1")
    assert first.wait(timeout=30) == -signal.SIGKILL
    later = workers.start("--drain", "--vt", "2")
    assert later.wait(timeout=30) == 0
    assert effects(url) == {"k1": 1}
    assert queue_length(url, "runtime_test_next") == 1
    assert rows(url, "SELECT count(*) AS n FROM pgmq.a_runtime_test")[0]["n"] == 1


def test_duplicate_send_has_its_effect_once(url: str, workers: Workers) -> None:
    """The same message sent twice (and a third time later) is applied once."""
    send(
        url,
        {"key": "same", "behaviour": "sleep", "seconds": 0.5},
        {"key": "same", "behaviour": "sleep", "seconds": 0.5},
    )
    workers.start("--drain", "--vt", "2").wait(timeout=30)
    send(url, {"key": "same", "behaviour": "sleep", "seconds": 0.5})
    assert workers.start("--drain", "--vt", "2").wait(timeout=30) == 0
    assert effects(url) == {"same": 1}
    assert queue_length(url, "runtime_test_next") == 1


def test_poison_message_reaches_the_dlq_while_others_are_served(url: str, workers: Workers) -> None:
    """A message that always fails transiently is dead-lettered after max_attempts; the rest finish meanwhile."""
    send(url, {"key": "poison", "behaviour": "transient"}, *({"key": f"ok{n}"} for n in range(20)))
    worker = workers.start("--drain", "--max-attempts", "3")
    assert worker.wait(timeout=60) == 0
    assert effects(url) == {f"ok{n}": 1 for n in range(20)}
    dead = rows(url, "SELECT * FROM dlq_messages")
    assert len(dead) == 1
    assert dead[0]["failure_reason"].startswith("gave up after 3 attempts: TransientError")
    assert dead[0]["full_message"]["_dlq_metadata"]["read_ct"] == 3
    status = rows(
        url,
        "SELECT state, dead_lettered, attempts FROM processing_status WHERE entity_id = 'poison'",
    )[0]
    assert status == {"state": "FAILED", "dead_lettered": True, "attempts": 3}
    issue = rows(url, "SELECT issue_type, details FROM monitoring.worker_issues")[0]
    assert issue["issue_type"] == "dead_letter"
    assert issue["details"]["attempts"] == 3


def test_permanent_error_and_crash_go_to_the_dlq_at_once(url: str, workers: Workers) -> None:
    """A permanent error or a bug in the handler is dead-lettered on the first delivery, with its reason."""
    send(url, {"key": "no", "behaviour": "permanent"}, {"key": "bug", "behaviour": "crash"})
    assert workers.start("--drain").wait(timeout=30) == 0
    reasons = sorted(
        row["failure_reason"] for row in rows(url, "SELECT failure_reason FROM dlq_messages")
    )
    assert reasons == [
        "PermanentError: the test API says no",
        "ZeroDivisionError: a bug in the handler",
    ]


def test_malformed_messages_are_set_aside_and_valid_ones_processed(
    url: str, workers: Workers
) -> None:
    """500 malformed messages mixed with 500 valid ones: every valid one done, every bad one recorded."""
    malformed: list[Any] = [
        [
            {"key": 1},
            {},
            "a string",
            None,
            [number],
            {"key": ""},
            {"nokey": number},
            {"key": "x", "seconds": "soon"},
        ][number % 8]
        for number in range(500)
    ]
    valid = [{"key": f"v{number}"} for number in range(500)]
    mixed = [item for pair in zip(malformed, valid, strict=True) for item in pair]
    send(url, *mixed)
    worker = workers.start("--drain", "--concurrency", "8")
    assert worker.wait(timeout=240) == 0
    assert effects(url) == {f"v{number}": 1 for number in range(500)}
    recorded = rows(
        url,
        "SELECT count(*) AS n, count(DISTINCT message_id) AS ids FROM queue_mgmt.problematic_messages",
    )[0]
    assert recorded == {"n": 500, "ids": 500}
    assert queue_length(url) == 0


def test_sigterm_finishes_in_flight_messages_and_exits_0(url: str, workers: Workers) -> None:
    """On SIGTERM the worker stops reading, finishes what it holds and exits 0."""
    send(
        url,
        *({"key": f"s{n}", "behaviour": "sleep", "seconds": 2} for n in range(4)),
        *({"key": f"later{n}"} for n in range(4)),
    )
    worker = workers.start("--concurrency", "4", "--vt", "30")
    wait_until(
        lambda: rows(url, "SELECT count(*) AS n FROM processing_status")[0]["n"] >= 4,
        20,
        "four in flight",
    )
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=30) == 0
    done = effects(url)
    assert {f"s{n}" for n in range(4)} <= set(done)
    assert all(count == 1 for count in done.values())
    assert queue_length(url) == 8 - len(done)


def test_second_signal_exits_at_once(url: str, workers: Workers) -> None:
    """A second signal during the grace period ends the process immediately."""
    send(url, {"key": "long", "behaviour": "hang"})
    worker = workers.start("--grace", "60")
    wait_until(
        lambda: rows(url, "SELECT count(*) AS n FROM processing_status")[0]["n"] == 1,
        20,
        "the hang",
    )
    worker.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    assert worker.poll() is None, "the first signal waits for in-flight work"
    worker.send_signal(signal.SIGINT)
    assert worker.wait(timeout=5) == 128 + signal.SIGINT
    assert "long" not in effects(url)


def test_worker_survives_a_database_restart(url: str, workers: Workers, pg_server: Server) -> None:
    """The database restarts under a running worker: it reconnects and finishes the work."""
    if pg_server.cluster is None:
        pytest.skip("needs the tests' own cluster to restart")
    send(url, *({"key": f"a{n}"} for n in range(10)))
    worker = workers.start("--vt", "3")
    wait_until(lambda: len(effects(url)) == 10, 30, "the first batch")
    pg_server.cluster.restart()
    send(url, *({"key": f"b{n}"} for n in range(10)))
    wait_until(lambda: len(effects(url)) == 20, 60, "the batch after the restart")
    assert worker.poll() is None, "the worker kept running"
    assert set(effects(url).values()) == {1}


def test_two_workers_never_process_one_entity_at_once(url: str, workers: Workers) -> None:
    """Many messages for a few entities across two processes: each entity's work happens once, never twice at once."""
    messages: list[dict[str, Any]] = [
        {"key": f"m{n}", "entity": f"e{n % 4}", "behaviour": "sleep", "seconds": 0.3}
        for n in range(40)
    ]
    send(url, *messages)
    first = workers.start("--drain", "--vt", "3")
    second = workers.start("--drain", "--vt", "3")
    assert first.wait(timeout=90) == 0
    assert second.wait(timeout=90) == 0
    found = rows(url, "SELECT m.key, m.worker FROM runtime_effects m")
    by_entity: dict[str, int] = {}
    for row in found:
        entity = next(m["entity"] for m in messages if m["key"] == row["key"])
        by_entity[entity] = by_entity.get(entity, 0) + 1
    assert by_entity == {"e0": 1, "e1": 1, "e2": 1, "e3": 1}
    assert queue_length(url) == 0


def test_idle_worker_wakes_on_insert_notification(url: str, workers: Workers) -> None:
    """With a 30-second poll fallback, a message sent to an idle worker is done within a second:
    only the insert notification can wake it that fast."""
    worker = workers.start("--vt", "5", "--poll", "30")
    wait_until(
        lambda: (
            rows(url, "SELECT count(*) AS n FROM pg_stat_activity WHERE query LIKE 'LISTEN%%'")[0][
                "n"
            ]
            >= 1
        ),
        20,
        "the worker to listen",
    )
    time.sleep(1.5)
    latencies = []
    for number in range(5):
        sent = time.monotonic()
        send(url, {"key": f"n{number}"})
        # wait_until calls the lambda before the loop moves on: `number` is the current one
        wait_until(lambda: f"n{number}" in effects(url), 40, "the message")  # noqa: B023
        latencies.append(time.monotonic() - sent)
        time.sleep(0.3)
    assert worker.poll() is None
    assert sorted(latencies)[2] < 1.0, latencies


def delivered(url: str, key: str, times: int) -> bool:
    return read_count(url, key) == times


def read_count(url: str, key: str) -> int:
    found = rows(url, "SELECT read_ct FROM pgmq.q_runtime_test WHERE message->>'key' = %s", (key,))
    return int(found[0]["read_ct"]) if found else 0


def test_deliveries_cut_short_by_kills_are_not_attempts(url: str, workers: Workers) -> None:
    """A message whose worker is SIGKILLed on three deliveries (more than max_attempts 2) is still done once, not dead-lettered."""
    send(url, {"key": "k1", "behaviour": "hang_while", "deliveries": 3})
    for delivery in (1, 2, 3):
        worker = workers.start("--vt", "1", "--max-attempts", "2")
        wait_until(partial(delivered, url, "k1", delivery), 30, f"delivery {delivery}")
        time.sleep(0.3)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    assert workers.start("--vt", "1", "--max-attempts", "2", "--drain").wait(timeout=60) == 0
    assert effects(url) == {"k1": 1}
    assert rows(url, "SELECT count(*) AS n FROM dlq_messages")[0]["n"] == 0
    assert rows(url, "SELECT count(*) AS n FROM queue_mgmt.message_attempts")[0]["n"] == 0


def test_message_that_kills_its_worker_every_time_reaches_the_dlq_by_its_delivery_cap(
    url: str, workers: Workers
) -> None:
    """A poison message that SIGKILLs every worker is dead-lettered after max_deliveries cut-short deliveries, saying so."""
    send(url, {"key": "poison", "behaviour": "suicide"}, {"key": "fine"})
    for _ in range(6):
        if rows(url, "SELECT count(*) AS n FROM dlq_messages")[0]["n"]:
            break
        workers.start("--vt", "1", "--max-deliveries", "3", "--concurrency", "1", "--drain").wait(
            timeout=30
        )
        time.sleep(1.2)  # the killed delivery's visibility timeout
    assert workers.start("--vt", "1", "--max-deliveries", "3", "--drain").wait(timeout=30) == 0
    dead = rows(url, "SELECT failure_reason, custom_metadata FROM dlq_messages")
    assert len(dead) == 1, dead
    assert dead[0]["failure_reason"].startswith("killed its worker 3 times"), dead
    assert dead[0]["custom_metadata"]["cause"] == "killed_worker"
    assert dead[0]["custom_metadata"]["transient"] is False
    assert effects(url) == {"fine": 1}


def test_message_hidden_because_its_entity_is_busy_spends_no_attempt(
    url: str, workers: Workers
) -> None:
    """A message bounced by a busy entity more often than max_attempts (1) and max_deliveries (1) allow is not dead-lettered: it is served once the entity is free (here: already completed)."""
    send(url, {"key": "holder", "entity": "e", "behaviour": "sleep", "seconds": 6})
    worker = workers.start("--vt", "2", "--max-attempts", "1", "--max-deliveries", "1", "--drain")
    wait_until(
        lambda: rows(url, "SELECT count(*) AS n FROM processing_locks")[0]["n"] == 1,
        20,
        "the holder's lock",
    )
    send(url, {"key": "waiter", "entity": "e"})
    assert worker.wait(timeout=60) == 0
    assert effects(url) == {"holder": 1}
    assert rows(url, "SELECT count(*) AS n FROM dlq_messages")[0]["n"] == 0
    waiter = rows(url, "SELECT read_ct FROM pgmq.a_runtime_test WHERE message->>'key' = 'waiter'")[
        0
    ]
    assert waiter["read_ct"] >= 3, "the waiter was bounced by the busy entity more than once"
    assert rows(url, "SELECT count(*) AS n FROM queue_mgmt.message_attempts")[0]["n"] == 0


def test_message_bounced_by_a_busy_entity_is_looked_at_again_within_seconds(
    url: str, workers: Workers
) -> None:
    """A busy entity hides a message for a few seconds, not a whole visibility timeout (60 s):
    the waiter is served soon after the holder finishes."""
    send(url, {"key": "holder", "entity": "e", "behaviour": "sleep", "seconds": 3})
    worker = workers.start("--vt", "60", "--drain")
    wait_until(
        lambda: rows(url, "SELECT count(*) AS n FROM processing_locks")[0]["n"] == 1,
        20,
        "the holder's lock",
    )
    started = time.monotonic()
    send(url, {"key": "waiter", "entity": "e"})
    assert worker.wait(timeout=60) == 0
    assert time.monotonic() - started < 30, "the waiter waited for the visibility timeout"
    assert effects(url) == {"holder": 1}


def test_long_rate_limit_pause_hides_the_message_instead_of_blocking(
    url: str, workers: Workers
) -> None:
    """An API paused past the limiter's deadline: the message is hidden for the pause (set aside, no attempt), then done."""
    rows(url, "SELECT pause_api(%s, 6, 'test')", (TEST_API,))
    send(url, {"key": "c", "behaviour": "call_api"})
    started = time.monotonic()
    worker = workers.start("--vt", "30", "--max-attempts", "1", "--limiter-wait", "1", "--drain")
    wait_until(
        lambda: (
            rows(url, "SELECT coalesce(sum(set_aside), 0) AS n FROM queue_mgmt.message_attempts")[
                0
            ]["n"]
            == 1
        ),
        20,
        "the message to be set aside",
    )
    assert (
        rows(
            url,
            "SELECT count(*) AS n FROM pgmq.q_runtime_test WHERE vt > now() + interval '3 seconds'",
        )[0]["n"]
        == 1
    )
    assert worker.wait(timeout=60) == 0
    assert effects(url) == {"c": 1}
    assert time.monotonic() - started >= 5
    assert rows(url, "SELECT count(*) AS n FROM dlq_messages")[0]["n"] == 0


def test_restarted_worker_takes_back_its_dead_predecessors_message_at_once(
    url: str, workers: Workers
) -> None:
    """A worker SIGKILLed mid-message with a 60 s visibility timeout: its restart redoes the message within seconds."""
    send(url, {"key": "k1", "behaviour": "hang_first"})
    first = workers.start("--vt", "60")
    wait_until(
        lambda: rows(url, "SELECT count(*) AS n FROM processing_locks")[0]["n"] == 1, 20, "the lock"
    )
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    started = time.monotonic()
    workers.start("--vt", "60")
    wait_until(lambda: effects(url) == {"k1": 1}, 20, "the redelivery")
    assert time.monotonic() - started < 15
