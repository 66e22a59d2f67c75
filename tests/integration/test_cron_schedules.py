"""pg_cron schedules are installed where pg_cron runs, and skipped elsewhere."""

from __future__ import annotations

import psycopg

from producer_discovery.db.migrate import migrate
from producer_discovery.sources import registered_sources


def test_maintenance_is_scheduled_in_the_cron_database(cron_database_url: str) -> None:
    """In cron.database_name, migrate creates pg_cron and the maintenance jobs, no stage jobs."""
    said: list[str] = []
    migrate(cron_database_url, log=said.append, sources=registered_sources())
    assert "maintenance schedules installed in pg_cron" in said
    with psycopg.connect(cron_database_url) as conn:
        jobs: dict[str, str] = dict(
            conn.execute("SELECT jobname, schedule FROM cron.job").fetchall()
        )
    assert jobs == {
        "stale-locks-cleanup-job": "*/10 * * * *",
        "clear-stale-entities": "*/15 * * * *",
        "queue-monitor": "* * * * *",
        "purge-old-monitoring-events": "0 0 * * 0",
        "hourly-metrics-aggregation": "5 * * * *",
        "daily-metrics-aggregation": "15 0 * * *",
        "purge-cron-history": "30 3 * * *",
        "social-enrichment-refresh": "30 4 * * *",
        "purge-expired-api-cache": "45 3 * * *",
        "identification-gap-refresh": "20 * * * *",
        "purge-old-data": "0 4 * * *",
        "redrive-transient-dead-letters": "*/5 * * * *",
    }


def test_schedules_are_skipped_elsewhere_with_a_reason(empty_database_url: str) -> None:
    """Outside the cron database the migration succeeds and says the schedules were skipped."""
    said: list[str] = []
    migrate(empty_database_url, log=said.append, sources=registered_sources())
    skipped = [line for line in said if line.startswith("maintenance schedules skipped")]
    assert len(skipped) == 1
    with psycopg.connect(empty_database_url) as conn:
        assert conn.execute("SELECT to_regnamespace('cron')").fetchone() == (None,)
