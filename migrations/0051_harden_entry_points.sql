-- Entry points that defend themselves. Every SECURITY DEFINER function runs as
-- discovery_owner (0050), so a caller allowed to run one must not get more through its
-- arguments than the function is for:
-- * move_to_dead_letter_queue moves only into the source queue's own <queue>_dlq, never
--   creates any other queue, and bounds failure_reason and metadata;
-- * dead_letter_message bounds what it records;
-- * pause_api pauses only an API the limiter knows, for at most an hour;
-- * take_api_token takes only sane names, rates and bursts;
-- * complete_message fails when the message was not archived (already archived or deleted:
--   the commit must not record an idempotency key for a message it did not finish) and records
--   the key with ON CONFLICT;
-- * the lock functions, process_track_batch, merge_producers and the discovery entry points
--   validate their arguments.
-- A refused argument raises invalid_parameter_value (22023).

-- The limits shared by the checks below.
CREATE OR REPLACE FUNCTION public.require_bounded_text(p_name TEXT, p_value TEXT, p_max INTEGER)
RETURNS VOID
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF p_value IS NULL OR length(p_value) = 0 OR length(p_value) > p_max THEN
    RAISE EXCEPTION '% must be between 1 and % characters', p_name, p_max
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
END;
$$;

CREATE OR REPLACE FUNCTION public.require_small_object(p_name TEXT, p_value JSONB, p_max_bytes INTEGER)
RETURNS VOID
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF p_value IS NOT NULL AND (jsonb_typeof(p_value) <> 'object'
                              OR octet_length(p_value::TEXT) > p_max_bytes) THEN
    RAISE EXCEPTION '% must be a JSON object of at most % bytes', p_name, p_max_bytes
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
END;
$$;

-- A pgmq queue that a stage reads: registered in pgmq.meta and not itself a dead-letter queue.
CREATE OR REPLACE FUNCTION public.is_stage_queue(p_queue TEXT)
RETURNS BOOLEAN
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT p_queue IS NOT NULL AND p_queue NOT LIKE '%\_dlq'
     AND EXISTS (SELECT 1 FROM pgmq.meta m WHERE m.queue_name = p_queue);
$$;

CREATE OR REPLACE FUNCTION public.move_to_dead_letter_queue(
  source_queue TEXT,
  dlq_name TEXT,
  message_id TEXT,
  failure_reason TEXT,
  metadata JSONB DEFAULT NULL
) RETURNS BOOLEAN
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  v_message JSONB;
  v_read_ct INTEGER;
  v_enqueued_at TIMESTAMPTZ;
  v_dlq_msg_id BIGINT;
  v_reason TEXT := left(failure_reason, 2000);
BEGIN
  IF message_id IS NULL OR message_id !~ '^[0-9]{1,18}$' THEN
    RAISE NOTICE 'Message id % is not a pgmq message id', left(message_id, 40);
    RETURN FALSE;
  END IF;
  IF NOT public.is_stage_queue(source_queue) THEN
    RAISE NOTICE 'Queue % is not a stage queue', left(source_queue, 100);
    RETURN FALSE;
  END IF;
  IF dlq_name IS DISTINCT FROM source_queue || '_dlq' THEN
    RAISE EXCEPTION 'move_to_dead_letter_queue: the dead-letter queue of % is %_dlq, not %',
      source_queue, source_queue, left(dlq_name, 100)
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM public.require_small_object('move_to_dead_letter_queue: metadata', metadata, 4096);

  IF NOT EXISTS (SELECT 1 FROM pgmq.meta m WHERE m.queue_name = dlq_name) THEN
    PERFORM pgmq.create(dlq_name);
    PERFORM public.grant_queue_privileges();
  END IF;

  EXECUTE format('SELECT message, read_ct, enqueued_at FROM pgmq.%I WHERE msg_id = $1 FOR UPDATE',
                 pgmq.format_table_name(source_queue, 'q'))
    INTO v_message, v_read_ct, v_enqueued_at
    USING message_id::BIGINT;

  IF v_message IS NULL THEN
    RAISE NOTICE 'Message % not found in queue %', message_id, source_queue;
    RETURN FALSE;
  END IF;

  IF jsonb_typeof(v_message) <> 'object' THEN
    v_message := jsonb_build_object('_original', v_message);
  END IF;
  v_message := v_message || jsonb_build_object(
    '_dlq_metadata', jsonb_build_object(
      'source_queue', source_queue,
      'original_message_id', message_id,
      'moved_at', now(),
      'failure_reason', v_reason,
      'read_ct', v_read_ct,
      'enqueued_at', v_enqueued_at,
      'custom_metadata', metadata
    )
  );

  SELECT pgmq.send(dlq_name, v_message) INTO v_dlq_msg_id;
  PERFORM pgmq.delete(source_queue, message_id::BIGINT);

  INSERT INTO public.monitoring_events (event_type, details)
  VALUES ('message_moved_to_dlq', jsonb_build_object(
    'source_queue', source_queue,
    'dlq_name', dlq_name,
    'source_message_id', message_id,
    'dlq_message_id', v_dlq_msg_id,
    'failure_reason', v_reason,
    'timestamp', now()
  ));
  RETURN TRUE;
