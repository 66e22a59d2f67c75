"""API call metrics, buffered in memory and written to monitoring.pipeline_metrics in batches."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool

INSERT = (
    "INSERT INTO monitoring.pipeline_metrics (metric_name, metric_value, tags, timestamp) "
    "VALUES ('api_call', %s, %s, %s)"
)


class BufferedMetrics:
    """MetricsRecorder (see clients.base): `flush()` writes what was recorded in one batch."""

    def __init__(self, pool: ConnectionPool, stage: str, flush_at: int = 200) -> None:
        self.pool = pool
        self.stage = stage
        self.flush_at = flush_at
        self.rows: list[tuple[float, Jsonb, datetime]] = []
        self.lock = threading.Lock()

    def record_api_call(
        self, api: str, endpoint: str, status: int, duration_ms: float, success: bool
    ) -> None:
        tags = {"api": api, "endpoint": endpoint, "status": status,
                "success": "true" if success else "false", "stage": self.stage}
        with self.lock:
            self.rows.append((duration_ms, Jsonb(tags), datetime.now(UTC)))
            full = len(self.rows) >= self.flush_at
        if full:
            self.flush()

    def flush(self) -> int:
        with self.lock:
            rows, self.rows = self.rows, []
        if not rows:
            return 0
        try:
            with self.pool.connection() as conn, conn.cursor() as cursor:
                cursor.executemany(INSERT, rows)
        except Exception:
            with self.lock:  # keep them for the next flush; metrics must not stop work
                self.rows = rows + self.rows
            raise
        return len(rows)
