-- Health, statistics and maintenance. Every function is safe to run by hand from psql;
-- pg_cron runs the maintenance ones where it is installed (0009).

-- Not in the spec by body (named as the input of queue_monitoring_view): one queue_monitor
-- event per registered queue with its depth and stuck messages. A stage-queue message is
-- stuck when it has been visible, and so waiting for a worker, for longer than
-- settings.queue_stuck_after. A visible message already read more than
-- settings.max_attempts times is poison that no worker finished; the monitor moves it to the
-- DLQ and counts it in messagesFixed.
CREATE OR REPLACE FUNCTION public.monitor_queues()
RETURNS INTEGER
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  v_queue TEXT;
  v_table TEXT;
  v_is_dlq BOOLEAN;
  v_total BIGINT;
  v_stuck BIGINT;
  v_fixed INTEGER;
  v_poison BIGINT;
  v_count INTEGER := 0;
  v_stuck_after INTERVAL := COALESCE(
    (SELECT value FROM public.settings WHERE key = 'queue_stuck_after'), '5 minutes')::INTERVAL;
  v_max_attempts INTEGER := COALESCE(
    (SELECT value FROM public.settings WHERE key = 'max_attempts'), '5')::INTEGER;
BEGIN
  FOR v_queue IN
    SELECT r.queue_name FROM public.queue_registry r
    JOIN pgmq.meta m ON m.queue_name = r.queue_name
    WHERE r.active ORDER BY r.queue_name
  LOOP
    v_table := pgmq.format_table_name(v_queue, 'q');
    v_is_dlq := v_queue LIKE '%\_dlq';
    v_fixed := 0;
    IF NOT v_is_dlq THEN
      FOR v_poison IN EXECUTE format(
        'SELECT msg_id FROM pgmq.%I WHERE vt <= now() AND read_ct > $1 ORDER BY msg_id LIMIT 1000',
        v_table) USING v_max_attempts
      LOOP
        IF public.move_to_dead_letter_queue(v_queue, v_queue || '_dlq', v_poison::TEXT,
             'exceeded max_attempts without being finished (queue monitor)') THEN
          v_fixed := v_fixed + 1;
        END IF;
      END LOOP;
    END IF;
    EXECUTE format(
      'SELECT count(*), count(*) FILTER (WHERE NOT $1 AND vt < now() - $2) FROM pgmq.%I', v_table)
      INTO v_total, v_stuck USING v_is_dlq, v_stuck_after;
    INSERT INTO public.monitoring_events (event_type, details)
    VALUES ('queue_monitor', jsonb_build_object(
      'queue_name', v_queue,
      'isDeadLetterQueue', v_is_dlq,
      'totalMessagesInQueues', v_total,
      'totalStuckMessages', v_stuck,
      'messagesFixed', v_fixed));
    v_count := v_count + 1;
  END LOOP;
  RETURN v_count;
END;
$$;

CREATE OR REPLACE FUNCTION public.get_system_health()
RETURNS JSONB
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  result JSONB;
  queue_health JSONB;
  processing_health JSONB;
  worker_health JSONB;