END;
$$;

CREATE OR REPLACE FUNCTION public.ensure_message_deleted(
  p_queue_name TEXT,
  p_message_id TEXT
) RETURNS BOOLEAN
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
  IF p_message_id IS NULL OR p_message_id !~ '^[0-9]{1,18}$'
     OR NOT EXISTS (SELECT 1 FROM pgmq.meta m WHERE m.queue_name = p_queue_name) THEN
    RETURN FALSE;
  END IF;
  RETURN pgmq.delete(p_queue_name, p_message_id::BIGINT);
END;
$$;

CREATE OR REPLACE FUNCTION public.dead_letter_message(
  p_queue TEXT,
  p_msg_id BIGINT,
  p_entity_type TEXT,
  p_entity_id TEXT,
  p_worker TEXT,
  p_reason TEXT,
  p_metadata JSONB DEFAULT '{}'::jsonb
) RETURNS BOOLEAN
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  v_moved BOOLEAN;
  v_reason TEXT := left(coalesce(p_reason, 'no reason given'), 2000);
  v_metadata JSONB := coalesce(p_metadata, '{}'::jsonb);
BEGIN
  IF NOT public.is_stage_queue(p_queue) THEN
    RAISE EXCEPTION 'dead_letter_message: % is not a stage queue', left(p_queue, 100)
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_msg_id IS NULL OR p_msg_id < 1 THEN
    RAISE EXCEPTION 'dead_letter_message: message id must be positive'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM public.require_bounded_text('dead_letter_message: worker', p_worker, 200);
  PERFORM public.require_small_object('dead_letter_message: metadata', v_metadata, 4096);
  IF p_entity_type IS NOT NULL THEN
    PERFORM public.require_bounded_text('dead_letter_message: entity type', p_entity_type, 100);
    PERFORM public.require_bounded_text('dead_letter_message: entity id', p_entity_id, 500);
  END IF;

  v_moved := public.move_to_dead_letter_queue(p_queue, p_queue || '_dlq', p_msg_id::TEXT,
                                              v_reason, v_metadata);
  IF p_entity_type IS NOT NULL THEN
    DELETE FROM public.processing_locks
    WHERE entity_type = p_entity_type AND entity_id = p_entity_id;
    INSERT INTO public.processing_status AS s (
      entity_type, entity_id, state, last_error, dead_lettered, attempts, metadata)
    VALUES (p_entity_type, p_entity_id, 'FAILED', v_reason, TRUE, 1,
            jsonb_build_object('dead_letter', v_metadata))
    ON CONFLICT (entity_type, entity_id) DO UPDATE SET
      state = 'FAILED', last_error = v_reason, dead_lettered = TRUE,
      last_processed_at = now(), updated_at = now(),
      metadata = COALESCE(s.metadata, '{}'::jsonb) || jsonb_build_object('dead_letter', v_metadata);
  END IF;
  INSERT INTO monitoring.worker_issues (worker_name, issue_type, severity, message, details)
  VALUES (p_queue, 'dead_letter', 'error', v_reason,
          v_metadata || jsonb_build_object('msg_id', p_msg_id, 'worker', p_worker,
                                           'entity_type', p_entity_type, 'entity_id', p_entity_id,
                                           'moved', v_moved));
  RETURN v_moved;
END;
$$;

-- The APIs the limiter knows: the five providers, and any API whose bucket take_api_token
-- has created (a client takes a token before every request, so a 429 always follows one).
CREATE OR REPLACE FUNCTION public.take_api_token(
  p_api TEXT,
  p_rate DOUBLE PRECISION,
  p_burst DOUBLE PRECISION DEFAULT 1
) RETURNS DOUBLE PRECISION
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  v_now TIMESTAMPTZ := clock_timestamp();
  v_bucket public.api_rate_limits%ROWTYPE;
  v_tokens DOUBLE PRECISION;
