"""Running a pipeline stage in-process: one draining Worker of the generic runtime, as
`producer-discovery worker STAGE --drain` runs it, but in this process.

    drain_stage(settings, QUEUE, build, messages=[{"trackId": …}])

The worker runs off the main thread, so it installs no signal handlers and pytest keeps its
own; the call returns once the queue is empty and fails if the worker did not exit 0 in time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from producer_discovery.db.rate_limits import Budget
from producer_discovery.runtime.resources import Resources
from producer_discovery.runtime.stage import Stage
from producer_discovery.runtime.worker import Worker
from producer_discovery.settings import Settings


def send_messages(url: str, queue: str, messages: Sequence[Mapping[str, Any]]) -> None:
    """Queue the messages in one pgmq.send_batch."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "SELECT pgmq.send_batch(%s, %s::jsonb[])",
            (queue, [Jsonb(dict(message)) for message in messages]),
        )


def drain_stage(
    settings: Settings,
    queue: str,
    build: Callable[[Resources], Stage[Any]],
    *,
    messages: Sequence[Mapping[str, Any]] = (),
    stop_after: int | None = None,
    budgets: Mapping[str, Budget] | None = None,
    timeout: float | None = 120.0,
) -> None:
    """Queue `messages`, then run the stage's worker until its queue is empty, or until
    `stop_after` commits; `budgets` replace the rate limiter's budgets of those APIs. The
    database is `settings.database_url`."""
    url = settings.database_url
    assert url is not None, "the settings name no database"
    if messages:
        send_messages(url, queue, messages)
    resources = Resources.build(settings, url, queue)
    try:
        resources.limiter.limits.update(budgets or {})
        worker = Worker(build(resources), resources, drain=True)
        if stop_after is not None:
            committed: list[int] = []

            def stop_when_enough(msg_id: int) -> None:
                committed.append(msg_id)
                if len(committed) >= stop_after:
                    worker.stop()

            worker.on_committed.append(stop_when_enough)
        exit_codes: list[int] = []
        errors: list[BaseException] = []

        def run() -> None:
            try:
                exit_codes.append(worker.run())
            except BaseException as error:  # re-raised in the caller's thread
                errors.append(error)

        thread = threading.Thread(target=run, name=f"drain-{queue}")
        thread.start()
        thread.join(timeout=timeout)
        if thread.is_alive():
            worker.stop()
            thread.join(timeout=30)
            raise AssertionError(f"the {queue} worker did not drain its queue in {timeout} s")
        if errors:
            raise errors[0]
        assert exit_codes == [0], f"the {queue} worker exited {exit_codes}"
    finally:
        resources.close()
