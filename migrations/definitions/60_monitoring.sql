-- Health, statistics and maintenance. Every function is safe to run by hand from psql;
-- pg_cron runs the maintenance ones where it is installed (95_schedules.sql).

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
GRANT EXECUTE ON FUNCTION public.get_processing_stats() TO discovery_operator, discovery_reader;

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
GRANT EXECUTE ON FUNCTION public.get_worker_issue_stats() TO discovery_operator, discovery_reader;

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

-- Hourly roll-up of monitoring.pipeline_metrics for the last p_hours complete hours, per
-- metric and tag set; re-running replaces the same buckets.
-- Its arguments are checked first (invalid_parameter_value).
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
  IF p_hours IS NULL OR p_hours < 1 OR p_hours > 8784 THEN
    RAISE EXCEPTION 'aggregate_hourly_metrics: hours must be 1 to 8784'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
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
GRANT EXECUTE ON FUNCTION monitoring.aggregate_hourly_metrics(integer) TO discovery_operator;

-- Daily roll-up built from the hourly buckets of the last p_days complete days.
-- Its arguments are checked first (invalid_parameter_value).
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
  IF p_days IS NULL OR p_days < 1 OR p_days > 366 THEN
    RAISE EXCEPTION 'aggregate_daily_metrics: days must be 1 to 366'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
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
GRANT EXECUTE ON FUNCTION monitoring.aggregate_daily_metrics(integer) TO discovery_operator;

-- Deletes monitoring events and raw pipeline metrics older than p_days (aggregates stay).
-- Its arguments are checked first (invalid_parameter_value).
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
  IF p_days > 36500 THEN
    RAISE EXCEPTION 'purge_old_monitoring_events: days must be at most 36500'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
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
GRANT EXECUTE ON FUNCTION public.purge_old_monitoring_events(integer) TO discovery_operator;

-- Not in the original specification by body (named as the input of queue_monitoring_view):
-- one queue_monitor event per registered queue with its depth and stuck messages. A
-- stage-queue message is stuck when it has been visible, and so waiting for a worker, for
-- longer than settings.queue_stuck_after. A visible message whose deliveries were cut short
-- more than settings.max_deliveries times (not read_ct > max_attempts) is poison that killed
-- its workers: it is moved to the DLQ with a reason that says so, and counted in messagesFixed.
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
  v_poison RECORD;
  v_count INTEGER := 0;
  v_stuck_after INTERVAL := COALESCE(
    (SELECT value FROM public.settings WHERE key = 'queue_stuck_after'), '5 minutes')::INTERVAL;
  v_max_deliveries INTEGER := COALESCE(
    (SELECT value FROM public.settings WHERE key = 'max_deliveries'), '20')::INTEGER;
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
        'SELECT q.msg_id, q.read_ct - COALESCE(a.failures, 0) - COALESCE(a.set_aside, 0) AS cut '
        'FROM pgmq.%I q LEFT JOIN queue_mgmt.message_attempts a '
        'ON a.queue_name = $2 AND a.msg_id = q.msg_id '
        'WHERE q.vt <= now() '
        'AND q.read_ct - COALESCE(a.failures, 0) - COALESCE(a.set_aside, 0) > $1 '
        'ORDER BY q.msg_id LIMIT 1000',
        v_table) USING v_max_deliveries, v_queue
      LOOP
        IF public.move_to_dead_letter_queue(v_queue, v_queue || '_dlq', v_poison.msg_id::TEXT,
             format('killed its worker %s times: deliveries cut short (queue monitor)', v_poison.cut),
             jsonb_build_object('cause', 'killed_worker', 'transient', FALSE)) THEN
          DELETE FROM queue_mgmt.message_attempts
          WHERE queue_name = v_queue AND msg_id = v_poison.msg_id;
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
GRANT EXECUTE ON FUNCTION public.monitor_queues() TO discovery_operator;

-- Worker liveness (0120). A worker process calls this when it starts and every few seconds
-- while it runs (its stage: a queue, not a DLQ); its first call also deletes the rows of
-- workers not seen for a day.
CREATE OR REPLACE FUNCTION monitoring.record_worker_heartbeat(
  p_worker_id TEXT, p_stage TEXT, p_host TEXT, p_pid INTEGER)