BEGIN
  IF p_api IS NULL OR p_api !~ '^[a-z][a-z0-9_]{0,31}$' THEN
    RAISE EXCEPTION 'take_api_token: an API name is 1 to 32 lower-case letters, digits or _'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_rate IS NULL OR NOT (p_rate > 0 AND p_rate <= 1000)
     OR p_burst IS NULL OR NOT (p_burst >= 1 AND p_burst <= 1000) THEN
    RAISE EXCEPTION 'take_api_token: rate must be in (0, 1000] and burst in [1, 1000]'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  INSERT INTO public.api_rate_limits (api, tokens, refreshed_at)
  VALUES (p_api, p_burst, v_now)
  ON CONFLICT (api) DO NOTHING;
  SELECT * INTO v_bucket FROM public.api_rate_limits WHERE api = p_api FOR UPDATE;
  v_now := clock_timestamp();

  IF v_bucket.paused_until IS NOT NULL AND v_bucket.paused_until > v_now THEN
    RETURN extract(epoch FROM v_bucket.paused_until - v_now);
  END IF;

  v_tokens := least(p_burst, v_bucket.tokens
                    + extract(epoch FROM v_now - v_bucket.refreshed_at) * p_rate);
  IF v_tokens >= 1 THEN
    UPDATE public.api_rate_limits
    SET tokens = v_tokens - 1, refreshed_at = v_now, updated_at = v_now
    WHERE api = p_api;
    RETURN 0;
  END IF;
  UPDATE public.api_rate_limits
  SET tokens = v_tokens, refreshed_at = v_now, updated_at = v_now
  WHERE api = p_api;
  RETURN (1 - v_tokens) / p_rate;
END;
$$;