BEGIN
  WITH queue_stats AS (
    SELECT
      COUNT(*) AS total_queues,
      COALESCE(SUM(CASE WHEN stuck_messages > 0 THEN 1 ELSE 0 END), 0) AS queues_with_stuck_messages,
      COALESCE(SUM(stuck_messages), 0) AS total_stuck_messages,
      MAX(last_check_time) AS last_check_time
    FROM public.queue_monitoring_view
  )
  SELECT jsonb_build_object(
      'status', CASE
        WHEN total_stuck_messages > 10 THEN 'critical'
        WHEN total_stuck_messages > 0 THEN 'warning'
        ELSE 'healthy'
      END,
      'queues_checked', total_queues,
      'queues_with_issues', queues_with_stuck_messages,
      'total_stuck_messages', total_stuck_messages,
      'last_check_time', last_check_time)
  INTO queue_health
  FROM queue_stats;

  WITH processing_stats AS (
    SELECT
      COUNT(*) AS total_entities,
      COALESCE(SUM(CASE WHEN state = 'IN_PROGRESS' AND last_processed_at < NOW() - INTERVAL '30 minutes'
                        THEN 1 ELSE 0 END), 0) AS stuck_entities,
      COALESCE(SUM(CASE WHEN state = 'FAILED' THEN 1 ELSE 0 END), 0) AS failed_entities
    FROM public.processing_status
    WHERE updated_at > NOW() - INTERVAL '24 hours'
  )
  SELECT jsonb_build_object(
      'status', CASE
        WHEN stuck_entities > 5 OR failed_entities > 10 THEN 'critical'
        WHEN stuck_entities > 0 OR failed_entities > 0 THEN 'warning'
        ELSE 'healthy'
      END,
      'entities_checked', total_entities,
      'stuck_entities', stuck_entities,
      'failed_entities', failed_entities)
  INTO processing_health
  FROM processing_stats;

  WITH open_issues AS (
    SELECT
      COUNT(*) AS total_issues,
      COUNT(DISTINCT worker_name) AS workers_with_issues,
      MAX(created_at) AS latest_issue_time
    FROM monitoring.worker_issues
    WHERE resolved = FALSE
  )
  SELECT jsonb_build_object(
      'status', CASE
        WHEN total_issues > 5 THEN 'critical'
        WHEN total_issues > 0 THEN 'warning'
        ELSE 'healthy'
      END,
      'total_issues', total_issues,
      'workers_with_issues', workers_with_issues,
      'latest_issue_time', latest_issue_time)
  INTO worker_health
  FROM open_issues;

  result := jsonb_build_object(
    'timestamp', NOW(),
    'queue_health', queue_health,
    'processing_health', processing_health,
    'worker_health', worker_health,
    'overall_status', CASE
      WHEN (queue_health->>'status' = 'critical') OR
           (processing_health->>'status' = 'critical') OR
           (worker_health->>'status' = 'critical') THEN 'critical'
      WHEN (queue_health->>'status' = 'warning') OR
           (processing_health->>'status' = 'warning') OR
           (worker_health->>'status' = 'warning') THEN 'warning'
      ELSE 'healthy'
    END);
  RETURN result;
END;
$$;

-- Departure: the spec's version did not run (a bare DELETE … RETURNING has no destination in
-- plpgsql) and returned the new state of reset rows instead of the previous one. This deletes
-- locks whose heartbeat is over an hour old and resets IN_PROGRESS statuses untouched for an
-- hour (and not covered by a live lock) to PENDING, one row per action, with the state the
-- entity was in before.
CREATE OR REPLACE FUNCTION public.maintenance_clear_stale_entities()
RETURNS TABLE(entity_type TEXT, entity_id TEXT, state TEXT, action TEXT)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  WITH deleted AS (
    DELETE FROM public.processing_locks l
    WHERE l.last_heartbeat < NOW() - INTERVAL '1 hour'
    RETURNING l.entity_type, l.entity_id
  )
  SELECT d.entity_type, d.entity_id,
         (SELECT s.state FROM public.processing_status s
          WHERE s.entity_type = d.entity_type AND s.entity_id = d.entity_id),
         'lock_deleted'::TEXT
  FROM deleted d;

  RETURN QUERY
  WITH previous AS (
    SELECT s.id, s.state AS previous_state
    FROM public.processing_status s
    WHERE s.state = 'IN_PROGRESS'
      AND s.last_processed_at < NOW() - INTERVAL '1 hour'
      AND NOT EXISTS (
        SELECT 1 FROM public.processing_locks l
        WHERE l.entity_type = s.entity_type AND l.entity_id = s.entity_id
          AND l.last_heartbeat >= NOW() - make_interval(secs => l.ttl_seconds))
    FOR UPDATE
  ), updated AS (
    UPDATE public.processing_status s
    SET state = 'PENDING',
        last_processed_at = NOW(),
        updated_at = NOW(),
        metadata = jsonb_set(COALESCE(s.metadata, '{}'::jsonb), '{auto_maintenance}',
                             jsonb_build_object('previous_state', p.previous_state, 'reset_at', NOW()))
    FROM previous p
    WHERE s.id = p.id
    RETURNING s.entity_type, s.entity_id, p.previous_state
  )
  SELECT u.entity_type, u.entity_id, u.previous_state, 'status_reset'::TEXT FROM updated u;
