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
        "identification-gap-return": "* * * * *",
        "purge-old-data": "0 4 * * *",
        "redrive-transient-dead-letters": "*/5 * * * *",
        "artist-refresh": "40 * * * *",
    }


def test_schedules_are_skipped_elsewhere_with_a_reason(empty_database_url: str) -> None:
    """Outside the cron database the migration succeeds and says the schedules were skipped."""
    said: list[str] = []
    migrate(empty_database_url, log=said.append, sources=registered_sources())
    skipped = [line for line in said if line.startswith("maintenance schedules skipped")]
    assert len(skipped) == 1
    with psycopg.connect(empty_database_url) as conn:
        assert conn.execute("SELECT to_regnamespace('cron')").fetchone() == (None,)


def test_health_warns_when_the_queue_monitor_fails_or_falls_silent(cron_database_url: str) -> None:
    """Maintenance health: healthy after migrate; warning when the queue monitor's last runs
    failed (with pg_cron's message) or its last success is over 5 minutes old."""
    migrate(cron_database_url, sources=registered_sources())
    with psycopg.connect(cron_database_url, autocommit=True) as conn:

        def maintenance() -> dict[str, object]:
            row = conn.execute("SELECT get_system_health()").fetchone()
            assert row is not None
            part: dict[str, object] = row[0]["maintenance_health"]
            return part

        assert maintenance()["status"] == "healthy"
        assert maintenance()["scheduled"] is True
        # The real job must not run while the test writes its history.
        conn.execute(
            "SELECT cron.alter_job(jobid, schedule => '0 0 1 1 *') FROM cron.job "
            "WHERE jobname = 'queue-monitor'"
        )
        conn.execute("DELETE FROM cron.job_run_details")
        conn.execute("DELETE FROM monitoring_events WHERE event_type = 'queue_monitor'")

        def run(status: str, ago: str, message: str) -> None:
            conn.execute(
                "INSERT INTO cron.job_run_details (jobid, status, return_message, start_time, "
                "end_time) SELECT jobid, %s, %s, now() - %s::interval, now() - %s::interval "
                "FROM cron.job WHERE jobname = 'queue-monitor'",
                (status, message, ago, ago),
            )

        run("succeeded", "2 minutes", "1 row")
        run("failed", "1 minute", "connection failed")
        assert maintenance()["status"] == "healthy"  # one failure is not yet a pattern
        run("failed", "0 minutes", "connection failed")
        assert maintenance()["status"] == "warning"
        assert "connection failed" in str(maintenance()["detail"])

        conn.execute("DELETE FROM cron.job_run_details")
        run("succeeded", "10 minutes", "1 row")
        assert maintenance()["status"] == "warning"
        assert "over 5 minutes" in str(maintenance()["detail"])
        run("succeeded", "0 minutes", "1 row")
        assert maintenance()["status"] == "healthy"
        row = conn.execute("SELECT get_system_health()->>'overall_status'").fetchone()
        assert row == ("healthy",)


def test_maintenance_health_expects_nothing_without_pg_cron(database_url: str) -> None:
    """Where pg_cron is not installed nothing is scheduled, and health does not warn for it."""
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT get_system_health()->'maintenance_health'").fetchone()
    assert row is not None
    assert row[0]["status"] == "healthy"
    assert row[0]["scheduled"] is False
