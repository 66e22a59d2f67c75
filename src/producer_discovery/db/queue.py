"""The runtime's database calls for one stage queue: pgmq through its own client, and the
runtime's stored procedures (screen, lock, commit, retry, dead letter, heartbeat).

    read(vt, quantity)            pgmq.read: up to `quantity` messages, hidden `vt` seconds,
                                  each body decoded alone with bounds (db/decode.py): a body
                                  that cannot be decoded comes back as an `Undecodable`
    screen(body, key)             validate_queue_message's verdict + "effect already recorded?"
    record_problematic(message, …)  queue_mgmt.problematic_messages + archive, one transaction
    attempts(message_id)          its handler failures and deliveries set aside (0070)
    acquire(entity, …)            acquire_processing_lock (and the entity's current state)
    commit(message, entity, …)    the handler's writes, the sends to the next stages and
                                  complete_message (COMPLETED, idempotency, archive): one commit
    retry_later(…)                entity PENDING with its error + the message hidden for a delay,
                                  one failure recorded (unless the delivery was merely cut short)
    defer(…)                      hidden for a delay without spending an attempt
    recover_dead(…)               messages of dead workers of this host and stage made visible
    dead_letter(…)                dead_letter_message (DLQ + status FAILED + worker issue)
    heartbeat(…)                  extend every in-flight message's vt and every lock's heartbeat
    Listener                      LISTEN for pgmq's insert notification of the queue
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from pgmq import PGMQueue
from pgmq.messages import Message
from psycopg import sql
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool

from producer_discovery.db.decode import Undecodable, decode_message
from producer_discovery.db.pool import CONNECTION_OPTIONS
from producer_discovery.db.queries import query

Entity = tuple[str, str]


def storable(text: str) -> str:
    """An error text PostgreSQL can store: a NUL (from a provider's document, say) written
    out, since text refuses it and a recording must never fail on what a message brought."""
    return text.replace("\x00", "\\u0000")


@dataclass(frozen=True)
class Screen:
    """What the database says of a delivered message before any work."""

    verdict: dict[str, Any]  # validate_queue_message's {"valid": …, "error": …}
    seen: bool  # its effect is already recorded (a duplicate send)


class StageQueue:
    def __init__(self, pool: ConnectionPool, queue: str) -> None:
        self.pool = pool
        self.queue = queue
        self.pgmq = PGMQueue(pool=pool, init_extension=False)

    def read(self, vt: int, quantity: int) -> list[Message]:
        """Up to `quantity` messages; the read commits alone (read_ct counts it). A body that
        cannot be decoded within the bounds is the message's `Undecodable`, never an error."""
        with self.pool.connection() as conn:
            rows = conn.execute(
                query("queue_read_raw"), {"queue": self.queue, "vt": vt, "quantity": quantity}
            ).fetchall()
        return [
            Message(
                msg_id=row[0],
                read_ct=row[1],
                enqueued_at=row[2],
                last_read_at=row[3],
                vt=row[4],
                message=decode_message(row[5]),
                headers=None if row[6] is None else decode_message(row[6]),
            )
            for row in rows
        ]

    def length(self) -> int:
        with self.pool.connection() as conn:
            row = conn.execute(query("queue_length"), {"queue": self.queue}).fetchone()
        return int(row[0]) if row else 0

    def archive(self, message_id: int) -> None:
        """Archive a message whose work is already done, with its attempt counts."""
        with self.pool.connection() as conn, conn.transaction():
            self.pgmq.archive(self.queue, message_id, conn=conn)
            conn.execute(
                query("forget_message_attempts"), {"queue": self.queue, "msg_id": message_id}
            )

    def note_redelivered(self, message_id: int) -> None:
        """A delivery of a message this worker still has in flight: set aside, not cut short."""
        with self.pool.connection() as conn:
            conn.execute(
                query("record_message_attempt"),
                {"queue": self.queue, "message_id": message_id, "kind": "set_aside", "error": None},
            )

    def hide(self, message_id: int, seconds: int) -> None:
        self.pgmq.set_vt(self.queue, message_id, seconds)

    def screen(self, body: Any, key: str) -> Screen:
        with self.pool.connection() as conn:
            row = conn.execute(
                query("message_screen"), {"queue": self.queue, "body": Jsonb(body), "key": key}
            ).fetchone()
        if row is None:
            return Screen({"valid": False, "error": "no verdict"}, False)
        return Screen(row[0], bool(row[1]))

    def record_problematic(self, message: Message, error_type: str, details: str) -> None:
        body = message.message
        kept = body.record() if isinstance(body, Undecodable) else body
        with self.pool.connection() as conn, conn.transaction():
            conn.execute(
                query("record_problematic_message"),
                {
                    "queue": self.queue,
                    "message_id": str(message.msg_id),
                    "body": Jsonb(kept),
                    "error_type": error_type,
                    "error_details": storable(details)[:2000],
                },
            )
            self.pgmq.archive(self.queue, message.msg_id, conn=conn)
            conn.execute(
                query("forget_message_attempts"), {"queue": self.queue, "msg_id": message.msg_id}
            )

    def attempts(self, message_id: int) -> tuple[int, int]:
        """The message's handler failures and deliveries set aside, before this delivery."""
        with self.pool.connection() as conn:
            row = conn.execute(
                query("message_attempts"), {"queue": self.queue, "msg_id": message_id}
            ).fetchone()
        return (int(row[0]), int(row[1])) if row else (0, 0)

    def acquire(
        self, entity: Entity, message_id: int, worker: str, ttl: int
    ) -> tuple[bool, str | None]:
        """Whether the lock was taken, and the entity's state (COMPLETED: nothing to do)."""
        with self.pool.connection() as conn:
            row = conn.execute(
                query("acquire_lock"),
                {
                    "entity_type": entity[0],
                    "entity_id": entity[1],
                    "correlation": str(message_id),
                    "worker": worker,
                    "ttl": ttl,
                },
            ).fetchone()
        return (bool(row[0]), row[1]) if row else (False, None)

    def commit(
        self,
        message_id: int,
        entity: Entity,
        worker: str,
        key: str,
        write: Callable[[psycopg.Connection[Any]], Sequence[tuple[str, dict[str, Any]]]],
        metadata: dict[str, Any],
    ) -> None:
        """One transaction: `write(conn)` (the handler's writes, returning the messages to send
        as (queue, body) pairs), the sends, and complete_message."""
        with self.pool.connection() as conn, conn.transaction():
            by_queue: dict[str, list[dict[str, Any]]] = {}
            for queue, body in write(conn):
                by_queue.setdefault(queue, []).append(body)
            for queue, bodies in by_queue.items():
                self.pgmq.send_batch(queue, bodies, conn=conn)
            sent = {queue: len(bodies) for queue, bodies in by_queue.items()}
            conn.execute(
                query("complete_message"),
                {
                    "queue": self.queue,
                    "message_id": message_id,
                    "entity_type": entity[0],
                    "entity_id": entity[1],
                    "worker": worker,
                    "key": key,
                    "metadata": Jsonb(metadata),
                    "result": Jsonb({**metadata, "sent": sent}),
                },
            )

    def retry_later(
        self,
        message_id: int,
        locked: Entity | None,
        worker: str,
        error: str,
        delay_seconds: int,
        *,
        failure: bool = True,
    ) -> None:
        """Hide the message for a delay, its entity PENDING; `failure`: one attempt spent."""
        error = storable(error)
        with self.pool.connection() as conn, conn.transaction():
            self._pending(conn, locked, worker, error)
            if failure:
                conn.execute(
                    query("record_message_attempt"),
                    {
                        "queue": self.queue,
                        "message_id": message_id,
                        "kind": "failure",
                        "error": error,
                    },
                )
            self.pgmq.set_vt(self.queue, message_id, delay_seconds, conn=conn)

    def defer(
        self,
        message_id: int,
        locked: Entity | None,
        worker: str,
        reason: str,
        delay_seconds: int,
        *,
        refused_api: str | None = None,
    ) -> None:
        """Hide the message for a delay without spending an attempt (busy entity, Deferred,
        refused credentials); `refused_api`: also a critical issue saying whose credentials."""
        with self.pool.connection() as conn, conn.transaction():
            self._pending(conn, locked, worker, reason)
            if refused_api is not None:
                report_refused_credentials(conn, self.queue, refused_api, reason)
            conn.execute(
                query("record_message_attempt"),
                {"queue": self.queue, "message_id": message_id, "kind": "set_aside", "error": None},
            )
            self.pgmq.set_vt(self.queue, message_id, delay_seconds, conn=conn)

    @staticmethod
    def _pending(
        conn: psycopg.Connection[Any], locked: Entity | None, worker: str, error: str
    ) -> None:
        if locked is not None:
            conn.execute(
                query("finish_processing_pending"),
                {
                    "entity_type": locked[0],
                    "entity_id": locked[1],
                    "worker": worker,
                    "error": error,
                },
            )

    def recover_dead(
        self, worker_pattern: str, alive: Callable[[str], bool]
    ) -> list[tuple[int, str]]:
        """Locks of this stage's workers on this host (`worker_pattern`, LIKE) whose process is
        gone: expired, and their messages visible at once. The (msg_id, dead worker) pairs."""
        recovered: list[tuple[int, str]] = []
        with self.pool.connection() as conn, conn.transaction():
            rows = conn.execute(
                query("locks_of_host_stage"), {"pattern": worker_pattern}
            ).fetchall()
            for entity_type, entity_id, worker_id, correlation in rows:
                if not correlation or not correlation.isdigit() or alive(worker_id):
                    continue
                conn.execute(
                    query("release_dead_lock"),
                    {"entity_type": entity_type, "entity_id": entity_id, "worker_id": worker_id},
                )
                self.pgmq.set_vt(self.queue, int(correlation), 0, conn=conn)
                recovered.append((int(correlation), worker_id))
        return recovered

    def dead_letter(
        self,
        message_id: int,
        entity: Entity | None,
        worker: str,
        reason: str,
        metadata: dict[str, Any],
    ) -> None:
        entity_type, entity_id = entity or (None, None)
        with self.pool.connection() as conn:
            conn.execute(
                query("dead_letter_message"),
                {
                    "queue": self.queue,
                    "message_id": message_id,
                    "entity_type": entity_type,
                    "entity_id": entity_id,
                    "worker": worker,
                    "reason": storable(reason),
                    "metadata": Jsonb(metadata),
                },
            )

    def alive(self, worker: str) -> None:
        """This worker (`host:pid:stage`) is alive (monitoring.worker_heartbeats)."""
        host, pid, _ = worker.split(":", 2)
        with self.pool.connection() as conn:
            conn.execute(
                query("worker_heartbeat"),
                {"worker": worker, "stage": self.queue, "host": host, "pid": int(pid)},
            )

    def gone(self, worker: str) -> None:
        """This worker stops: it is no longer counted as live."""
        with self.pool.connection() as conn:
            conn.execute(query("worker_forget"), {"worker": worker})

    def heartbeat(
        self, message_ids: list[int], locked: list[Entity], worker: str, vt: int
    ) -> set[Entity]:
        """Extend the messages' visibility and the locks' heartbeats; the locks lost."""
        lost: set[Entity] = set()
        with self.pool.connection() as conn:
            self.pgmq.set_vt(self.queue, message_ids, vt, conn=conn)
            for entity in locked:
                row = conn.execute(
                    query("heartbeat_lock"),
                    {"entity_type": entity[0], "entity_id": entity[1], "worker": worker},
                ).fetchone()
                if not (row and row[0]):
                    lost.add(entity)
        return lost


class Listener:
    """Wakes the loop on pgmq's insert notification for one queue; polling is the fallback."""

    def __init__(self, conninfo: str, queue: str) -> None:
        self.conninfo = conninfo
        self.channel = f"pgmq.q_{queue}.INSERT"
        self.conn: psycopg.Connection[Any] | None = None

    def wait(self, timeout: float, stopping: threading.Event) -> None:
        deadline = time.monotonic() + timeout
        while not stopping.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            try:
                connection = self._connection()
                for _ in connection.notifies(timeout=min(remaining, 0.5), stop_after=1):
                    return
            except psycopg.Error:
                self.close()
                stopping.wait(min(remaining, 1.0))

    def _connection(self) -> psycopg.Connection[Any]:
        if self.conn is None or self.conn.closed:
            self.conn = psycopg.connect(self.conninfo, autocommit=True, **CONNECTION_OPTIONS)
            self.conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.channel)))
        return self.conn

    def close(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(psycopg.Error):
                self.conn.close()
            self.conn = None


def report_refused_credentials(
    conn: psycopg.Connection[Any], worker_name: str, api: str, message: str
) -> None:
    """A critical worker issue (get_system_health turns critical): `api` refused our
    credentials; the operator must fix them and resolve the issue."""
    conn.execute(
        query("report_refused_credentials"),
        {"worker_name": worker_name, "api": api, "message": message[:2000]},
    )


def queue_depths(url: str, queues: Sequence[str]) -> dict[str, int]:
    """Messages waiting or in flight per queue (empty when the database is away)."""
    try:
        with psycopg.connect(url, autocommit=True, **CONNECTION_OPTIONS) as conn:
            rows = conn.execute(query("queue_depths_of"), {"queues": list(queues)}).fetchall()
    except psycopg.OperationalError:
        return {}
    return {name: int(length) for name, length in rows}