-- Pauses p_api for every process for p_seconds (a 429's Retry-After), at most an hour: a
-- Retry-After longer than that is asked again an hour later, and no caller can stop an API
-- for longer. A longer pause already in force is kept.
CREATE OR REPLACE FUNCTION public.pause_api(
  p_api TEXT,
  p_seconds DOUBLE PRECISION,
  p_reason TEXT DEFAULT NULL
) RETURNS TIMESTAMPTZ
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  v_until TIMESTAMPTZ;
BEGIN
  IF p_api IS NULL OR NOT (p_api IN ('spotify', 'genius', 'musicbrainz', 'discogs', 'instagram')
                           OR EXISTS (SELECT 1 FROM public.api_rate_limits r WHERE r.api = p_api)) THEN
    RAISE EXCEPTION 'pause_api: unknown API %', left(p_api, 40)
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_seconds IS NULL OR p_seconds = 'NaN'::DOUBLE PRECISION OR p_seconds < 0 THEN
    RAISE EXCEPTION 'pause_api: seconds must be a number >= 0'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  v_until := clock_timestamp() + make_interval(secs => least(p_seconds, 3600));
  INSERT INTO public.api_rate_limits AS r (api, tokens, paused_until, pause_reason)
  VALUES (p_api, 0, v_until, left(p_reason, 200))
  ON CONFLICT (api) DO UPDATE SET
    paused_until = greatest(coalesce(r.paused_until, v_until), v_until),
    pause_reason = coalesce(left(p_reason, 200), r.pause_reason),
    tokens = 0,
    updated_at = clock_timestamp();
  SELECT paused_until INTO v_until FROM public.api_rate_limits WHERE api = p_api;
  RETURN v_until;
END;
$$;

-- The end of a successful attempt: the lock fenced (finish_processing), the archive, which must
-- happen (a message already archived or deleted was finished by someone else: the transaction
-- is aborted, as for a lost lock), and the idempotency record (ON CONFLICT: a key recorded by
-- an earlier delivery stands).
CREATE OR REPLACE FUNCTION public.complete_message(
  p_queue TEXT,
  p_msg_id BIGINT,
  p_entity_type TEXT,
  p_entity_id TEXT,
  p_worker TEXT,
  p_idempotency_key TEXT,
  p_metadata JSONB,
  p_result JSONB
) RETURNS VOID
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
  IF NOT public.is_stage_queue(p_queue) THEN
    RAISE EXCEPTION 'complete_message: % is not a stage queue', left(p_queue, 100)
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_idempotency_key IS NULL OR length(p_idempotency_key) > 300
     OR left(p_idempotency_key, length(p_queue) + 1) <> p_queue || ':' THEN
    RAISE EXCEPTION 'complete_message: the idempotency key must be "%:<digest>"', p_queue
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM public.require_small_object('complete_message: metadata', p_metadata, 65536);
  PERFORM public.require_small_object('complete_message: result', p_result, 65536);
  PERFORM public.finish_processing(p_entity_type, p_entity_id, p_worker, 'COMPLETED', NULL,
                                   p_metadata);
  IF NOT pgmq.archive(p_queue, p_msg_id) THEN
    RAISE EXCEPTION 'complete_message: message % of % is no longer in the queue', p_msg_id, p_queue
      USING ERRCODE = 'lock_not_available';
  END IF;
  INSERT INTO idempotency.processed_operations (key, queue_name, msg_id, result)
  VALUES (p_idempotency_key, p_queue, p_msg_id, p_result)
  ON CONFLICT (key) DO NOTHING;
END;
$$;

-- Bounds on the lock functions' arguments; the bodies are those of 0006.
CREATE OR REPLACE FUNCTION public.require_lock_arguments(
  p_entity_type TEXT, p_entity_id TEXT, p_worker_id TEXT)
RETURNS VOID
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
  PERFORM public.require_bounded_text('entity type', p_entity_type, 100);
  PERFORM public.require_bounded_text('entity id', p_entity_id, 500);
  IF p_worker_id IS NOT NULL THEN
    PERFORM public.require_bounded_text('worker id', p_worker_id, 200);
  END IF;
END;
$$;
-- public.acquire_processing_lock: the body of 0006, with its arguments checked first.
CREATE OR REPLACE FUNCTION public.acquire_processing_lock(
  p_entity_type TEXT,
  p_entity_id TEXT,
  p_timeout_minutes INT DEFAULT 30,
  p_correlation_id TEXT DEFAULT NULL,
  p_worker_id TEXT DEFAULT NULL,
  p_lock_ttl_seconds INT DEFAULT NULL
)
RETURNS BOOLEAN
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  v_current_state TEXT;
  v_last_processed TIMESTAMPTZ;
  v_lock RECORD;
  v_held BOOLEAN;
  v_lock_acquired BOOLEAN := FALSE;
BEGIN
  PERFORM public.require_lock_arguments(p_entity_type, p_entity_id, p_worker_id);
  IF p_timeout_minutes IS NULL OR p_timeout_minutes < 1 OR p_timeout_minutes > 1440
     OR (p_lock_ttl_seconds IS NOT NULL AND (p_lock_ttl_seconds < 1 OR p_lock_ttl_seconds > 86400)) THEN
    RAISE EXCEPTION 'acquire_processing_lock: timeout must be 1 to 1440 minutes, ttl 1 to 86400 seconds'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_correlation_id IS NOT NULL THEN
    PERFORM public.require_bounded_text('correlation id', p_correlation_id, 200);
  END IF;
  PERFORM pg_advisory_xact_lock(
    ('x' || substr(md5(p_entity_type || ':' || p_entity_id), 1, 16))::bit(64)::bigint
  );

  SELECT state, last_processed_at
  INTO v_current_state, v_last_processed
  FROM public.processing_status
  WHERE entity_type = p_entity_type AND entity_id = p_entity_id;

  IF v_current_state IS NULL THEN
    INSERT INTO public.processing_status(
      entity_type, entity_id, state, last_processed_at, metadata, attempts
    ) VALUES (
      p_entity_type, p_entity_id, 'IN_PROGRESS', NOW(),
      jsonb_build_object('correlation_id', p_correlation_id), 1
    );
    v_lock_acquired := TRUE;

  ELSIF v_current_state = 'PENDING' THEN
    UPDATE public.processing_status
    SET
      state = 'IN_PROGRESS',
      last_processed_at = NOW(),
      metadata = jsonb_set(
        COALESCE(metadata, '{}'::jsonb),
        '{correlation_id}',
        COALESCE(to_jsonb(COALESCE(p_correlation_id, metadata->>'correlation_id')), 'null'::jsonb)
      ),
      attempts = attempts + 1,
      updated_at = NOW()
    WHERE entity_type = p_entity_type AND entity_id = p_entity_id;
    v_lock_acquired := TRUE;

  ELSIF v_current_state = 'IN_PROGRESS' THEN
    SELECT l.worker_id, l.last_heartbeat, l.ttl_seconds INTO v_lock
    FROM public.processing_locks l
    WHERE l.entity_type = p_entity_type AND l.entity_id = p_entity_id;
    IF FOUND THEN
      v_held := v_lock.last_heartbeat >= NOW() - make_interval(secs => v_lock.ttl_seconds);
    ELSE
      v_held := v_last_processed >= NOW() - (p_timeout_minutes * INTERVAL '1 minute');
    END IF;

    IF NOT v_held THEN
      UPDATE public.processing_status
      SET
        state = 'IN_PROGRESS',
        last_processed_at = NOW(),
        metadata = jsonb_set(
          COALESCE(metadata, '{}'::jsonb),
          '{timeout_recovery}',
          jsonb_build_object(
            'previous_lock_time', v_last_processed,
            'previous_worker', v_lock.worker_id,
            'timeout_minutes', p_timeout_minutes,
            'recovered_at', NOW(),
            'correlation_id', COALESCE(p_correlation_id, metadata->>'correlation_id')
          )
        ),
        attempts = attempts + 1,
        updated_at = NOW()
      WHERE entity_type = p_entity_type AND entity_id = p_entity_id;
      v_lock_acquired := TRUE;
    END IF;

  ELSIF v_current_state = 'COMPLETED' THEN
    v_lock_acquired := FALSE;

  ELSIF v_current_state = 'FAILED' THEN
    UPDATE public.processing_status
    SET
      state = 'IN_PROGRESS',
      last_processed_at = NOW(),
      metadata = jsonb_set(
        COALESCE(metadata, '{}'::jsonb),
        '{retry_info}',
        jsonb_build_object(
          'previous_attempt', metadata - 'retry_info',
          'retried_at', NOW(),
          'correlation_id', COALESCE(p_correlation_id, metadata->>'correlation_id')
        )
      ),
      attempts = attempts + 1,
      dead_lettered = FALSE,
      updated_at = NOW()
    WHERE entity_type = p_entity_type AND entity_id = p_entity_id;
    v_lock_acquired := TRUE;
  END IF;

  IF v_lock_acquired AND p_worker_id IS NOT NULL THEN
    INSERT INTO public.processing_locks AS l (
      entity_type, entity_id, worker_id, correlation_id, acquired_at, last_heartbeat, ttl_seconds
    ) VALUES (
      p_entity_type, p_entity_id, p_worker_id, p_correlation_id, NOW(), NOW(),
      COALESCE(p_lock_ttl_seconds, p_timeout_minutes * 60)
    )
    ON CONFLICT (entity_type, entity_id) DO UPDATE SET
      worker_id = EXCLUDED.worker_id,
      correlation_id = EXCLUDED.correlation_id,
      acquired_at = EXCLUDED.acquired_at,
      last_heartbeat = EXCLUDED.last_heartbeat,
      ttl_seconds = EXCLUDED.ttl_seconds;
  END IF;

  RETURN v_lock_acquired;
END;
$$;

-- public.finish_processing: the body of 0006, with its arguments checked first.
CREATE OR REPLACE FUNCTION public.finish_processing(
  p_entity_type TEXT,
  p_entity_id TEXT,
  p_worker_id TEXT,
  p_outcome TEXT,
  p_error TEXT DEFAULT NULL,
  p_metadata JSONB DEFAULT '{}'::jsonb,
  p_dead_lettered BOOLEAN DEFAULT FALSE
) RETURNS VOID
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
  PERFORM public.require_lock_arguments(p_entity_type, p_entity_id, p_worker_id);
  PERFORM public.require_small_object('finish_processing: metadata', p_metadata, 65536);
  p_error := left(p_error, 2000);
  IF p_outcome NOT IN ('COMPLETED', 'PENDING', 'FAILED') THEN
    RAISE EXCEPTION 'finish_processing: unknown outcome %', p_outcome
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  DELETE FROM public.processing_locks
  WHERE entity_type = p_entity_type AND entity_id = p_entity_id AND worker_id = p_worker_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'lock on %:% is no longer held by %', p_entity_type, p_entity_id, p_worker_id
      USING ERRCODE = 'lock_not_available';
  END IF;
  UPDATE public.processing_status
  SET state = p_outcome,
      last_processed_at = NOW(),
      last_error = CASE WHEN p_outcome = 'COMPLETED' THEN NULL ELSE p_error END,
      metadata = COALESCE(metadata, '{}'::jsonb) || COALESCE(p_metadata, '{}'::jsonb),
      dead_lettered = p_dead_lettered,
      updated_at = NOW()
  WHERE entity_type = p_entity_type AND entity_id = p_entity_id;
END;
$$;

-- public.process_track_batch: the body of 0006, with its arguments checked first.
CREATE OR REPLACE FUNCTION public.process_track_batch(
  p_track_data JSONB[],
  p_album_id UUID,
  p_artist_id UUID
) RETURNS JSONB
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  v_track JSONB;
  v_track_id UUID;
  v_normalized_id UUID;
  v_is_new BOOLEAN;
  v_results JSONB = '[]'::JSONB;
  v_normalized_name TEXT;
  v_count INTEGER = 0;
BEGIN
  IF p_track_data IS NULL OR cardinality(p_track_data) > 1000 THEN
    RAISE EXCEPTION 'process_track_batch: between 0 and 1000 tracks'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM public.albums WHERE id = p_album_id)
     OR NOT EXISTS (SELECT 1 FROM public.artists WHERE id = p_artist_id) THEN
    RAISE EXCEPTION 'process_track_batch: unknown album or artist'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  FOREACH v_track IN ARRAY p_track_data LOOP
    INSERT INTO tracks(
      album_id, spotify_id, name, duration_ms, popularity, spotify_preview_url, metadata
    ) VALUES (
      p_album_id,
      v_track->>'spotify_id',
      v_track->>'name',
      (v_track->>'duration_ms')::INTEGER,
      (v_track->>'popularity')::INTEGER,
      v_track->>'spotify_preview_url',
      v_track->'metadata'
    )
    ON CONFLICT (spotify_id)
    DO UPDATE SET
      name = EXCLUDED.name,
      duration_ms = EXCLUDED.duration_ms,
      popularity = EXCLUDED.popularity,
      spotify_preview_url = EXCLUDED.spotify_preview_url,
      metadata = EXCLUDED.metadata,
      updated_at = NOW()
    RETURNING id INTO v_track_id;

    v_normalized_name := COALESCE(
      NULLIF(v_track->>'normalized_name', ''),
      lower(regexp_replace(v_track->>'name', '[^[:alnum:]]+', '', 'g'))
    );

    v_normalized_id := NULL;
    INSERT INTO normalized_tracks(artist_id, normalized_name, representative_track_id)
    VALUES (p_artist_id, v_normalized_name, v_track_id)
    ON CONFLICT (artist_id, normalized_name) DO NOTHING
    RETURNING id INTO v_normalized_id;
    v_is_new := v_normalized_id IS NOT NULL;
    IF NOT v_is_new THEN
      SELECT id INTO v_normalized_id FROM normalized_tracks
      WHERE artist_id = p_artist_id AND normalized_name = v_normalized_name;
    END IF;

    v_results = v_results || jsonb_build_object(
      'track_id', v_track_id,
      'name', v_track->>'name',
      'spotify_id', v_track->>'spotify_id',
      'normalized_track_id', v_normalized_id,
      'normalized_name', v_normalized_name,
      'is_new_song', v_is_new
    );
    v_count = v_count + 1;
  END LOOP;

  RETURN jsonb_build_object('processed', v_count, 'results', v_results);
