"""A pipeline stage for testing the runtime, whose handler does what each message says.

Message: {"key": "k1", "behaviour": "succeed" | "transient" | "permanent" | "hang" |
"hang_first" | "hang_while" | "suicide" | "crash" | "sleep" | "rate_limited" | "call_api" |
"blocked" | "credentials", "seconds": 0.5, "entity": "e1", "api": "x", "deliveries": 2}.
"hang_while" hangs while read_ct <= deliveries; "suicide" SIGKILLs its own worker; "blocked"
raises SourceBlocked while read_ct <= deliveries; "credentials" always raises
CredentialsRejected.
Its one write is a row in runtime_effects (no unique key, so a doubled effect would show).
Run as a process: python -m tests.support.runtime_stage URL [--drain] [--exit-after-commit] …
"""

from __future__ import annotations

import argparse
import os
import signal
import time
from typing import Any

import psycopg
from pydantic import BaseModel, Field

from producer_discovery.db.rate_limits import Budget
from producer_discovery.errors import (
    CredentialsRejected,
    PermanentError,
    RateLimited,
    SourceBlocked,
    TransientError,
)
from producer_discovery.logging import configure
from producer_discovery.runtime.resources import Resources
from producer_discovery.runtime.stage import Delivery, Outcome, Send, Stage
from producer_discovery.runtime.worker import Worker
from producer_discovery.settings import Settings

QUEUE = "runtime_test"
NEXT_QUEUE = "runtime_test_next"

# The API "call_api" takes a token of: a registered one (the SQL functions know only the
# registry's), with this stage's own budget.
TEST_API = "genius"

SETUP_SQL = f"""
CREATE TABLE IF NOT EXISTS runtime_effects (key TEXT NOT NULL, msg_id BIGINT, worker TEXT,
                                            started_at TIMESTAMPTZ, finished_at TIMESTAMPTZ);
SELECT pgmq.create('{QUEUE}');
SELECT pgmq.create('{QUEUE}_dlq');
SELECT pgmq.create('{NEXT_QUEUE}');
SELECT pgmq.enable_notify_insert('{QUEUE}', 0);
"""


class TestMessage(BaseModel):
    key: str = Field(min_length=1)
    behaviour: str = "succeed"
    seconds: float = 0.0
    entity: str | None = None
    api: str = TEST_API
    deliveries: int = 0


def build_stage(resources: Resources) -> Stage[TestMessage]:
    def handle(delivery: Delivery[TestMessage]) -> Outcome:
        body = delivery.body
        started = time.time()
        behaviour = body.behaviour
        if behaviour == "transient":
            raise TransientError("the test API is having a bad day")
        if behaviour == "permanent":
            raise PermanentError("the test API says no")
        if behaviour == "crash":
            raise ZeroDivisionError("a bug in the handler")
        if behaviour == "blocked" and delivery.read_ct <= body.deliveries:
            raise SourceBlocked("the test API blocks us for now", body.api, 1.0)
        if behaviour == "credentials":
            raise CredentialsRejected("the test API refused our token (HTTP 401)", body.api, 1.0)
        if behaviour == "rate_limited":
            resources.limiter.pause(body.api, body.seconds)
            raise RateLimited("429 from the test API", body.seconds)
        if behaviour == "suicide":
            os.kill(os.getpid(), signal.SIGKILL)
        if behaviour == "hang_while" and delivery.read_ct <= body.deliveries:
            time.sleep(3600)
        if behaviour == "hang" or (behaviour == "hang_first" and delivery.read_ct == 1):
            time.sleep(3600)
        if behaviour == "sleep":
            time.sleep(body.seconds)
        if behaviour == "call_api":
            resources.limiter.acquire(body.api)
            started = time.time()
            resources.metrics.record_api_call(body.api, "probe", 200, 1.0, True)

        def write(conn: psycopg.Connection[Any]) -> list[Send]:
            conn.execute(
                "INSERT INTO runtime_effects (key, msg_id, worker, started_at, finished_at) "
                "VALUES (%s, %s, %s, to_timestamp(%s), clock_timestamp())",
                (body.key, delivery.msg_id, delivery.worker_id, started),
            )
            return [Send(NEXT_QUEUE, {"from": body.key})]

        return Outcome(write=write)

    return Stage(QUEUE, TestMessage, lambda body: ("test", body.entity or body.key), handle)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--drain", action="store_true")
    parser.add_argument("--exit-after-commit", action="store_true")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--vt", type=int, default=5)
    parser.add_argument("--max-attempts", type=int, default=3)
    parser.add_argument("--max-deliveries", type=int, default=20)
    parser.add_argument("--limiter-wait", type=float, default=30, help="the limiter's max_wait")
    parser.add_argument("--grace", type=float, default=10)
    parser.add_argument("--poll", type=float, default=1, help="fallback poll interval, seconds")
    arguments = parser.parse_args()
    configure("json")
    settings = Settings(
        database_url=arguments.url,
        worker_concurrency=arguments.concurrency,
        visibility_timeout_seconds=arguments.vt,
        max_attempts=arguments.max_attempts,
        max_deliveries=arguments.max_deliveries,
        shutdown_grace_seconds=arguments.grace,
        retry_base_seconds=0.5,
        retry_cap_seconds=2,
        poll_interval_seconds=arguments.poll,
    )
    resources = Resources.build(settings, arguments.url, QUEUE)
    resources.limiter.limits[TEST_API] = Budget(2.0, 1)
    resources.limiter.max_wait = arguments.limiter_wait
    worker = Worker(build_stage(resources), resources, drain=arguments.drain)
    if arguments.exit_after_commit:
        worker.on_committed.append(lambda msg_id: os.kill(os.getpid(), signal.SIGKILL))
    try:
        code = worker.run()
    finally:
        resources.close()
    raise SystemExit(code)


if __name__ == "__main__":
    main()