RETURNS VOID
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
  UPDATE monitoring.worker_heartbeats SET last_seen = now() WHERE worker_id = p_worker_id;
  IF FOUND THEN
    RETURN;
  END IF;
  IF p_worker_id IS NULL OR length(p_worker_id) NOT BETWEEN 1 AND 400
     OR p_host IS NULL OR length(p_host) NOT BETWEEN 1 AND 255
     OR p_pid IS NULL OR p_pid < 1
     OR NOT EXISTS (SELECT 1 FROM pgmq.meta m
                    WHERE m.queue_name = p_stage AND m.queue_name NOT LIKE '%\_dlq') THEN
    RAISE EXCEPTION 'record_worker_heartbeat: a worker id, a stage, a host and a pid'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  DELETE FROM monitoring.worker_heartbeats WHERE last_seen < now() - INTERVAL '1 day';
  INSERT INTO monitoring.worker_heartbeats (worker_id, stage, host, pid)
  VALUES (p_worker_id, p_stage, p_host, p_pid)
  ON CONFLICT (worker_id) DO UPDATE SET last_seen = now();
END;
$$;
GRANT EXECUTE ON FUNCTION monitoring.record_worker_heartbeat(text, text, text, integer)
  TO discovery_worker;

-- A worker that stops cleanly removes its row: it is no longer live.
CREATE OR REPLACE FUNCTION monitoring.forget_worker(p_worker_id TEXT)
RETURNS VOID
LANGUAGE sql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
  DELETE FROM monitoring.worker_heartbeats WHERE worker_id = p_worker_id;
$$;
GRANT EXECUTE ON FUNCTION monitoring.forget_worker(text) TO discovery_worker;

-- Per stage: its live workers (seen within settings.worker_live_within, 60 seconds by
-- default), the workers that stopped answering, the messages in its queue (waiting or in
-- flight) and when a worker of it was last seen.
CREATE OR REPLACE FUNCTION public.get_worker_liveness()
RETURNS TABLE(stage TEXT, live_workers INTEGER, silent_workers INTEGER,
              queued_messages BIGINT, last_seen TIMESTAMPTZ)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  v_live_within INTERVAL := COALESCE(
    (SELECT value FROM public.settings WHERE key = 'worker_live_within'), '60 seconds')::INTERVAL;
  v_queue TEXT;
BEGIN
  FOR v_queue IN
    SELECT r.queue_name FROM public.queue_registry r
    JOIN pgmq.meta m ON m.queue_name = r.queue_name
    WHERE r.active AND r.queue_name NOT LIKE '%\_dlq' ORDER BY r.id
  LOOP
    stage := v_queue;
    SELECT count(*) FILTER (WHERE h.last_seen >= now() - v_live_within),
           count(*) FILTER (WHERE h.last_seen < now() - v_live_within),
           max(h.last_seen)
      INTO live_workers, silent_workers, last_seen
      FROM monitoring.worker_heartbeats h WHERE h.stage = v_queue;
    EXECUTE format('SELECT count(*) FROM pgmq.%I', pgmq.format_table_name(v_queue, 'q'))
      INTO queued_messages;
    RETURN NEXT;
  END LOOP;
END;
$$;
GRANT EXECUTE ON FUNCTION public.get_worker_liveness() TO discovery_operator, discovery_reader;

-- How far the discovery started by artist_discovery message p_msg_id has got (`discover
-- --wait`): the artist found (or not), its albums, tracks, songs, the songs whose producers
-- were identified and the producers credited, and the messages of this artist still queued
-- per stage. `idle` once the artist message is done and none of the artist's messages waits.
CREATE OR REPLACE FUNCTION public.get_discovery_progress(p_msg_id BIGINT)
RETURNS JSONB
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  v_waiting BOOLEAN;
  v_result JSONB;
  v_artist UUID;
  v_name TEXT;
  v_pending JSONB;
  v_counts JSONB;