EXCEPTION WHEN OTHERS THEN
  RETURN jsonb_build_object('error', SQLERRM, 'detail', SQLSTATE);
END;
$$;

-- public.merge_producers: the body of 0041, with its arguments checked first.
CREATE OR REPLACE FUNCTION public.merge_producers(p_keep UUID, p_gone UUID)
RETURNS TEXT[]
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  v_moved TEXT[];
BEGIN
  IF p_keep IS NULL OR p_gone IS NULL
     OR NOT EXISTS (SELECT 1 FROM public.producers WHERE id = p_keep)
     OR NOT EXISTS (SELECT 1 FROM public.producers WHERE id = p_gone) THEN
    RAISE EXCEPTION 'merge_producers: both producers must exist'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_keep = p_gone THEN
    RETURN '{}';
  END IF;
  WITH moved AS (
    UPDATE public.producer_source_ids SET producer_id = p_keep
    WHERE producer_id = p_gone
    RETURNING source || ':' || source_id AS source_id
  )
  SELECT COALESCE(array_agg(source_id ORDER BY source_id), '{}') INTO v_moved FROM moved;

  UPDATE public.track_producers k
  SET confidence = greatest(k.confidence, g.confidence),
      roles = ARRAY(SELECT DISTINCT r FROM unnest(k.roles || g.roles) r ORDER BY r),
      source = (SELECT string_agg(DISTINCT s, '+' ORDER BY s)
                FROM unnest(string_to_array(k.source, '+') || string_to_array(g.source, '+')) s),
      updated_at = now()
  FROM public.track_producers g
  WHERE k.producer_id = p_keep AND g.producer_id = p_gone AND g.track_id = k.track_id;
  DELETE FROM public.track_producers g
  USING public.track_producers k
  WHERE g.producer_id = p_gone AND k.producer_id = p_keep AND k.track_id = g.track_id;
  UPDATE public.track_producers SET producer_id = p_keep WHERE producer_id = p_gone;

  DELETE FROM public.track_producer_evidence g
  USING public.track_producer_evidence k
  WHERE g.producer_id = p_gone AND k.producer_id = p_keep
    AND k.track_id = g.track_id AND k.source = g.source AND k.role = g.role;
  UPDATE public.track_producer_evidence SET producer_id = p_keep WHERE producer_id = p_gone;

  UPDATE public.producers k
  SET metadata = COALESCE(k.metadata, '{}'::jsonb) || jsonb_build_object(
        'merged_from', COALESCE(k.metadata -> 'merged_from', '[]'::jsonb) || to_jsonb(p_gone::TEXT)),
      updated_at = now()
  FROM public.producers g
  WHERE k.id = p_keep AND g.id = p_gone;
  DELETE FROM public.producers WHERE id = p_gone;

  INSERT INTO public.monitoring_events (event_type, details)
  VALUES ('producers_merged', jsonb_build_object('kept', p_keep, 'merged', p_gone,
                                                 'source_ids', to_jsonb(v_moved)));
  RETURN v_moved;
