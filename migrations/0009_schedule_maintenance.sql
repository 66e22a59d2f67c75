-- pg_cron schedules for maintenance only (the workers are long-running: no stage needs cron).
-- Departure: the spec's stage jobs woke serverless functions (supabase.functions.invoke);
-- they are not installed. pg_cron can only be created in the database named by
-- cron.database_name, and only when it is preloaded: anywhere else this migration succeeds
-- and says (NOTICE, logged by `producer-discovery migrate`) that the schedules were skipped.
-- Debian 12 ships pg_cron 1.4: minute granularity.
-- Why pg_cron cannot be used in this database (NULL: it can, and the extension now exists).
-- Shared by every migration that schedules a job.
CREATE OR REPLACE FUNCTION public.pg_cron_unavailable_reason()
RETURNS TEXT
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_cron') THEN
    RETURN 'the pg_cron extension is not installed on this server';
  ELSIF current_setting('cron.database_name', TRUE) IS NULL THEN
    RETURN 'pg_cron is not in shared_preload_libraries';
  ELSIF current_setting('cron.database_name', TRUE) <> current_database() THEN
    RETURN format('pg_cron runs in database %L (cron.database_name), not in %L',
                  current_setting('cron.database_name', TRUE), current_database());
  END IF;
  CREATE EXTENSION IF NOT EXISTS pg_cron;
  RETURN NULL;
EXCEPTION WHEN OTHERS THEN
  RETURN 'CREATE EXTENSION pg_cron failed: ' || SQLERRM;
END;
$$;

DO $$
DECLARE
  v_reason TEXT := public.pg_cron_unavailable_reason();
BEGIN
  IF v_reason IS NOT NULL THEN
    RAISE NOTICE 'maintenance schedules skipped: %. Run the maintenance functions by hand '
                 '(cleanup_stale_locks, maintenance_clear_stale_entities, monitor_queues, '
                 'monitoring.aggregate_hourly_metrics, ...).', v_reason;
    RETURN;
  END IF;

  PERFORM cron.schedule('stale-locks-cleanup-job', '*/10 * * * *',
                        'SELECT * FROM public.cleanup_stale_locks(300)');
  PERFORM cron.schedule('clear-stale-entities', '*/15 * * * *',
                        'SELECT * FROM public.maintenance_clear_stale_entities()');
  PERFORM cron.schedule('queue-monitor', '* * * * *', 'SELECT public.monitor_queues()');
  PERFORM cron.schedule('purge-old-monitoring-events', '0 0 * * 0',
                        'SELECT public.purge_old_monitoring_events(30)');
  PERFORM cron.schedule('hourly-metrics-aggregation', '5 * * * *',
                        'SELECT monitoring.aggregate_hourly_metrics()');
  PERFORM cron.schedule('daily-metrics-aggregation', '15 0 * * *',
                        'SELECT monitoring.aggregate_daily_metrics()');
  PERFORM cron.schedule('purge-cron-history', '30 3 * * *',
                        $job$DELETE FROM cron.job_run_details WHERE end_time < now() - interval '7 days'$job$);
  RAISE NOTICE 'maintenance schedules installed in pg_cron';
END;
$$;