END;
$$;

CREATE OR REPLACE FUNCTION public.get_processing_stats()
RETURNS TABLE(
  entity_type TEXT, state TEXT, entity_count BIGINT, dead_lettered_count BIGINT,
  avg_attempts NUMERIC, oldest_update TIMESTAMPTZ, newest_update TIMESTAMPTZ
)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
  SELECT s.entity_type, s.state, count(*), count(*) FILTER (WHERE s.dead_lettered),
         round(avg(s.attempts), 2), min(s.updated_at), max(s.updated_at)
  FROM public.processing_status s
  GROUP BY s.entity_type, s.state
  ORDER BY s.entity_type, s.state;
$$;

CREATE OR REPLACE FUNCTION public.get_worker_issue_stats()
RETURNS TABLE(
  worker_name TEXT, issue_type TEXT, severity TEXT, total BIGINT, unresolved BIGINT,
  latest TIMESTAMPTZ
)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
  SELECT i.worker_name, i.issue_type, i.severity, count(*),
         count(*) FILTER (WHERE NOT i.resolved), max(i.created_at)
  FROM (
    SELECT worker_name, issue_type, severity, COALESCE(resolved, FALSE) AS resolved, created_at
    FROM monitoring.worker_issues
    UNION ALL
    SELECT worker_name, issue_type, 'error', COALESCE(resolved, FALSE), created_at
    FROM public.worker_issues
  ) i
  GROUP BY i.worker_name, i.issue_type, i.severity
  ORDER BY count(*) FILTER (WHERE NOT i.resolved) DESC, i.worker_name, i.issue_type;
$$;

-- Entities whose status and lock disagree.
CREATE OR REPLACE FUNCTION public.find_inconsistent_states()
RETURNS TABLE(entity_type TEXT, entity_id TEXT, state TEXT, issue TEXT, details JSONB)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
  SELECT s.entity_type, s.entity_id, s.state, 'in_progress_without_lock',
         jsonb_build_object('last_processed_at', s.last_processed_at)
  FROM public.processing_status s
  WHERE s.state = 'IN_PROGRESS'
    AND s.last_processed_at < NOW() - INTERVAL '30 minutes'
    AND NOT EXISTS (SELECT 1 FROM public.processing_locks l
                    WHERE l.entity_type = s.entity_type AND l.entity_id = s.entity_id)
  UNION ALL
  SELECT s.entity_type, s.entity_id, s.state, 'stale_lock',
         jsonb_build_object('worker_id', l.worker_id, 'last_heartbeat', l.last_heartbeat,
                            'ttl_seconds', l.ttl_seconds)
  FROM public.processing_status s
  JOIN public.processing_locks l ON l.entity_type = s.entity_type AND l.entity_id = s.entity_id
  WHERE s.state = 'IN_PROGRESS'
    AND l.last_heartbeat < NOW() - make_interval(secs => l.ttl_seconds)
  UNION ALL
  SELECT l.entity_type, l.entity_id, s.state, 'lock_without_work',
         jsonb_build_object('worker_id', l.worker_id, 'last_heartbeat', l.last_heartbeat)
  FROM public.processing_locks l
  LEFT JOIN public.processing_status s
    ON s.entity_type = l.entity_type AND s.entity_id = l.entity_id
  WHERE s.state IS DISTINCT FROM 'IN_PROGRESS'
  UNION ALL
  SELECT s.entity_type, s.entity_id, s.state, 'dead_lettered_but_not_failed',
         jsonb_build_object('last_error', s.last_error)
  FROM public.processing_status s
  WHERE s.dead_lettered AND s.state <> 'FAILED'
  ORDER BY 1, 2;