END;
$$;

-- public.start_artist_discovery: the body of 0004, with its arguments checked first.
CREATE OR REPLACE FUNCTION public.start_artist_discovery(name TEXT)
RETURNS BIGINT
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  v_name TEXT := btrim(name);
BEGIN
  IF length(v_name) > 200 THEN
    RAISE EXCEPTION 'start_artist_discovery: the artist name must be at most 200 characters'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF v_name IS NULL OR v_name = '' THEN
    RAISE EXCEPTION 'start_artist_discovery: the artist name must not be empty'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN pgmq.send('artist_discovery', jsonb_build_object('artistName', v_name));
END;
$$;

-- public.start_bulk_artist_discovery: the body of 0004, with its arguments checked first.
CREATE OR REPLACE FUNCTION public.start_bulk_artist_discovery(
  genre TEXT,
  min_popularity INTEGER DEFAULT NULL,
  limit_count INTEGER DEFAULT 50
)
RETURNS TABLE(artist_name TEXT, msg_id BIGINT, source TEXT)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  v_genre TEXT := lower(btrim(genre));
  v_artist RECORD;
BEGIN
  IF length(v_genre) > 100 THEN
    RAISE EXCEPTION 'start_bulk_artist_discovery: genre must be at most 100 characters'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF v_genre IS NULL OR v_genre = '' THEN
    RAISE EXCEPTION 'start_bulk_artist_discovery: genre must not be empty'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF limit_count IS NULL OR limit_count < 1 OR limit_count > 1000 THEN
    RAISE EXCEPTION 'start_bulk_artist_discovery: limit_count must be between 1 and 1000'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF min_popularity IS NOT NULL AND (min_popularity < 0 OR min_popularity > 100) THEN
    RAISE EXCEPTION 'start_bulk_artist_discovery: min_popularity must be between 0 and 100'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;

  FOR v_artist IN
    SELECT a.name, a.spotify_id
    FROM public.artists a
    WHERE a.metadata -> 'genres' ? v_genre
      AND (min_popularity IS NULL OR a.popularity IS NULL OR a.popularity >= min_popularity)
    ORDER BY a.popularity DESC NULLS LAST, a.name
    LIMIT limit_count
  LOOP
    artist_name := v_artist.name;
    msg_id := pgmq.send('artist_discovery', jsonb_strip_nulls(jsonb_build_object(
      'artistName', v_artist.name, 'spotifyId', v_artist.spotify_id)));
    source := 'stored';
    RETURN NEXT;
  END LOOP;

  artist_name := format('genre:"%s"', v_genre);
  msg_id := pgmq.send('artist_discovery', jsonb_strip_nulls(jsonb_build_object(
    'genre', v_genre, 'minPopularity', min_popularity, 'limit', limit_count)));
  source := 'spotify_genre_search';
  RETURN NEXT;
