"""The one generic worker loop: read, validate, lock, handle, commit once, fail well.

Concurrency is threads (a ThreadPoolExecutor of `concurrency` workers) rather than asyncio:
the work is blocking I/O (HTTP calls, psycopg), the GIL is released while waiting, the
handlers stay plain functions, and concurrency is small (≈ 2× cores; pgmq anti-scales past
that). The main thread reads and dispatches; one heartbeat thread extends the visibility
timeout of every in-flight message and the heartbeat of every lock, and flushes metrics.

Per message (architecture.md, "One message, one transaction"):
1. the read commits on its own (autocommit), so read_ct counts every delivery;
2. a body over the bounds or not JSON (decoded alone, db/decode.py), invalid JSON shape or
   fields → queue_mgmt.problematic_messages + archive;
3. a message whose effect is already recorded (idempotency key) → archive;
4. more than max_deliveries deliveries cut short (see below) → dead letter, "killed its worker";
5. acquire_processing_lock: COMPLETED → archive; held by a live worker → hide and move on
   (set aside: no attempt spent);
6. the handler calls APIs outside any transaction;
7. one commit: the handler's writes, the sends to the next stage, status COMPLETED, the
   idempotency record and the archive of the message;
8. transient error → status PENDING + last_error, one failure recorded, message hidden for
   the retry policy's delay (Retry-After honoured); permanent error or max_attempts failures
   → DLQ + worker issue. A Deferred (shared limit paused past its deadline, a source blocked,
   shutting down) hides the message for its retry_after and spends no attempt; so do refused
   credentials (CredentialsRejected), with a critical worker issue instead of a dead letter.

Attempts that mean attempts (migration 0070): read_ct counts every delivery, but only a
handler failure is an attempt (queue_mgmt.message_attempts.failures). A delivery set aside
without an attempt (busy entity, Deferred) is counted apart (set_aside). Every other past
delivery was cut short: its worker died (SIGKILL, OOM, a lost host) or lost the database
before it could record anything. Those only count against the larger max_deliveries cap, so
a poison message that kills every worker still reaches the DLQ, and an honest message
survives the crashes of its workers.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import psycopg
import structlog
from pgmq.messages import Message
from psycopg_pool import PoolTimeout
from pydantic import ValidationError

from producer_discovery.db.decode import Undecodable
from producer_discovery.db.pool import check_connection_budget
from producer_discovery.db.queue import Listener, StageQueue
from producer_discovery.errors import (
    CredentialsRejected,
    Deferred,
    PermanentError,
    is_transient,
    retry_after_of,
)
from producer_discovery.runtime.liveness import process_alive, report_ready
from producer_discovery.runtime.resources import Resources, pool_size
from producer_discovery.runtime.stage import Delivery, Send, Stage

log = structlog.get_logger("producer_discovery.runtime.worker")

DATABASE_ERRORS = (psycopg.OperationalError, PoolTimeout)
LIVENESS_INTERVAL = 10.0  # seconds between two reports that this worker is alive
# A message whose entity another worker holds is looked at again this soon (or after the
# visibility timeout, if shorter): the holder finishes, or its lock expires, within seconds;
# hiding it for a whole visibility timeout delayed a refresh sent mid-enrichment by a minute.
BUSY_RETRY_SECONDS = 5.0


def connection_lost(error: BaseException) -> bool:
    """The database connection broke under the handler (a restart, pg_terminate_backend), as
    opposed to a statement the database refused or cancelled."""
    if isinstance(error, PoolTimeout):
        return True
    if isinstance(error, psycopg.errors.QueryCanceled | psycopg.errors.LockNotAvailable):
        return False
    # is_transient: not an OperationalError the data caused (ProgramLimitExceeded, SQLSTATE 54)
    return isinstance(error, psycopg.OperationalError) and is_transient(error)


class LockLost(Exception):
    """Another worker took this entity's lock over: this attempt must not commit."""


@dataclass
class InFlight:
    message: Message
    entity: tuple[str, str] | None = None
    locked: bool = False
    lost: bool = False
    failures: int = 0  # handler failures before this delivery