$$;

-- Resets entities of one type stuck IN_PROGRESS for more than p_minutes (and without a live
-- lock) to PENDING, dropping their locks.
CREATE OR REPLACE FUNCTION public.reset_entity_processing_state(
  p_entity_type TEXT,
  p_minutes INTEGER DEFAULT 60
)
RETURNS TABLE(entity_id TEXT, previous_state TEXT, new_state TEXT)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
#variable_conflict use_column
BEGIN
  IF p_minutes IS NULL OR p_minutes < 0 THEN
    RAISE EXCEPTION 'reset_entity_processing_state: minutes must be >= 0'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN QUERY
  WITH stuck AS (
    SELECT s.id, s.entity_id, s.state
    FROM public.processing_status s
    WHERE s.entity_type = p_entity_type
      AND s.state = 'IN_PROGRESS'
      AND s.last_processed_at < NOW() - make_interval(mins => p_minutes)
      AND NOT EXISTS (
        SELECT 1 FROM public.processing_locks l
        WHERE l.entity_type = s.entity_type AND l.entity_id = s.entity_id
          AND l.last_heartbeat >= NOW() - make_interval(secs => l.ttl_seconds))
    FOR UPDATE
  ), unlocked AS (
    DELETE FROM public.processing_locks l
    USING stuck
    WHERE l.entity_type = p_entity_type AND l.entity_id = stuck.entity_id
  ), reset AS (
    UPDATE public.processing_status s
    SET state = 'PENDING', updated_at = NOW(), last_processed_at = NOW(),
        metadata = jsonb_set(COALESCE(s.metadata, '{}'::jsonb), '{manual_reset}',
                             jsonb_build_object('previous_state', stuck.state, 'reset_at', NOW()))
    FROM stuck
    WHERE s.id = stuck.id
    RETURNING s.entity_id, stuck.state AS previous_state
  )
  SELECT r.entity_id, r.previous_state, 'PENDING'::TEXT FROM reset r;
END;
$$;

-- Deletes locks whose heartbeat is older than p_stale_seconds and puts their entities back
-- to PENDING, so the next delivery of the message can take them at once.
CREATE OR REPLACE FUNCTION public.cleanup_stale_locks(p_stale_seconds INTEGER DEFAULT 300)
RETURNS TABLE(entity_type TEXT, entity_id TEXT, worker_id TEXT, last_heartbeat TIMESTAMPTZ)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
#variable_conflict use_column
BEGIN
  IF p_stale_seconds IS NULL OR p_stale_seconds < 0 THEN
    RAISE EXCEPTION 'cleanup_stale_locks: seconds must be >= 0'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN QUERY
  WITH deleted AS (
    DELETE FROM public.processing_locks l
    WHERE l.last_heartbeat < NOW() - make_interval(secs => p_stale_seconds)
    RETURNING l.entity_type, l.entity_id, l.worker_id, l.last_heartbeat
  ), released AS (
    UPDATE public.processing_status s
    SET state = 'PENDING', updated_at = NOW(),
        last_error = COALESCE(s.last_error, 'lock expired: worker stopped heartbeating')
    FROM deleted d
    WHERE s.entity_type = d.entity_type AND s.entity_id = d.entity_id AND s.state = 'IN_PROGRESS'
  )
  SELECT d.entity_type, d.entity_id, d.worker_id, d.last_heartbeat FROM deleted d;
END;
$$;

-- Deletes monitoring events and raw pipeline metrics older than p_days (aggregates stay).
CREATE OR REPLACE FUNCTION public.purge_old_monitoring_events(p_days INTEGER DEFAULT 30)
RETURNS INTEGER
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  v_events INTEGER;
  v_metrics INTEGER;
