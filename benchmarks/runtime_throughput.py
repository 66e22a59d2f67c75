"""Messages per second of the worker runtime with a no-op handler, next to raw pgmq
read + archive on the same database in the same run, and their ratio.

    .venv/bin/python -m benchmarks.runtime_throughput [--messages 2000] [--concurrency 4]

Uses a scratch database on DATABASE_URL's server when set, else on a throwaway cluster. The runtime does per message what the raw loop does not:
validation, an idempotency check, the entity lock, a commit with status, idempotency record
and archive; the ratio is the price of "never lose or duplicate work".
"""

from __future__ import annotations

import argparse
import time

import psycopg
from psycopg.types.json import Jsonb
from pydantic import BaseModel

from producer_discovery.db.scratch import scratch_database
from producer_discovery.logging import configure
from producer_discovery.runtime.resources import Resources
from producer_discovery.runtime.stage import Outcome, Stage
from producer_discovery.runtime.worker import Worker
from producer_discovery.settings import Settings
from producer_discovery.sources import registered_sources

QUEUE = "bench_runtime"


class Body(BaseModel):
    n: int


def fill(url: str, count: int) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT pgmq.create(%s)", (QUEUE,))
        conn.execute("SELECT pgmq.purge_queue(%s)", (QUEUE,))
        for start in range(0, count, 500):
            batch = [Jsonb({"n": n}) for n in range(start, min(count, start + 500))]
            conn.execute("SELECT pgmq.send_batch(%s, %s::jsonb[])", (QUEUE, batch))


def raw_pgmq(url: str, count: int, batch: int) -> float:
    """read(qty=batch) then archive each message: the floor any pgmq consumer pays."""
    fill(url, count)
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        done = 0
        while done < count:
            rows = conn.execute(
                "SELECT msg_id FROM pgmq.read(%s, 30, %s)", (QUEUE, batch)
            ).fetchall()
            if not rows:
                break
            for (msg_id,) in rows:
                conn.execute("SELECT pgmq.archive(%s, %s::bigint)", (QUEUE, msg_id))
            done += len(rows)
    return done / (time.perf_counter() - started)


def runtime(url: str, count: int, concurrency: int) -> float:
    fill(url, count)
    settings = Settings(database_url=url, worker_concurrency=concurrency, poll_interval_seconds=0.2)
    resources = Resources.build(settings, url, QUEUE)
    stage = Stage(QUEUE, Body, lambda body: ("bench", str(body.n)), lambda delivery: Outcome())
    started = time.perf_counter()
    try:
        Worker(stage, resources, drain=True).run()
    finally:
        resources.close()
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=4)
    arguments = parser.parse_args()
    configure("json", level=40)
    with scratch_database(registered_sources()) as url:
        raw = raw_pgmq(url, arguments.messages, arguments.concurrency)
        ours = runtime(url, arguments.messages, arguments.concurrency)
    print(f"messages: {arguments.messages}, concurrency/batch: {arguments.concurrency}")
    print(f"raw pgmq read+archive: {raw:8.0f} msg/s")
    print(f"runtime, no-op handler: {ours:8.0f} msg/s")
    print(f"ratio runtime/raw:      {ours / raw:8.2f}")


if __name__ == "__main__":
    main()