END;
$$;

-- public.reset_entity_processing_state: the body of 0007, with its arguments checked first.
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
  PERFORM public.require_bounded_text('entity type', p_entity_type, 100);
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

-- public.requeue_producer_enrichment: the body of 0040, with its arguments checked first.
CREATE OR REPLACE FUNCTION public.requeue_producer_enrichment(p_limit INTEGER DEFAULT 10000)
RETURNS TABLE(producer_id UUID, reason TEXT, msg_id BIGINT)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  v_ttl INTERVAL;
  v_refresh TEXT := to_char(clock_timestamp() AT TIME ZONE 'UTC',
                            'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');
BEGIN
  IF p_limit > 100000 THEN
    RAISE EXCEPTION 'requeue_producer_enrichment: p_limit must be at most 100000'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_limit IS NULL OR p_limit < 1 THEN
    RAISE EXCEPTION 'requeue_producer_enrichment: p_limit must be at least 1'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- One refresh at a time: two overlapping calls would both see the queue without them.
  PERFORM pg_advisory_xact_lock(hashtext('public.requeue_producer_enrichment'));
  SELECT s.value::INTERVAL INTO v_ttl FROM public.settings s WHERE s.key = 'enrichment_ttl';
  v_ttl := COALESCE(v_ttl, INTERVAL '30 days');

  RETURN QUERY
  WITH due AS (
    SELECT p.id,
           CASE WHEN p.enrichment_failed THEN 'failed'
                WHEN p.enriched_at IS NULL THEN 'never_finished'
                ELSE 'expired' END AS reason
    FROM public.producers p
    WHERE (p.enrichment_failed OR p.enriched_at < NOW() - v_ttl
           -- queued by producer identification a day ago and never finished (its message
           -- was dead-lettered or lost): try again
           OR (p.enriched_at IS NULL AND p.enrichment_queued_at < NOW() - INTERVAL '1 day'))
      AND NOT EXISTS (
        SELECT 1 FROM pgmq.q_social_enrichment q
        WHERE q.message ->> 'producerId' = p.id::TEXT)
    ORDER BY p.enrichment_failed DESC, p.enriched_at, p.id
    LIMIT p_limit
  ), reopened AS (
    UPDATE public.processing_status s
    SET state = 'PENDING',
        updated_at = NOW(),
        metadata = COALESCE(s.metadata, '{}'::JSONB) || jsonb_build_object(
          'requeued', jsonb_build_object('reason', due.reason, 'refresh', v_refresh))
    FROM due
    WHERE s.entity_type = 'producer' AND s.entity_id = due.id::TEXT AND s.state = 'COMPLETED'
  )
  SELECT due.id,
         due.reason,
         pgmq.send(queue_name => 'social_enrichment'::TEXT,
                   msg => jsonb_build_object('producerId', due.id::TEXT, 'refresh', v_refresh))
  FROM due;
