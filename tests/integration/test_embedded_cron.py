"""pg_cron runs its jobs in the embedded database, which needs a password on every connection."""

from __future__ import annotations

import time
from pathlib import Path

import psycopg
import pytest

from producer_discovery.db.cluster import LocalCluster
from producer_discovery.db.embedded import EmbeddedDatabase
from producer_discovery.sources import registered_sources


@pytest.mark.slow
def test_pg_cron_jobs_succeed_in_the_embedded_database(tmp_path: Path) -> None:
    """The embedded cluster (scram-sha-256 everywhere) runs the queue monitor: a `succeeded` run
    in cron.job_run_details within about a minute, and health's maintenance part is healthy."""
    embedded = EmbeddedDatabase(tmp_path / "home")
    if not embedded.cluster().has_pg_cron:
        pytest.skip("pg_cron is not installed")
    try:
        url = embedded.ensure_running(lambda line: None, registered_sources())
        hba = (embedded.home / "pgdata" / "pg_hba.conf").read_text()
        assert "trust" not in [
            line.split()[-1]
            for line in hba.splitlines()
            if line.split() and not line.startswith("#")
        ]
        deadline = time.monotonic() + 75
        runs: list[tuple[str, str]] = []
        with psycopg.connect(url, autocommit=True) as conn:
            while time.monotonic() < deadline:
                runs = conn.execute(
                    "SELECT d.status, d.return_message FROM cron.job_run_details d "
                    "JOIN cron.job j USING (jobid) WHERE j.jobname = 'queue-monitor' "
                    "ORDER BY d.runid"
                ).fetchall()
                if any(status == "succeeded" for status, _ in runs):
                    break
                time.sleep(1)
            assert any(status == "succeeded" for status, _ in runs), runs
            health = conn.execute("SELECT public.get_system_health()").fetchone()
        assert health is not None
        assert health[0]["maintenance_health"]["status"] == "healthy", health[0]
    finally:
        embedded.cluster().destroy()


def test_a_cluster_made_before_runs_pg_cron_in_background_workers_after_an_update(
    tmp_path: Path,
) -> None:
    """update_settings appends the settings an older cluster lacks, once."""
    data = tmp_path / "pgdata"
    data.mkdir()
    (data / "postgresql.conf").write_text(
        "max_connections = 100\n# producer-discovery\nmax_worker_processes = 16\n"
    )
    cluster = LocalCluster(data, 5999, cron_database="producer_discovery")
    assert cluster.update_settings()
    text = (data / "postgresql.conf").read_text()
    assert text.rstrip().endswith("\n".join(cluster.settings()[-1:]))
    assert "max_worker_processes = 24" in text
    if cluster.has_pg_cron:
        assert "cron.use_background_workers = on" in text
    assert not cluster.update_settings()
