-- What pg_cron runs: maintenance only (the stages are long-running workers and need no cron).
-- cron.schedule() replaces a job of the same name, so re-applying this file schedules nothing
-- twice; a job dropped from this list must be unscheduled by a versioned migration
-- (SELECT cron.unschedule('name')). Debian 12's pg_cron is 1.4: minute granularity.
-- Where pg_cron is missing, or this database is not the one named by cron.database_name, the
-- migration still succeeds and says why (NOTICE); every job's function can be run by hand.
DO $$
DECLARE
  v_reason TEXT := public.pg_cron_unavailable_reason();
BEGIN
  IF v_reason IS NOT NULL THEN
    RAISE NOTICE 'maintenance schedules skipped: %. Run the maintenance functions by hand '
                 '(cleanup_stale_locks, maintenance_clear_stale_entities, monitor_queues, '
                 'monitoring.aggregate_hourly_metrics, purge_old_data, refresh_watched_artists, ...).', v_reason;
    RETURN;
  END IF;

  -- Locks, stuck entities, queue depths and metric roll-ups.
  PERFORM cron.schedule('stale-locks-cleanup-job', '*/10 * * * *',
                        'SELECT * FROM public.cleanup_stale_locks(300)');
  PERFORM cron.schedule('clear-stale-entities', '*/15 * * * *',
                        'SELECT * FROM public.maintenance_clear_stale_entities()');
  PERFORM cron.schedule('queue-monitor', '* * * * *', 'SELECT public.monitor_queues()');
  PERFORM cron.schedule('hourly-metrics-aggregation', '5 * * * *',
                        'SELECT monitoring.aggregate_hourly_metrics()');
  PERFORM cron.schedule('daily-metrics-aggregation', '15 0 * * *',
                        'SELECT monitoring.aggregate_daily_metrics()');
  -- Dead letters whose last error was transient go back to their stage.
  PERFORM cron.schedule('redrive-transient-dead-letters', '*/5 * * * *',
                        'SELECT public.redrive_transient_dead_letters()');
  -- Producers enriched long ago (settings.enrichment_ttl) or whose sources failed.
  PERFORM cron.schedule('social-enrichment-refresh', '30 4 * * *',
                        'SELECT count(*) FROM public.requeue_producer_enrichment()');
  -- Songs identified while a credit source was out.
  PERFORM cron.schedule('identification-gap-refresh', '20 * * * *',
                        'SELECT count(*) FROM public.requeue_identification_gaps()');
  -- Watched artists walked again (85_watch.sql): each hourly run queues its share of the
  -- artists due, oldest first, so every watched artist comes round once per
  -- settings.artist_refresh_interval (7 days) without a burst.
  PERFORM cron.schedule('artist-refresh', '40 * * * *',
                        'SELECT count(*) FROM public.refresh_watched_artists()');
  -- Songs identified while a source was out, as soon as it answers again (or one song as a
  -- probe once its block has passed): within a minute of its return.
  PERFORM cron.schedule('identification-gap-return', '* * * * *',
                        'SELECT public.refill_identification_gaps()');
  -- Retention.
  PERFORM cron.schedule('purge-old-monitoring-events', '0 0 * * 0',
                        'SELECT public.purge_old_monitoring_events(30)');
  PERFORM cron.schedule('purge-expired-api-cache', '45 3 * * *',
                        'SELECT public.purge_expired_api_cache()');
  PERFORM cron.schedule('purge-old-data', '0 4 * * *',
                        'SELECT count(*) FROM public.purge_old_data()');
  PERFORM cron.schedule('purge-cron-history', '30 3 * * *',
                        $job$DELETE FROM cron.job_run_details WHERE end_time < now() - interval '7 days'$job$);
  -- get_maintenance_health() (60_monitoring.sql) runs as discovery_owner and reads the
  -- queue monitor's runs: pg_cron shows each user only its own jobs (row level security).
  BEGIN
    GRANT USAGE ON SCHEMA cron TO discovery_owner;
    DROP POLICY IF EXISTS discovery_owner_reads_jobs ON cron.job;
    CREATE POLICY discovery_owner_reads_jobs ON cron.job FOR SELECT TO discovery_owner
      USING (TRUE);
    DROP POLICY IF EXISTS discovery_owner_reads_job_runs ON cron.job_run_details;
    CREATE POLICY discovery_owner_reads_job_runs ON cron.job_run_details FOR SELECT
      TO discovery_owner USING (TRUE);
  EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'pg_cron''s job history is not readable by discovery_owner: health sees '
                 'the queue monitor''s checks only';
  END;
  RAISE NOTICE 'maintenance schedules installed in pg_cron';
END;
$$;