BEGIN
  IF p_msg_id IS NULL OR p_msg_id < 1 THEN
    RAISE EXCEPTION 'get_discovery_progress: a message id' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT EXISTS (SELECT 1 FROM pgmq.q_artist_discovery q WHERE q.msg_id = p_msg_id)
    INTO v_waiting;
  SELECT o.result INTO v_result FROM idempotency.processed_operations o
  WHERE o.queue_name = 'artist_discovery' AND o.msg_id = p_msg_id
  ORDER BY o.processed_at DESC LIMIT 1;
  SELECT a.id, a.name INTO v_artist, v_name FROM public.artists a
  WHERE v_result ? 'spotify_id' AND a.spotify_id = v_result->>'spotify_id';
  IF v_artist IS NULL THEN
    RETURN jsonb_build_object(
      'artist', NULL, 'idle', NOT v_waiting,
      'outcome', CASE WHEN v_waiting THEN 'waiting'
                      ELSE COALESCE(v_result->>'outcome', 'not processed') END);
  END IF;
  WITH producers AS (
    SELECT DISTINCT tp.producer_id FROM public.track_producers tp
    JOIN public.tracks t ON t.id = tp.track_id
    JOIN public.albums al ON al.id = t.album_id
    WHERE al.artist_id = v_artist
  )
  SELECT jsonb_build_object(
    'album_discovery', (SELECT count(*) FROM pgmq.q_album_discovery q
                        WHERE q.message->>'artistId' = v_artist::TEXT),
    'track_discovery', (SELECT count(*) FROM pgmq.q_track_discovery q
                        WHERE q.message->>'artistId' = v_artist::TEXT),
    'producer_identification', (SELECT count(*) FROM pgmq.q_producer_identification q
                                WHERE q.message->>'artistId' = v_artist::TEXT),
    'social_enrichment', (SELECT count(*) FROM pgmq.q_social_enrichment q
                          WHERE q.message->>'producerId' IN
                                (SELECT producer_id::TEXT FROM producers))),
    jsonb_build_object(
      'albums', (SELECT count(*) FROM public.albums al WHERE al.artist_id = v_artist),
      'tracks', (SELECT count(*) FROM public.tracks t JOIN public.albums al ON al.id = t.album_id
                 WHERE al.artist_id = v_artist),
      'songs', (SELECT count(*) FROM public.normalized_tracks n WHERE n.artist_id = v_artist),
      'songs_identified', (SELECT count(*) FROM public.normalized_tracks n
                           JOIN public.processing_status s
                             ON s.entity_type = 'track' AND s.entity_id = n.id::TEXT
                           WHERE n.artist_id = v_artist AND s.state = 'COMPLETED'),
      'producers', (SELECT count(*) FROM producers))
  INTO v_pending, v_counts;
  RETURN jsonb_build_object(
    'artist', v_name, 'artist_id', v_artist, 'outcome', 'found',
    'idle', NOT v_waiting AND NOT EXISTS (
      SELECT 1 FROM jsonb_each(v_pending) e WHERE (e.value)::BIGINT > 0),
    'queued', v_pending) || v_counts;
END;
$$;
GRANT EXECUTE ON FUNCTION public.get_discovery_progress(bigint) TO discovery_operator;

-- Is pg_cron doing the maintenance? Where pg_cron is installed in this database, the queue
-- monitor (every minute) must have succeeded within the last 5 minutes (counted from the
-- server's start or the schedules' installation, whichever is later), and its last two runs
-- must not both have failed (cron.job_run_details, readable by discovery_owner: 95_schedules;
-- where pg_cron's tables stay hidden, the queue monitor's own checks in monitoring_events).
-- Where pg_cron is not installed, nothing is scheduled and nothing is expected.
CREATE OR REPLACE FUNCTION public.get_maintenance_health()
RETURNS JSONB
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  v_last_success TIMESTAMPTZ;
  v_last_check TIMESTAMPTZ;
  v_since TIMESTAMPTZ;
  v_recent TEXT[];
  v_error TEXT;
  v_job BOOLEAN;
  v_problem TEXT;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_cron') THEN
    RETURN jsonb_build_object('status', 'healthy', 'scheduled', FALSE,
      'detail', 'pg_cron is not installed here: run the maintenance functions by hand');
  END IF;
  BEGIN
    EXECUTE $q$SELECT EXISTS (SELECT 1 FROM cron.job WHERE jobname = 'queue-monitor')$q$
      INTO v_job;
    EXECUTE $q$
      SELECT max(d.end_time) FILTER (WHERE d.status = 'succeeded'),
             (array_agg(d.status ORDER BY d.runid DESC)
                FILTER (WHERE d.status IN ('succeeded', 'failed')))[1:2],
             (array_agg(d.return_message ORDER BY d.runid DESC)
                FILTER (WHERE d.status = 'failed'))[1]
      FROM cron.job_run_details d JOIN cron.job j ON j.jobid = d.jobid
      WHERE j.jobname = 'queue-monitor'$q$
      INTO v_last_success, v_recent, v_error;
  EXCEPTION WHEN insufficient_privilege THEN
    v_job := FALSE;  -- pg_cron's tables are hidden from us: the queue monitor's checks only
  END;
  SELECT max(e.created_at) INTO v_last_check
  FROM public.monitoring_events e WHERE e.event_type = 'queue_monitor';
  v_since := GREATEST(pg_postmaster_start_time(),
    (SELECT applied_at FROM public.schema_migrations WHERE name = 'definitions/95_schedules.sql'));
  v_last_success := GREATEST(v_last_success, v_last_check);
  IF v_job AND v_recent = ARRAY['failed', 'failed'] THEN
    v_problem := 'the queue monitor''s last runs failed: ' || COALESCE(v_error, 'no message');
  ELSIF COALESCE(v_last_success, v_since, '-infinity') < now() - INTERVAL '5 minutes' THEN
    v_problem := 'the queue monitor has not succeeded for over 5 minutes'
      || COALESCE(' (last error: ' || v_error || ')', '');
  END IF;
  RETURN jsonb_build_object(
    'status', CASE WHEN v_problem IS NULL THEN 'healthy' ELSE 'warning' END,
    'scheduled', TRUE,
    'last_success', v_last_success,
    'detail', COALESCE(v_problem, 'pg_cron runs the maintenance jobs'));
