-- Retention: how long each kind of data is kept (public.settings), what it weighs, and the
-- daily purge.

-- The age kept for one kind of data: its setting, at least a day.
CREATE OR REPLACE FUNCTION public.retention_age(p_key TEXT)
RETURNS INTERVAL
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  v_age INTERVAL;
BEGIN
  SELECT s.value::INTERVAL INTO v_age FROM public.settings s WHERE s.key = p_key;
  v_age := coalesce(v_age, INTERVAL '30 days');
  IF v_age < INTERVAL '1 day' THEN
    RAISE EXCEPTION 'setting % must be at least 1 day, not %', p_key, v_age
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN v_age;
END;
$$;

CREATE OR REPLACE FUNCTION public.purge_old_data()
RETURNS TABLE(data TEXT, deleted BIGINT)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  v_queue TEXT;
  v_count BIGINT;
  v_total BIGINT := 0;
  v_oldest TIMESTAMPTZ;
  v_cutoff TIMESTAMPTZ;
BEGIN
  -- One purge at a time (cron and a hand-run call).
  PERFORM pg_advisory_xact_lock(hashtext('public.purge_old_data'));

  FOR v_queue IN SELECT m.queue_name FROM pgmq.meta m ORDER BY m.queue_name LOOP
    EXECUTE format('DELETE FROM pgmq.%I WHERE archived_at < now() - $1',
                   pgmq.format_table_name(v_queue, 'a'))
      USING public.retention_age('retention_archive');
    GET DIAGNOSTICS v_count = ROW_COUNT;
    v_total := v_total + v_count;
  END LOOP;
  data := 'pgmq archives'; deleted := v_total; RETURN NEXT;

  v_total := 0;
  FOR v_queue IN SELECT DISTINCT o.queue_name FROM idempotency.processed_operations o LOOP
    v_cutoff := now() - public.retention_age('retention_idempotency');
    -- a duplicate can still arrive while an older message waits in the queue or its DLQ
    FOR v_oldest IN
      SELECT pgmq_oldest.enqueued_at FROM (
        SELECT public.oldest_enqueued_at(v_queue) AS enqueued_at
        UNION ALL
        SELECT public.oldest_enqueued_at(v_queue || '_dlq')) pgmq_oldest
      WHERE pgmq_oldest.enqueued_at IS NOT NULL
    LOOP
      v_cutoff := least(v_cutoff, v_oldest);
    END LOOP;
    DELETE FROM idempotency.processed_operations o
    WHERE o.queue_name = v_queue AND o.processed_at < v_cutoff;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    v_total := v_total + v_count;
  END LOOP;
  data := 'idempotency records'; deleted := v_total; RETURN NEXT;

  DELETE FROM queue_mgmt.problematic_messages p
  WHERE p.created_at < now() - public.retention_age('retention_problematic_messages');
  GET DIAGNOSTICS v_count = ROW_COUNT;
  data := 'problematic messages'; deleted := v_count; RETURN NEXT;

  DELETE FROM monitoring.worker_issues i
  WHERE i.created_at < now() - public.retention_age('retention_worker_issues');
  GET DIAGNOSTICS v_count = ROW_COUNT;
  DELETE FROM public.worker_issues i
  WHERE i.created_at < now() - public.retention_age('retention_worker_issues');
  GET DIAGNOSTICS v_total = ROW_COUNT;
  data := 'worker issues'; deleted := v_count + v_total; RETURN NEXT;

  DELETE FROM public.monitoring_events e
  WHERE e.created_at < now() - public.retention_age('retention_monitoring_events');
  GET DIAGNOSTICS v_count = ROW_COUNT;
  data := 'monitoring events'; deleted := v_count; RETURN NEXT;
END;
$$;
GRANT EXECUTE ON FUNCTION public.purge_old_data() TO discovery_operator;

-- When the oldest message waiting in a queue was sent (NULL: empty, or no such queue).
CREATE OR REPLACE FUNCTION public.oldest_enqueued_at(p_queue TEXT)
RETURNS TIMESTAMPTZ
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  v_oldest TIMESTAMPTZ;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pgmq.meta m WHERE m.queue_name = p_queue) THEN
    RETURN NULL;
  END IF;
  EXECUTE format('SELECT min(enqueued_at) FROM pgmq.%I', pgmq.format_table_name(p_queue, 'q'))
    INTO v_oldest;
  RETURN v_oldest;
END;
$$;

-- What the purge keeps in check, for `producer-discovery status`: rows, the oldest row, the
-- bytes on disk (tables and their indexes) and the age kept.
CREATE OR REPLACE FUNCTION public.get_retention_stats()
RETURNS TABLE(data TEXT, row_count BIGINT, oldest TIMESTAMPTZ, bytes BIGINT, kept INTERVAL)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  v_queue TEXT;
  v_rows BIGINT;
  v_oldest TIMESTAMPTZ;
  v_all_rows BIGINT := 0;
  v_all_oldest TIMESTAMPTZ;
  v_bytes BIGINT := 0;
BEGIN
  FOR v_queue IN SELECT m.queue_name FROM pgmq.meta m LOOP
    EXECUTE format('SELECT count(*), min(archived_at) FROM pgmq.%I',
                   pgmq.format_table_name(v_queue, 'a'))
      INTO v_rows, v_oldest;
    v_all_rows := v_all_rows + v_rows;
    v_all_oldest := least(v_all_oldest, v_oldest);
    v_bytes := v_bytes + pg_total_relation_size(
      format('pgmq.%I', pgmq.format_table_name(v_queue, 'a'))::regclass);
  END LOOP;
  data := 'pgmq archives'; row_count := v_all_rows; oldest := v_all_oldest; bytes := v_bytes;
  kept := public.retention_age('retention_archive');
  RETURN NEXT;

  RETURN QUERY
  SELECT 'idempotency records', count(*), min(o.processed_at),
         pg_total_relation_size('idempotency.processed_operations'),
         public.retention_age('retention_idempotency')
  FROM idempotency.processed_operations o;
  RETURN QUERY
  SELECT 'problematic messages', count(*), min(p.created_at),
         pg_total_relation_size('queue_mgmt.problematic_messages'),
         public.retention_age('retention_problematic_messages')
  FROM queue_mgmt.problematic_messages p;
  RETURN QUERY
  SELECT 'worker issues', sum(n)::BIGINT, min(o), sum(b)::BIGINT,
         public.retention_age('retention_worker_issues')
  FROM (SELECT count(*) AS n, min(i.created_at) AS o,
               pg_total_relation_size('monitoring.worker_issues') AS b
        FROM monitoring.worker_issues i
        UNION ALL
        SELECT count(*), min(i.created_at), pg_total_relation_size('public.worker_issues')
        FROM public.worker_issues i) both_tables;
  RETURN QUERY
  SELECT 'monitoring events', count(*), min(e.created_at),
         pg_total_relation_size('public.monitoring_events'),
         public.retention_age('retention_monitoring_events')
  FROM public.monitoring_events e;
END;
$$;
GRANT EXECUTE ON FUNCTION public.get_retention_stats() TO discovery_operator;
