-- The pipeline as the dashboard, `producer-discovery status`/`dlq` and psql see it:
--   SELECT get_pipeline_overview();        queues, processing states, dead letters, issues, health
--   SELECT get_pipeline_history(24);       per hour: finished messages, errors, API calls, depths
--   SELECT * FROM replay_dead_letters('artist_discovery_dlq', 3);   re-drive dead letters

-- replay_dead_letters (re-drive dead letters to their own stage) is migration 0051's.

-- Everything the dashboard shows now, in one call: queue depths (pgmq's metrics of the
-- registered queues), processing states, the dead letters (newest first, at most 100, their
-- payload without metadata), worker issues (statistics and the latest open ones), the last
-- 15 minutes' throughput, the catalogue's size with how many track editions were folded into
-- one song (deduplication) and get_system_health().
CREATE OR REPLACE FUNCTION public.get_pipeline_overview()
RETURNS JSONB
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
  SELECT jsonb_build_object(
    'queues', COALESCE((
      SELECT jsonb_agg(jsonb_build_object(
               'queue_name', m.queue_name, 'display_name', r.display_name,
               'queue_length', m.queue_length, 'queue_visible_length', m.queue_visible_length,
               'oldest_msg_age_sec', m.oldest_msg_age_sec, 'total_messages', m.total_messages)
             ORDER BY m.queue_name LIKE '%\_dlq', r.id)
      FROM pgmq.metrics_all() m
      JOIN public.queue_registry r ON r.queue_name = m.queue_name), '[]'::JSONB),
    'processing', COALESCE((
      SELECT jsonb_agg(to_jsonb(s)) FROM public.get_processing_stats() s), '[]'::JSONB),
    'dead_letter_count', (SELECT count(*) FROM public.dlq_messages),
    'dead_letters', COALESCE((
      SELECT jsonb_agg(jsonb_build_object(
               'queue_name', d.queue_name, 'message_id', d.message_id,
               'source_queue', d.source_queue, 'original_msg_id', d.original_msg_id,
               'moved_to_dlq_at', d.moved_to_dlq_at, 'failure_reason', d.failure_reason,
               'message', d.full_message - '_dlq_metadata')
             ORDER BY d.moved_to_dlq_at DESC NULLS LAST, d.message_id DESC)
      FROM (SELECT * FROM public.dlq_messages
            ORDER BY moved_to_dlq_at DESC NULLS LAST, message_id DESC LIMIT 100) d),
      '[]'::JSONB),
    'worker_issue_stats', COALESCE((
      SELECT jsonb_agg(to_jsonb(w)) FROM public.get_worker_issue_stats() w), '[]'::JSONB),
    'open_worker_issues', COALESCE((
      SELECT jsonb_agg(jsonb_build_object(
               'worker_name', i.worker_name, 'issue_type', i.issue_type,
               'severity', i.severity, 'message', i.message, 'created_at', i.created_at)
             ORDER BY i.created_at DESC)
      FROM (SELECT * FROM monitoring.worker_issues WHERE NOT COALESCE(resolved, FALSE)
            ORDER BY created_at DESC LIMIT 20) i), '[]'::JSONB),
    'throughput_last_15_minutes', COALESCE((
      SELECT jsonb_agg(jsonb_build_object('queue_name', o.queue_name, 'finished', o.finished,
                                          'per_minute', round(o.finished / 15.0, 2))
             ORDER BY o.queue_name)
      FROM (SELECT p.queue_name, count(*) AS finished
            FROM idempotency.processed_operations p
            WHERE p.processed_at > now() - interval '15 minutes'
            GROUP BY p.queue_name) o), '[]'::JSONB),
    'catalogue', (
      SELECT jsonb_build_object(
        'artists', (SELECT count(*) FROM public.artists),
        'albums', (SELECT count(*) FROM public.albums),
        'tracks', (SELECT count(*) FROM public.tracks),
        'songs', (SELECT count(*) FROM public.normalized_tracks),
        'producers', (SELECT count(*) FROM public.producers),
        'credits', (SELECT count(*) FROM public.track_producers),
        'editions_folded', (SELECT count(*) FROM public.tracks)
                           - (SELECT count(*) FROM public.normalized_tracks),
        'credits_from_several_sources', (
          SELECT count(*) FROM public.track_producers WHERE source LIKE '%+%'))),
    'health', public.get_system_health());
$$;