END;
$$;

-- monitoring.aggregate_hourly_metrics: the body of 0007, with its arguments checked first.
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

-- monitoring.aggregate_daily_metrics: the body of 0007, with its arguments checked first.
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

-- public.purge_old_monitoring_events: the body of 0007, with its arguments checked first.
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

-- Re-drive dead letters (`producer-discovery dlq replay`): each message of a <stage>_dlq goes
-- back, without its _dlq_metadata, to <stage> (the queue it came from: move_to_dead_letter_queue
-- moves nothing anywhere else), and leaves the DLQ, in one statement. p_queue (a stage or its
-- DLQ) and p_message_id narrow it; NULL means all. Before this function the operator called
-- pgmq.send and pgmq.delete itself, which needed write access to every queue.
CREATE OR REPLACE FUNCTION public.replay_dead_letters(
  p_queue TEXT DEFAULT NULL,
  p_message_id BIGINT DEFAULT NULL
) RETURNS TABLE(queue_name TEXT, message_id BIGINT, source_queue TEXT, new_msg_id BIGINT)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  v_dlq TEXT;
  v_stage TEXT;
  v_message RECORD;
BEGIN
  IF p_queue IS NOT NULL AND length(p_queue) > 100 THEN
    RAISE EXCEPTION 'replay_dead_letters: unknown queue' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  FOR v_dlq IN
    SELECT m.queue_name FROM pgmq.meta m
    WHERE m.queue_name LIKE '%\_dlq'
      AND public.is_stage_queue(left(m.queue_name, -4))
      AND (p_queue IS NULL OR m.queue_name = p_queue OR left(m.queue_name, -4) = p_queue)
    ORDER BY m.queue_name
  LOOP
    v_stage := left(v_dlq, -4);
    FOR v_message IN EXECUTE format(
      'SELECT msg_id, message FROM pgmq.%I WHERE $1::BIGINT IS NULL OR msg_id = $1 '
      'ORDER BY msg_id FOR UPDATE SKIP LOCKED', pgmq.format_table_name(v_dlq, 'q'))
      USING p_message_id
    LOOP
      queue_name := v_dlq;
      message_id := v_message.msg_id;
      source_queue := v_stage;
      new_msg_id := pgmq.send(v_stage, v_message.message - '_dlq_metadata');
      PERFORM pgmq.delete(v_dlq, v_message.msg_id);
      RETURN NEXT;
    END LOOP;
  END LOOP;
END;
$$;
GRANT EXECUTE ON FUNCTION public.replay_dead_letters(TEXT, BIGINT) TO discovery_operator;