END;
$$;
GRANT EXECUTE ON FUNCTION public.get_maintenance_health() TO discovery_operator, discovery_reader;

-- The system's health for `health`, the dashboard and psql: queues, processing, worker
-- issues, worker liveness (a stage with queued messages and no live worker warns) and
-- maintenance (pg_cron's queue monitor), each healthy, warning or critical; an open critical
-- worker issue (a refused credential) makes the worker health critical.
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
  liveness_health JSONB;
  maintenance_health JSONB := public.get_maintenance_health();
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
      COUNT(*) FILTER (WHERE severity = 'critical') AS critical_issues,
      COUNT(DISTINCT worker_name) AS workers_with_issues,
      MAX(created_at) AS latest_issue_time
    FROM monitoring.worker_issues
    WHERE resolved = FALSE
  )
  SELECT jsonb_build_object(
      'status', CASE
        WHEN total_issues > 5 OR critical_issues > 0 THEN 'critical'
        WHEN total_issues > 0 THEN 'warning'
        ELSE 'healthy'
      END,
      'total_issues', total_issues,
      'critical_issues', critical_issues,
      'workers_with_issues', workers_with_issues,
      'latest_issue_time', latest_issue_time)
  INTO worker_health
  FROM open_issues;

  -- A stage with messages in its queue and no live worker: nothing will process them.
  SELECT jsonb_build_object(
      'status', CASE WHEN bool_or(l.queued_messages > 0 AND l.live_workers = 0) THEN 'warning'
                     ELSE 'healthy' END,
      'live_workers', COALESCE(jsonb_object_agg(l.stage, l.live_workers), '{}'::jsonb),
      'stages_without_workers', COALESCE(
        jsonb_agg(l.stage) FILTER (WHERE l.queued_messages > 0 AND l.live_workers = 0),
        '[]'::jsonb))
  INTO liveness_health
  FROM public.get_worker_liveness() l;

  result := jsonb_build_object(
    'timestamp', NOW(),
    'queue_health', queue_health,
    'processing_health', processing_health,
    'worker_health', worker_health,
    'liveness_health', liveness_health,
    'maintenance_health', maintenance_health,
    'overall_status', CASE
      WHEN (queue_health->>'status' = 'critical') OR
           (processing_health->>'status' = 'critical') OR
           (worker_health->>'status' = 'critical') THEN 'critical'
      WHEN (queue_health->>'status' = 'warning') OR
           (processing_health->>'status' = 'warning') OR
           (worker_health->>'status' = 'warning') OR
           (liveness_health->>'status' = 'warning') OR
           (maintenance_health->>'status' = 'warning') THEN 'warning'
      ELSE 'healthy'
    END);
  RETURN result;
END;
$$;
GRANT EXECUTE ON FUNCTION public.get_system_health() TO discovery_operator, discovery_reader;