def idempotency_key(queue: str, body: Any) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return f"{queue}:{hashlib.sha256(canonical.encode()).hexdigest()}"


class Worker:
    """Runs one stage until stopped (or, with `drain`, until its queue is empty)."""

    def __init__(self, stage: Stage[Any], resources: Resources, *, drain: bool = False) -> None:
        self.stage = stage
        self.resources = resources
        self.settings = resources.settings
        self.drain = drain
        self.concurrency = self.settings.worker_concurrency
        self.vt = self.settings.visibility_timeout_seconds
        self.queue = StageQueue(resources.pool, stage.queue)
        self.in_flight: dict[int, InFlight] = {}
        self.guard = threading.Lock()
        self.stopping = threading.Event()
        self.slot_freed = threading.Event()
        self.on_committed: list[Callable[[int], None]] = []
        self.signals = 0
        self.log = log.bind(stage=stage.queue, worker=resources.worker_id)

    # The loop ---------------------------------------------------------------------------
    def run(self) -> int:
        previous_handlers = self._install_signal_handlers()
        heartbeat = threading.Thread(target=self._heartbeat_loop, name="heartbeat", daemon=True)
        heartbeat.start()
        listener = Listener(self.resources.url, self.stage.queue)
        executor = ThreadPoolExecutor(self.concurrency, thread_name_prefix=self.stage.queue)
        self.log.info(
            "worker_started",
            concurrency=self.concurrency,
            visibility_timeout=self.vt,
            drain=self.drain,
        )
        self._check_connection_budget()
        self._recover_dead_predecessors()
        self._report_alive()
        outage = 0
        try:
            while not self.stopping.is_set():
                try:
                    if self._cycle(executor, listener):
                        break
                    outage = 0
                except DATABASE_ERRORS as error:
                    outage += 1
                    wait = min(10.0, 0.5 * 2 ** min(outage, 5))
                    self.log.warning(
                        "database_unavailable", error=str(error).strip()[:200], retry_in=wait
                    )
                    self.stopping.wait(wait)
        finally:
            self._finish_in_flight(executor)
            listener.close()
            self.stopping.set()
            heartbeat.join(timeout=5)
            self._flush_metrics()
            self._report_gone()
            for number, handler in previous_handlers.items():
                signal.signal(number, handler)
            self.log.info("worker_stopped")
        return 0

    def _cycle(self, executor: ThreadPoolExecutor, listener: Listener) -> bool:
        """Read and dispatch once; True when a draining worker is done."""
        free = self.concurrency - len(self.in_flight)
        messages = self._read(free) if free > 0 else []
        report_ready()  # the database answered: this worker has started fine
        for message in messages:
            with self.guard:
                again = message.msg_id in self.in_flight
                if not again:
                    self.in_flight[message.msg_id] = InFlight(message)
            if again:
                self._redelivered_in_flight(message)
                continue
            executor.submit(self._process, message)
        if messages and len(messages) == free:
            return False  # more may be waiting; a full worker waits below on the next turn
        if free <= 0:
            self.slot_freed.wait(0.5)
            self.slot_freed.clear()
            return False
        if self.drain and not self.in_flight and self.queue.length() == 0:
            return True
        listener.wait(self.settings.poll_interval_seconds, self.stopping)
        return False

    def _read(self, quantity: int) -> list[Message]:
        return self.queue.read(self.vt, quantity)

    def _redelivered_in_flight(self, message: Message) -> None:
        """Our own in-flight message came back (its visibility ran out before the heartbeat
        extended it): the delivery in flight goes on; this one is set aside, not cut short."""
        self.log.warning(
            "redelivered_while_in_flight", msg_id=message.msg_id, read_ct=message.read_ct
        )
        with contextlib.suppress(*DATABASE_ERRORS):
            self.queue.note_redelivered(message.msg_id)

    def _check_connection_budget(self) -> None:
        """Warn when this process's pool (and listener) would not fit in max_connections."""
        try:
            budget = check_connection_budget(self.resources.url, 1, pool_size(self.settings) + 1)
        except psycopg.Error as error:
            self.log.warning("connection_budget_unknown", error=str(error).strip()[:200])
            return
        if budget.warning:
            self.log.warning("connection_budget_exceeded", detail=budget.warning)

    def _recover_dead_predecessors(self) -> None:
        """Bring back at once the messages a dead worker of this stage on this host was
        processing (SIGKILL, OOM: the supervisor or the container restarted us), instead of
        after their visibility timeout: their locks expire and the messages become visible."""
        host, pid, stage = self.resources.worker_id.split(":", 2)
        pattern = f"{host.replace('%', '_')}:%:{stage}"
        try:
            recovered = self.queue.recover_dead(pattern, lambda worker: process_alive(worker, pid))
            for msg_id, worker_id in recovered:
                self.log.info("recovered_from_dead_worker", msg_id=msg_id, dead_worker=worker_id)
        except psycopg.Error as error:  # the visibility timeout still brings them back
            self.log.warning("recovery_failed", error=str(error).strip()[:200])

    # One message ------------------------------------------------------------------------
    def _process(self, message: Message) -> None:
        # Every line logged while this message is handled (by the runtime, a stage, a client)
        # carries its stage and msg_id, and its entity once known (structlog contextvars).
        with structlog.contextvars.bound_contextvars(stage=self.stage.queue, msg_id=message.msg_id):
            started = time.perf_counter()
            flight = self.in_flight[message.msg_id]
            outcome = "unknown"
            try:
                outcome = self._handle(flight)
            except Exception as error:  # the runtime is the one place that catches broadly
                outcome = self._fail(flight, error)
            finally:
                with self.guard:
                    self.in_flight.pop(message.msg_id, None)
                self.slot_freed.set()
                self.log.info(
                    "message_processed",
                    read_ct=message.read_ct,
                    outcome=outcome,
                    duration_ms=round((time.perf_counter() - started) * 1000, 1),
                )

    def _handle(self, flight: InFlight) -> str:
        message = flight.message
        body = message.message
        if isinstance(body, Undecodable):  # over the bounds or not JSON (db/decode.py)
            self.queue.record_problematic(message, "undecodable_message", body.reason)
            return "invalid"
        key = idempotency_key(self.stage.queue, body)
        screen = self.queue.screen(body, key)
        model, problem = self._parse(body, screen.verdict)
        if model is None:
            self.queue.record_problematic(message, *problem)
            return "invalid"
        if screen.seen:
            self.queue.archive(message.msg_id)
            return "duplicate"
        flight.entity = self.stage.entity(model)
        structlog.contextvars.bind_contextvars(entity=":".join(flight.entity))
        flight.failures, set_aside = self.queue.attempts(message.msg_id)
        cut_short = message.read_ct - 1 - flight.failures - set_aside
        if cut_short >= self.settings.max_deliveries:
            self._dead_letter(
                flight,
                f"killed its worker {cut_short} times: deliveries cut short "
                f"(max_deliveries {self.settings.max_deliveries})",
                cause="killed_worker",
                transient=False,
            )
            return "dead_lettered"
        acquired, state = self.queue.acquire(
            flight.entity, message.msg_id, self.resources.worker_id, self.vt
        )
        if not acquired:
            if state == "COMPLETED":
                self.queue.archive(message.msg_id)
                return "already_completed"
            self._set_aside_for(flight, min(self.vt, BUSY_RETRY_SECONDS), "entity busy")
            return "busy"
        flight.locked = True
        delivery = Delivery(
            message.msg_id,
            message.read_ct,
            model,
            self.resources.worker_id,
            attempt=flight.failures + 1,
        )
        result = self.stage.handle(delivery)
        if flight.lost:
            raise LockLost(f"lock on {':'.join(flight.entity)} was taken over")
        self._commit(flight, key, result.write, result.metadata)
        for observer in self.on_committed:
            observer(message.msg_id)
        return str(result.metadata.get("outcome", "completed"))

    def _parse(self, body: Any, verdict: dict[str, Any]) -> tuple[Any, tuple[str, str]]:
        """The stage's model of the body, or None and (error type, details)."""
        if not verdict.get("valid"):
            return None, ("invalid_message", str(verdict.get("error")))
        try:
            # By JSON names only (`by_name=False`), as validate_queue_message reads a body.
            return self.stage.model.model_validate(body, by_name=False), ("", "")
        except ValidationError as error:
            return None, (
                "invalid_fields",
                "; ".join(
                    f"{'.'.join(map(str, e['loc'])) or 'message'}: {e['msg']}"
                    for e in error.errors()
                ),
            )

    def _commit(
        self,
        flight: InFlight,
        key: str,
        write: Callable[[Any], list[Send]],
        metadata: dict[str, Any],
    ) -> None:
        assert flight.entity is not None

        def write_and_send(conn: psycopg.Connection[Any]) -> list[tuple[str, dict[str, Any]]]:
            return [(send.queue, send.message) for send in write(conn)]

        self.queue.commit(
            flight.message.msg_id,
            flight.entity,
            self.resources.worker_id,
            key,
            write_and_send,
            metadata,
        )

    # Failures ---------------------------------------------------------------------------
    def _fail(self, flight: InFlight, error: Exception) -> str:
        if isinstance(error, (LockLost, psycopg.errors.LockNotAvailable)):
            self.log.warning("lock_lost", error=str(error))
            return "lock_lost"
        description = f"{type(error).__name__}: {error}"[:1000]
        expected = isinstance(error, PermanentError | CredentialsRejected) or is_transient(error)
        if not expected:
            self.log.error("handler_crashed", exc_info=error)
        try:
            if isinstance(error, Deferred):
                self._set_aside_for(flight, retry_after_of(error) or 1.0, description)
                return "deferred"
            if isinstance(error, CredentialsRejected):
                # Not this message's fault: the source is paused (block_api) and a critical
                # issue says whose credentials; the message waits without spending an attempt.
                self._set_aside_for(flight, error.retry_after, description, refused_api=error.api)
                return "credentials_refused"
            if connection_lost(error):
                # Not the message's fault, and nothing can be recorded reliably: like a killed
                # worker, this counts only against max_deliveries.
                self._retry_later(flight, description, 1.0, failure=False)
                return "cut_short"
            attempt = flight.failures + 1
            if is_transient(error) and attempt < self.settings.max_attempts:
                delay = self.resources.retry_policy.delay(attempt, retry_after_of(error))
                self._retry_later(flight, description, delay)
                self.log.info("message_retried", attempt=attempt, error=description[:300])
                return "retry"
            reason = (
                description
                if not is_transient(error)
                else (f"gave up after {attempt} attempts: {description}")
            )
            self._dead_letter(
                flight,
                reason,
                cause="handler_failed",
                transient=is_transient(error),
                attempts=attempt,
            )
            return "dead_lettered"
        except Exception as recording_error:  # the message comes back after its timeout
            self.log.warning(
                "failure_not_recorded",
                error=f"{type(recording_error).__name__}: {recording_error}"[:300],
            )
            return "retry_after_visibility_timeout"

    def _retry_later(
        self, flight: InFlight, description: str, delay: float, *, failure: bool = True
    ) -> None:
        """Hide the message for `delay`, its entity PENDING; `failure`: one more attempt spent."""
        locked = flight.entity if flight.locked else None
        self.queue.retry_later(
            flight.message.msg_id,
            locked,
            self.resources.worker_id,
            description,
            max(1, round(delay)),
            failure=failure,
        )

    def _set_aside_for(
        self, flight: InFlight, delay: float, description: str, *, refused_api: str | None = None
    ) -> None:
        """Hide the message for `delay` without an attempt (busy entity, Deferred, refused
        credentials: then also a critical issue naming `refused_api`)."""
        locked = flight.entity if flight.locked else None
        self.queue.defer(
            flight.message.msg_id,
            locked,
            self.resources.worker_id,
            description,
            max(1, round(delay)),
            refused_api=refused_api,
        )

    def _dead_letter(
        self,
        flight: InFlight,
        reason: str,
        *,
        cause: str,
        transient: bool,
        attempts: int | None = None,
    ) -> None:
        """To <stage>_dlq; `transient` causes are re-driven once later (0070)."""
        metadata = {
            "attempts": attempts if attempts is not None else flight.failures,
            "deliveries": flight.message.read_ct,
            "stage": self.stage.queue,
            "cause": cause,
            "transient": transient,
        }
        self.queue.dead_letter(
            flight.message.msg_id, flight.entity, self.resources.worker_id, reason, metadata
        )

    # Heartbeat, shutdown ----------------------------------------------------------------
    def _heartbeat_loop(self) -> None:
        """Every vt/3: extend the in-flight messages and locks, flush metrics. Every
        LIVENESS_INTERVAL: say this worker is alive (one small UPDATE)."""
        interval = max(1.0, self.vt / 3)
        tick = min(interval, LIVENESS_INTERVAL)
        last = alive = time.monotonic()
        while not self.stopping.wait(tick):
            try:
                if time.monotonic() - alive >= LIVENESS_INTERVAL - 0.01:
                    alive = time.monotonic()
                    self._report_alive()
                if time.monotonic() - last >= interval - 0.01:
                    last = time.monotonic()
                    self._heartbeat()
                    self._flush_metrics()
            except DATABASE_ERRORS as error:
                self.log.warning("heartbeat_failed", error=str(error).strip()[:200])

    def _report_alive(self) -> None:
        """monitoring.worker_heartbeats: `status`, `health` and the dashboard count this
        worker as live while it reports (a stage with messages and none live warns)."""
        try:
            self.queue.alive(self.resources.worker_id)
        except (psycopg.Error, PoolTimeout) as error:  # liveness never stops the worker
            self.log.warning("liveness_not_reported", error=str(error).strip()[:200])

    def _report_gone(self) -> None:
        try:
            self.queue.gone(self.resources.worker_id)
        except (psycopg.Error, PoolTimeout) as error:
            self.log.warning("liveness_not_reported", error=str(error).strip()[:200])

    def _heartbeat(self) -> None:
        with self.guard:
            flights = list(self.in_flight.values())
        if not flights:
            return
        locked = [f.entity for f in flights if f.locked and f.entity]
        lost = self.queue.heartbeat(
            [f.message.msg_id for f in flights], locked, self.resources.worker_id, self.vt
        )
        for flight in flights:
            if flight.locked and flight.entity:
                flight.lost = flight.entity in lost

    def _flush_metrics(self) -> None:
        try:
            self.resources.metrics.flush()
        except Exception as error:  # metrics never stop the worker
            self.log.warning("metrics_not_written", error=str(error).strip()[:200])

    def _finish_in_flight(self, executor: ThreadPoolExecutor) -> None:
        deadline = time.monotonic() + self.settings.shutdown_grace_seconds
        while self.in_flight and time.monotonic() < deadline:
            self.slot_freed.wait(0.2)
            self.slot_freed.clear()
        if self.in_flight:
            self.log.warning("grace_period_over", unfinished=sorted(self.in_flight))
        executor.shutdown(wait=not self.in_flight, cancel_futures=True)

    def stop(self) -> None:
        self.stopping.set()
        self.resources.limiter.stopping.set()  # a thread waiting for a token gives up now

    def _install_signal_handlers(self) -> dict[int, Any]:
        """First SIGTERM/SIGINT: stop reading, finish in flight. Second: exit at once."""
        if threading.current_thread() is not threading.main_thread():
            return {}

        def on_signal(number: int, frame: object) -> None:
            self.signals += 1
            if self.signals > 1:
                self.log.warning("second_signal_exiting_now", signal=number)
                os._exit(128 + number)
            self.log.info("stopping", signal=number, in_flight=len(self.in_flight))
            self.stop()

        return {
            number: signal.signal(number, on_signal) for number in (signal.SIGTERM, signal.SIGINT)
        }
