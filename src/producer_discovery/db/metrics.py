"""API call metrics, buffered in memory and written to monitoring.pipeline_metrics in batches.

Metrics never stop work: recording an API call never raises and never waits long for the
database (a flush it triggers takes a connection within a few seconds or gives up), and the
buffer is capped, dropping the oldest rows (counted in `dropped`) while the database is away."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import structlog
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool

log = structlog.get_logger("producer_discovery.db.metrics")

INSERT = (
    "INSERT INTO monitoring.pipeline_metrics (metric_name, metric_value, tags, timestamp) "
    "VALUES ('api_call', %s, %s, %s)"
)


class BufferedMetrics:
    """MetricsRecorder (see clients.base): `flush()` writes what was recorded in one batch."""

    def __init__(
        self,
        pool: ConnectionPool,
        stage: str,
        flush_at: int = 200,
        capacity: int = 10_000,
        connect_timeout: float = 5.0,
    ) -> None:
        self.pool = pool
        self.stage = stage
        self.flush_at = flush_at
        self.capacity = capacity
        self.connect_timeout = connect_timeout
        self.rows: list[tuple[float, Jsonb, datetime]] = []
        self.dropped = 0
        self.quiet_until = 0.0  # after a failed flush, API calls do not try again before this
        self.lock = threading.Lock()
        self.flushing = threading.Lock()

    def record_api_call(
        self, api: str, endpoint: str, status: int, duration_ms: float, success: bool
    ) -> None:
        tags = {
            "api": api,
            "endpoint": endpoint,
            "status": status,
            "success": "true" if success else "false",
            "stage": self.stage,
        }
        with self.lock:
            self.rows.append((duration_ms, Jsonb(tags), datetime.now(UTC)))
            self._cap()
            full = len(self.rows) >= self.flush_at
        if not full or time.monotonic() < self.quiet_until:
            return
        if self.flushing.acquire(blocking=False):  # one flush at a time; others go on
            try:
                self._flush()
            except Exception as error:  # kept for the next flush; never raised into an API call
                self.quiet_until = time.monotonic() + 10.0  # the heartbeat keeps trying
                log.warning(
                    "metrics_not_written",
                    error=f"{type(error).__name__}: {error}"[:200],
                    buffered=len(self.rows),
                    dropped=self.dropped,
                )
            finally:
                self.flushing.release()

    def flush(self) -> int:
        """Write what was recorded in one batch; a failure keeps the rows and raises."""
        with self.flushing:
            return self._flush()

    def _flush(self) -> int:
        with self.lock:
            rows, self.rows = self.rows, []
        if not rows:
            return 0
        try:
            with (
                self.pool.connection(timeout=self.connect_timeout) as conn,
                conn.cursor() as cursor,
            ):
                cursor.executemany(INSERT, rows)
        except Exception:
            with self.lock:  # keep them for the next flush; metrics must not stop work
                self.rows = rows + self.rows
                self._cap()
            raise
        return len(rows)

    def _cap(self) -> None:
        """Drop the oldest rows past `capacity` (the lock is held)."""
        excess = len(self.rows) - self.capacity
        if excess > 0:
            del self.rows[:excess]
            self.dropped += excess
