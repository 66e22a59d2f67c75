-- Sources that fail alone (issue #11, cases 4 and 10).
--
-- block_api: a provider that blocks us for a while (Spotify's quota 429 without Retry-After,
-- Genius' CDN 403, refused credentials) pauses its API for every process with a growing
-- back-off: base, 2×base, 4×base … up to cap (at most an hour, as pause_api); a block that
-- comes long after the previous one (three times its length) starts again from base.
-- api_block: what is left of a block in force, so that a caller fails fast instead of waiting.
-- A message set aside because its source is blocked spends no attempt: the runtime records it
-- as 'set_aside' with record_message_attempt (0070), as any Deferred.
-- report_refused_credentials: a critical worker issue (the operator must fix a credential).
-- get_system_health: an open issue of severity 'critical' makes the worker health, and so the
-- whole system, critical.
-- requeue_identification_gaps: tracks identified without a source (it failed alone: blocked,
-- refused credentials, an unreadable answer) are identified again once the gap is older than
-- p_after, as requeue_producer_enrichment does for enrichment.

ALTER TABLE public.api_rate_limits ADD COLUMN IF NOT EXISTS blocks INTEGER NOT NULL DEFAULT 0;
ALTER TABLE public.api_rate_limits ADD COLUMN IF NOT EXISTS blocked_at TIMESTAMPTZ;
ALTER TABLE public.api_rate_limits ADD COLUMN IF NOT EXISTS block_seconds DOUBLE PRECISION;

CREATE OR REPLACE FUNCTION public.block_api(
  p_api TEXT,
  p_reason TEXT,
  p_base_seconds DOUBLE PRECISION DEFAULT 60,
  p_cap_seconds DOUBLE PRECISION DEFAULT 3600
) RETURNS DOUBLE PRECISION
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  v_now TIMESTAMPTZ := clock_timestamp();
  v_row public.api_rate_limits%ROWTYPE;
  v_blocks INTEGER;
  v_seconds DOUBLE PRECISION;
BEGIN
  -- The APIs pause_api knows (0051), and no pause longer than pause_api allows (an hour).
  IF p_api IS NULL OR NOT (p_api IN ('spotify', 'genius', 'musicbrainz', 'discogs', 'instagram')
                           OR EXISTS (SELECT 1 FROM public.api_rate_limits r WHERE r.api = p_api)) THEN
    RAISE EXCEPTION 'block_api: unknown API %', left(p_api, 40)
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_base_seconds IS NULL OR NOT (p_base_seconds > 0 AND p_base_seconds <= 3600)
     OR p_cap_seconds IS NULL OR NOT (p_cap_seconds >= p_base_seconds AND p_cap_seconds <= 3600) THEN
    RAISE EXCEPTION 'block_api: base must be in (0, 3600] seconds and cap in [base, 3600]'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  INSERT INTO public.api_rate_limits (api, tokens, refreshed_at)
  VALUES (p_api, 0, v_now) ON CONFLICT (api) DO NOTHING;
  SELECT * INTO v_row FROM public.api_rate_limits WHERE api = p_api FOR UPDATE;
  IF v_row.blocks > 0 AND v_row.blocked_at + make_interval(secs => v_row.block_seconds) > v_now THEN
    -- Already blocked: a second process hitting the same wall does not grow the pause.
    RETURN extract(epoch FROM v_row.blocked_at + make_interval(secs => v_row.block_seconds) - v_now);
  END IF;
  IF v_row.blocked_at IS NULL OR v_row.blocked_at
       + make_interval(secs => 3 * coalesce(v_row.block_seconds, p_base_seconds)) < v_now THEN
    v_blocks := 1;
  ELSE
    v_blocks := least(v_row.blocks, 30) + 1;
  END IF;
  v_seconds := least(p_cap_seconds, p_base_seconds * 2 ^ (v_blocks - 1));
  UPDATE public.api_rate_limits SET
    blocks = v_blocks, blocked_at = v_now, block_seconds = v_seconds, tokens = 0,
    paused_until = greatest(coalesce(paused_until, v_now), v_now + make_interval(secs => v_seconds)),
    pause_reason = left(coalesce(p_reason, 'blocked'), 200), updated_at = v_now
  WHERE api = p_api;
  RETURN v_seconds;
END;
$$;

-- What is left of a block in force on p_api (seconds, reason); no row when there is none.
CREATE OR REPLACE FUNCTION public.api_block(p_api TEXT)
RETURNS TABLE(remaining_seconds DOUBLE PRECISION, reason TEXT)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
  SELECT extract(epoch FROM r.blocked_at + make_interval(secs => r.block_seconds)
                            - clock_timestamp())::DOUBLE PRECISION,
         r.pause_reason
  FROM public.api_rate_limits r
  WHERE r.api = p_api AND r.blocks > 0
    AND r.blocked_at + make_interval(secs => r.block_seconds) > clock_timestamp();
$$;

-- A provider refused our credentials: a critical issue until an operator resolves it.
CREATE OR REPLACE FUNCTION public.report_refused_credentials(
  p_worker_name TEXT,
  p_api TEXT,
  p_message TEXT
) RETURNS VOID
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
  IF p_worker_name IS NULL OR length(p_worker_name) > 200 OR p_api IS NULL
     OR p_api !~ '^[a-z][a-z0-9_]{0,31}$' THEN
    RAISE EXCEPTION 'report_refused_credentials: a worker name (at most 200 characters) and '
                    'an API name are required'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  INSERT INTO monitoring.worker_issues (worker_name, issue_type, severity, message, details)
  VALUES (p_worker_name, 'credentials_rejected', 'critical',
          left(coalesce(p_message, p_api || ' refused our credentials'), 2000),
          jsonb_build_object('api', p_api));
END;
$$;

CREATE OR REPLACE FUNCTION public.requeue_identification_gaps(
  p_after INTERVAL DEFAULT INTERVAL '1 hour',
  p_limit INTEGER DEFAULT 1000
) RETURNS TABLE(entity_id TEXT, msg_id BIGINT)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  v_refresh TEXT := to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');
  v_row RECORD;
BEGIN
  IF p_after IS NULL OR p_after < INTERVAL '0' THEN
    RAISE EXCEPTION 'requeue_identification_gaps: p_after must be an interval >= 0'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_limit IS NULL OR p_limit < 1 OR p_limit > 100000 THEN
    RAISE EXCEPTION 'requeue_identification_gaps: p_limit must be in [1, 100000]'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- One refresh at a time: two overlapping calls would both requeue the same tracks.
  PERFORM pg_advisory_xact_lock(hashtext('public.requeue_identification_gaps'));
  FOR v_row IN
    SELECT s.entity_id, s.metadata ->> 'track_id' AS track_id
    FROM public.processing_status s
    WHERE s.entity_type = 'track' AND s.state = 'COMPLETED'
      AND jsonb_typeof(s.metadata -> 'missing_sources') = 'object'
      AND s.metadata -> 'missing_sources' <> '{}'::jsonb
      AND s.metadata ->> 'track_id' IS NOT NULL
      AND s.last_processed_at < clock_timestamp() - p_after
    ORDER BY s.last_processed_at
    LIMIT p_limit
    FOR UPDATE SKIP LOCKED
  LOOP
    UPDATE public.processing_status SET state = 'PENDING', updated_at = now(),
      metadata = metadata - 'missing_sources'
                 || jsonb_build_object('gap_requeued_at', v_refresh)
    WHERE entity_type = 'track' AND entity_id = v_row.entity_id;
    entity_id := v_row.entity_id;
    msg_id := pgmq.send(queue_name => 'producer_identification'::TEXT,
                        msg => jsonb_build_object('trackId', v_row.track_id,
                                                  'normalizedTrackId', v_row.entity_id,
                                                  'refresh', v_refresh));
    RETURN NEXT;
  END LOOP;
END;
$$;

-- Hourly where pg_cron is (the guard of 0009); else by hand.
DO $$
DECLARE
  v_reason TEXT := public.pg_cron_unavailable_reason();
BEGIN
  IF v_reason IS NOT NULL THEN
    RAISE NOTICE 'identification gap refresh schedule skipped: %. Run '
                 'SELECT * FROM requeue_identification_gaps() by hand.', v_reason;
    RETURN;
  END IF;
  PERFORM cron.schedule('identification-gap-refresh', '20 * * * *',
                        'SELECT count(*) FROM public.requeue_identification_gaps()');
END;
$$;

-- get_system_health: the body of 0007 (its latest), with critical issues counted; its
-- grants (0050) are kept by CREATE OR REPLACE.
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

REVOKE ALL ON FUNCTION public.block_api(TEXT, TEXT, DOUBLE PRECISION, DOUBLE PRECISION),
  public.api_block(TEXT), public.report_refused_credentials(TEXT, TEXT, TEXT),
  public.requeue_identification_gaps(INTERVAL, INTEGER) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.block_api(TEXT, TEXT, DOUBLE PRECISION, DOUBLE PRECISION),
  public.api_block(TEXT), public.report_refused_credentials(TEXT, TEXT, TEXT)
TO discovery_worker;
GRANT EXECUTE ON FUNCTION public.api_block(TEXT),
  public.requeue_identification_gaps(INTERVAL, INTEGER)
TO discovery_operator;