BEGIN
  IF p_days IS NULL OR p_days < 1 THEN
    RAISE EXCEPTION 'purge_old_monitoring_events: days must be >= 1'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  DELETE FROM public.monitoring_events WHERE created_at < NOW() - make_interval(days => p_days);
  GET DIAGNOSTICS v_events = ROW_COUNT;
  DELETE FROM monitoring.pipeline_metrics WHERE timestamp < NOW() - make_interval(days => p_days);
  GET DIAGNOSTICS v_metrics = ROW_COUNT;
  RETURN v_events + v_metrics;
END;
$$;

-- Hourly roll-up of monitoring.pipeline_metrics for the last p_hours complete hours, per
-- metric and tag set; re-running replaces the same buckets.
CREATE OR REPLACE FUNCTION monitoring.aggregate_hourly_metrics(p_hours INTEGER DEFAULT 24)
RETURNS INTEGER
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, monitoring, pg_temp
AS $$
DECLARE
  v_rows INTEGER;
  v_until TIMESTAMPTZ := date_trunc('hour', NOW());
BEGIN
  INSERT INTO monitoring.aggregated_metrics AS a (
    metric_name, period, period_start, min_value, max_value, avg_value, sum_value,
    count_value, dimensions)
  SELECT m.metric_name, 'hour', date_trunc('hour', m.timestamp), min(m.metric_value),
         max(m.metric_value), avg(m.metric_value), sum(m.metric_value), count(*),
         COALESCE(m.tags, '{}'::jsonb)
  FROM monitoring.pipeline_metrics m
  WHERE m.timestamp >= v_until - make_interval(hours => p_hours) AND m.timestamp < v_until
  GROUP BY m.metric_name, date_trunc('hour', m.timestamp), COALESCE(m.tags, '{}'::jsonb)
  ON CONFLICT (metric_name, period, period_start, dimensions) DO UPDATE SET
    min_value = EXCLUDED.min_value, max_value = EXCLUDED.max_value,
    avg_value = EXCLUDED.avg_value, sum_value = EXCLUDED.sum_value,
    count_value = EXCLUDED.count_value;
  GET DIAGNOSTICS v_rows = ROW_COUNT;
  RETURN v_rows;
END;
$$;

-- Daily roll-up built from the hourly buckets of the last p_days complete days.
CREATE OR REPLACE FUNCTION monitoring.aggregate_daily_metrics(p_days INTEGER DEFAULT 2)
RETURNS INTEGER
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, monitoring, pg_temp
AS $$
DECLARE
  v_rows INTEGER;
  v_until TIMESTAMPTZ := date_trunc('day', NOW());
BEGIN
  INSERT INTO monitoring.aggregated_metrics AS a (
    metric_name, period, period_start, min_value, max_value, avg_value, sum_value,
    count_value, dimensions)
  SELECT h.metric_name, 'day', date_trunc('day', h.period_start), min(h.min_value),
         max(h.max_value), sum(h.sum_value) / NULLIF(sum(h.count_value), 0), sum(h.sum_value),
         sum(h.count_value), h.dimensions
  FROM monitoring.aggregated_metrics h
  WHERE h.period = 'hour'
    AND h.period_start >= v_until - make_interval(days => p_days) AND h.period_start < v_until
  GROUP BY h.metric_name, date_trunc('day', h.period_start), h.dimensions
  ON CONFLICT (metric_name, period, period_start, dimensions) DO UPDATE SET
    min_value = EXCLUDED.min_value, max_value = EXCLUDED.max_value,
    avg_value = EXCLUDED.avg_value, sum_value = EXCLUDED.sum_value,
    count_value = EXCLUDED.count_value;
  GET DIAGNOSTICS v_rows = ROW_COUNT;
  RETURN v_rows;
END;
$$;