-- Per hour over the last p_hours (the current hour included), for the dashboard's charts:
-- messages finished per stage (idempotency ledger), errors (worker issues and failed API
-- calls), API calls and their mean duration, and the latest depth of each queue the queue
-- monitor recorded in that hour. API calls come from the hourly roll-up
-- (monitoring.aggregate_hourly_metrics, run by pg_cron) for the hours it covers and from the
-- raw monitoring.pipeline_metrics after them, so the cost stays small however busy the APIs.
CREATE OR REPLACE FUNCTION public.get_pipeline_history(p_hours INTEGER DEFAULT 24)
RETURNS JSONB
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
  WITH bounds AS (
    SELECT date_trunc('hour', now()) - make_interval(hours => greatest(1, least(p_hours, 168)) - 1)
           AS since
  ), hours AS (
    SELECT generate_series((SELECT since FROM bounds), date_trunc('hour', now()),
                           interval '1 hour') AS hour
  ), rolled AS (
    SELECT COALESCE(max(a.period_start) + interval '1 hour', (SELECT since FROM bounds)) AS until
    FROM monitoring.aggregated_metrics a
    WHERE a.metric_name = 'api_call' AND a.period = 'hour'
      AND a.period_start >= (SELECT since FROM bounds)
  ), api AS (
    SELECT a.period_start AS hour, a.dimensions ->> 'api' AS api, sum(a.count_value) AS calls,
           COALESCE(sum(a.count_value) FILTER (WHERE a.dimensions ->> 'success' = 'false'), 0) AS errors,
           sum(a.sum_value) AS total_ms
    FROM monitoring.aggregated_metrics a
    WHERE a.metric_name = 'api_call' AND a.period = 'hour'
      AND a.period_start >= (SELECT since FROM bounds) AND a.period_start < (SELECT until FROM rolled)
    GROUP BY 1, 2
    UNION ALL
    SELECT date_trunc('hour', m.timestamp), m.tags ->> 'api', count(*),
           count(*) FILTER (WHERE m.tags ->> 'success' = 'false'), sum(m.metric_value)
    FROM monitoring.pipeline_metrics m
    WHERE m.metric_name = 'api_call'
      AND m.timestamp >= greatest((SELECT since FROM bounds), (SELECT until FROM rolled))
    GROUP BY 1, 2
  )
  SELECT jsonb_build_object(
    'hours', (SELECT jsonb_agg(h.hour ORDER BY h.hour) FROM hours h),
    'finished', COALESCE((
      SELECT jsonb_agg(jsonb_build_object('hour', x.hour, 'queue_name', x.queue_name, 'count', x.n)
                       ORDER BY x.hour, x.queue_name)
      FROM (SELECT date_trunc('hour', p.processed_at) AS hour, p.queue_name, count(*) AS n
            FROM idempotency.processed_operations p
            WHERE p.processed_at >= (SELECT since FROM bounds)
            GROUP BY 1, 2) x), '[]'::JSONB),
    'errors', COALESCE((
      SELECT jsonb_agg(jsonb_build_object('hour', x.hour, 'kind', x.kind, 'count', x.n)
                       ORDER BY x.hour, x.kind)
      FROM (SELECT date_trunc('hour', i.created_at) AS hour, 'worker_issue' AS kind, count(*) AS n
            FROM monitoring.worker_issues i
            WHERE i.created_at >= (SELECT since FROM bounds)
            GROUP BY 1
            UNION ALL
            SELECT api.hour, 'api_error', sum(api.errors)
            FROM api
            GROUP BY 1
            HAVING sum(api.errors) > 0) x), '[]'::JSONB),
    'api_calls', COALESCE((
      SELECT jsonb_agg(jsonb_build_object('hour', x.hour, 'api', x.api, 'count', x.calls,
                                          'avg_ms', round((x.total_ms / x.calls)::NUMERIC, 1))
                       ORDER BY x.hour, x.api)
      FROM (SELECT api.hour, api.api, sum(api.calls) AS calls, sum(api.total_ms) AS total_ms
            FROM api GROUP BY 1, 2) x), '[]'::JSONB),
    'depths', COALESCE((
      SELECT jsonb_agg(jsonb_build_object('hour', x.hour, 'queue_name', x.queue_name,
                                          'depth', x.depth)
                       ORDER BY x.hour, x.queue_name)
      FROM (SELECT DISTINCT ON (date_trunc('hour', e.created_at), e.details ->> 'queue_name')
                   date_trunc('hour', e.created_at) AS hour, e.details ->> 'queue_name' AS queue_name,
                   (e.details ->> 'totalMessagesInQueues')::BIGINT AS depth
            FROM public.monitoring_events e
            WHERE e.event_type = 'queue_monitor' AND e.created_at >= (SELECT since FROM bounds)
            ORDER BY date_trunc('hour', e.created_at), e.details ->> 'queue_name',
                     e.created_at DESC) x), '[]'::JSONB));
$$;

REVOKE ALL ON FUNCTION public.get_pipeline_overview() FROM PUBLIC;
REVOKE ALL ON FUNCTION public.get_pipeline_history(INTEGER) FROM PUBLIC;
DO $$
DECLARE
  v_role TEXT;
BEGIN
  FOREACH v_role IN ARRAY ARRAY['discovery_reader', 'discovery_operator'] LOOP
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = v_role) THEN
      EXECUTE format('GRANT EXECUTE ON FUNCTION public.get_pipeline_overview() TO %I', v_role);
      EXECUTE format('GRANT EXECUTE ON FUNCTION public.get_pipeline_history(INTEGER) TO %I', v_role);
    END IF;
  END LOOP;
  -- Replaying changes state: operators only.
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'discovery_operator') THEN
  END IF;
END;
$$;
