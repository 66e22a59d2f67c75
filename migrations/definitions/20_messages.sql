-- Queue messages: their validation, the entry points that send them
-- (start_artist_discovery, start_bulk_artist_discovery), the end of an attempt
-- (complete_message), dead letters (move, list, re-drive, replay) and attempt counts.

-- Not defined by the spec (the dlq_messages view needs it): every message waiting in a
-- <stage>_dlq queue table, with its _dlq_metadata fields.
CREATE OR REPLACE FUNCTION public.get_dlq_messages()
RETURNS TABLE(
  queue_name TEXT,
  source_queue TEXT,
  message_id BIGINT,
  original_msg_id TEXT,
  moved_to_dlq_at TIMESTAMPTZ,
  failure_reason TEXT,
  custom_metadata JSONB,
  full_message JSONB
)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  v_queue TEXT;
BEGIN
  FOR v_queue IN
    SELECT m.queue_name FROM pgmq.meta m WHERE m.queue_name LIKE '%\_dlq' ORDER BY m.queue_name
  LOOP
    RETURN QUERY EXECUTE format(
      $q$SELECT %L::TEXT,
                q.message -> '_dlq_metadata' ->> 'source_queue',
                q.msg_id,
                q.message -> '_dlq_metadata' ->> 'original_message_id',
                (q.message -> '_dlq_metadata' ->> 'moved_at')::TIMESTAMPTZ,
                q.message -> '_dlq_metadata' ->> 'failure_reason',
                q.message -> '_dlq_metadata' -> 'custom_metadata',
                q.message
         FROM pgmq.%I q ORDER BY q.msg_id$q$,
      v_queue, pgmq.format_table_name(v_queue, 'q'));
  END LOOP;
END;
$$;
GRANT EXECUTE ON FUNCTION public.get_dlq_messages() TO discovery_operator;

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

-- 0051's start_bulk_artist_discovery: the genre trimmed as the model trims it (so that one of
-- only U+3000 is refused as empty, not queued for the stage to refuse), and a stored artist
-- queued by the name and Spotify id that fit a message: a name over 300 characters (or only
-- white space) is left out, an id over 100 too, and an artist with neither is not queued.
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
  v_genre TEXT := lower(public.message_trim(genre));
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
    SELECT fit.name, fit.message_name, fit.message_id
    FROM (
      SELECT a.name, a.popularity,
             CASE WHEN length(a.name) <= 300 AND public.message_trim(a.name) <> ''
                  THEN a.name END AS message_name,
             CASE WHEN length(a.spotify_id) <= 100 AND public.message_trim(a.spotify_id) <> ''
                  THEN a.spotify_id END AS message_id
      FROM public.artists a
      WHERE a.metadata -> 'genres' ? v_genre
        AND (min_popularity IS NULL OR a.popularity IS NULL OR a.popularity >= min_popularity)
    ) AS fit
    WHERE fit.message_name IS NOT NULL OR fit.message_id IS NOT NULL
    ORDER BY fit.popularity DESC NULLS LAST, fit.name
    LIMIT limit_count
  LOOP
    artist_name := v_artist.name;
    msg_id := pgmq.send('artist_discovery', jsonb_strip_nulls(jsonb_build_object(
      'artistName', v_artist.message_name, 'spotifyId', v_artist.message_id)));
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
GRANT EXECUTE ON FUNCTION public.start_bulk_artist_discovery(text,integer,integer) TO discovery_operator;

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
GRANT EXECUTE ON FUNCTION public.replay_dead_letters(text,bigint) TO discovery_operator;

-- One more delivery that was not a success: p_kind 'failure' (a handler failure, an attempt)
-- or 'set_aside' (no attempt was made). Returns the message's new count of that kind.
CREATE OR REPLACE FUNCTION public.record_message_attempt(
  p_queue TEXT,
  p_msg_id BIGINT,
  p_kind TEXT,
  p_error TEXT DEFAULT NULL
) RETURNS INTEGER
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  v_count INTEGER;
BEGIN
  IF p_kind NOT IN ('failure', 'set_aside') THEN
    RAISE EXCEPTION 'record_message_attempt: unknown kind %', p_kind
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  INSERT INTO queue_mgmt.message_attempts AS a (queue_name, msg_id, failures, set_aside, last_error)
  VALUES (p_queue, p_msg_id, (p_kind = 'failure')::INT, (p_kind = 'set_aside')::INT, p_error)
  ON CONFLICT (queue_name, msg_id) DO UPDATE SET
    failures = a.failures + (p_kind = 'failure')::INT,
    set_aside = a.set_aside + (p_kind = 'set_aside')::INT,
    last_error = COALESCE(p_error, a.last_error),
    updated_at = now()
  RETURNING CASE WHEN p_kind = 'failure' THEN a.failures ELSE a.set_aside END INTO v_count;
  RETURN v_count;
END;
$$;
GRANT EXECUTE ON FUNCTION public.record_message_attempt(text,bigint,text,text) TO discovery_worker;

-- The end of a successful attempt in one call (inside the worker's one commit, after the
-- handler's writes and the next-stage sends): the lock fenced (finish_processing), status
-- COMPLETED, the archive, which must happen (a message already archived or deleted was
-- finished by someone else: the transaction is aborted, as for a lost lock), the idempotency
-- record (ON CONFLICT: a key recorded by an earlier delivery stands), and the message's
-- attempt counts dropped.
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
  DELETE FROM queue_mgmt.message_attempts WHERE queue_name = p_queue AND msg_id = p_msg_id;
END;
$$;
GRANT EXECUTE ON FUNCTION public.complete_message(text,bigint,text,text,text,text,jsonb,jsonb) TO discovery_worker;

-- Re-drive, once, the dead letters whose cause was transient (an API down for longer than
-- the retries): each one that has waited p_after in its DLQ goes back to its source queue,
-- unless the same body was already re-driven once (then it stays for an operator). Counts
-- older than a week of messages that left their queue another way are purged here too.
CREATE OR REPLACE FUNCTION public.redrive_transient_dead_letters(
  p_after INTERVAL DEFAULT '10 minutes'
) RETURNS INTEGER
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  v_letter RECORD;
  v_body JSONB;
  v_new BIGINT;
  v_count INTEGER := 0;
BEGIN
  FOR v_letter IN
    SELECT d.queue_name, d.source_queue, d.message_id, d.failure_reason, d.full_message
    FROM public.dlq_messages d
    WHERE (d.custom_metadata->>'transient')::BOOLEAN IS TRUE
      AND d.moved_to_dlq_at <= now() - p_after
      AND d.source_queue IS NOT NULL
    ORDER BY d.message_id
  LOOP
    v_body := v_letter.full_message - '_dlq_metadata';
    INSERT INTO queue_mgmt.redriven_dead_letters
      (source_queue, body_hash, dlq_name, dlq_msg_id, new_msg_id, failure_reason)
    VALUES (v_letter.source_queue, md5(v_body::TEXT), v_letter.queue_name, v_letter.message_id,
            0, v_letter.failure_reason)
    ON CONFLICT (source_queue, body_hash) DO NOTHING;
    IF FOUND THEN
      v_new := pgmq.send(v_letter.source_queue, v_body);
      PERFORM pgmq.delete(v_letter.queue_name, v_letter.message_id);
      UPDATE queue_mgmt.redriven_dead_letters SET new_msg_id = v_new
      WHERE source_queue = v_letter.source_queue AND body_hash = md5(v_body::TEXT);
      INSERT INTO public.monitoring_events (event_type, details)
      VALUES ('dead_letter_redriven', jsonb_build_object(
        'dlq_name', v_letter.queue_name, 'dlq_message_id', v_letter.message_id,
        'source_queue', v_letter.source_queue, 'new_message_id', v_new,
        'failure_reason', v_letter.failure_reason));
      v_count := v_count + 1;
    END IF;
  END LOOP;
  DELETE FROM queue_mgmt.message_attempts WHERE updated_at < now() - INTERVAL '7 days';
  RETURN v_count;
END;
$$;
GRANT EXECUTE ON FUNCTION public.redrive_transient_dead_letters(interval) TO discovery_operator;

-- 0080's validate_queue_message, each stage queue's message checked field by field as its
-- model reads it (stage_message_error) instead of for one non-empty key.
CREATE OR REPLACE FUNCTION public.validate_queue_message(
  p_queue_name TEXT,
  p_message JSONB
) RETURNS JSONB
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  v_error TEXT;
BEGIN
  PERFORM public.require_bounded_text('validate_queue_message: queue', p_queue_name, 100);
  IF p_message IS NULL OR jsonb_typeof(p_message) <> 'object' THEN
    RETURN jsonb_build_object('valid', FALSE, 'error', 'Message is not a JSON object',
                              'queue', p_queue_name);
  END IF;
  v_error := public.message_bounds_error(p_message);
  IF v_error IS NOT NULL THEN
    RETURN jsonb_build_object('valid', FALSE, 'error', v_error, 'queue', p_queue_name);
  END IF;

  IF p_queue_name IN ('artist_discovery', 'album_discovery', 'track_discovery',
                      'producer_identification', 'social_enrichment') THEN
    v_error := public.stage_message_error(p_queue_name, p_message);
    IF v_error IS NOT NULL THEN
      v_error := format('Invalid %s message: %s', replace(p_queue_name, '_', ' '), v_error);
    END IF;
  ELSIF p_message = '{}'::JSONB THEN
    v_error := 'Empty or null message';
  END IF;

  IF v_error IS NULL THEN
    RETURN jsonb_build_object('valid', TRUE);
  END IF;
  RETURN jsonb_build_object('valid', FALSE, 'error', v_error, 'queue', p_queue_name);
END;
$$;
GRANT EXECUTE ON FUNCTION public.validate_queue_message(text,jsonb) TO discovery_worker;

-- 0080's start_artist_discovery: a name that is only white space to the model (which strips
-- Unicode White_Space, not only spaces) is refused as empty, and the name is queued trimmed
-- so (control characters are still refused first).
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
    RAISE EXCEPTION 'start_artist_discovery: the artist name must be at most 200 characters (it has %)',
      length(v_name) USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF v_name IS NULL OR public.message_trim(v_name) = '' THEN
    RAISE EXCEPTION 'start_artist_discovery: the artist name must not be empty'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF v_name ~ '[\x01-\x1f\x7f]' THEN
    RAISE EXCEPTION 'start_artist_discovery: the artist name must not hold control characters'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN pgmq.send('artist_discovery', jsonb_build_object('artistName', public.message_trim(v_name)));
END;
$$;
GRANT EXECUTE ON FUNCTION public.start_artist_discovery(text) TO discovery_operator;

-- The worker runtime's dead-lettering, in one call so it is one transaction: the message goes
-- to <queue>_dlq (move_to_dead_letter_queue), the entity is marked FAILED and dead-lettered
-- (its lock released whoever held it: the message is gone), a worker issue says why, and the
-- message's attempt counts are dropped. Nothing in a message can make it fail: the entity id (made
-- from the message's content) is bounded by its digest instead of refused, and should
-- recording the entity's state still fail on its data (a data, integrity or limit error),
-- the message is moved and the worker issue written all the same, saying so. The arguments
-- the runtime itself makes (queue, message id, worker, entity type, metadata) stay checked.
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
  v_entity_id TEXT := public.bounded_entity_id(p_entity_id);
  v_state_error TEXT;
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
  END IF;

  v_moved := public.move_to_dead_letter_queue(p_queue, p_queue || '_dlq', p_msg_id::TEXT,
                                              v_reason, v_metadata);
  DELETE FROM queue_mgmt.message_attempts WHERE queue_name = p_queue AND msg_id = p_msg_id;
  IF p_entity_type IS NOT NULL THEN
    BEGIN
      PERFORM public.require_bounded_text('dead_letter_message: entity id', v_entity_id, 500);
      DELETE FROM public.processing_locks
      WHERE entity_type = p_entity_type AND entity_id = v_entity_id;
      INSERT INTO public.processing_status AS s (
        entity_type, entity_id, state, last_error, dead_lettered, attempts, metadata)
      VALUES (p_entity_type, v_entity_id, 'FAILED', v_reason, TRUE, 1,
              jsonb_build_object('dead_letter', v_metadata))
      ON CONFLICT (entity_type, entity_id) DO UPDATE SET
        state = 'FAILED', last_error = v_reason, dead_lettered = TRUE,
        last_processed_at = now(), updated_at = now(),
        metadata = COALESCE(s.metadata, '{}'::jsonb) || jsonb_build_object('dead_letter', v_metadata);
    EXCEPTION WHEN data_exception OR integrity_constraint_violation OR program_limit_exceeded THEN
      v_state_error := SQLERRM;
    END;
  END IF;
  INSERT INTO monitoring.worker_issues (worker_name, issue_type, severity, message, details)
  VALUES (p_queue, 'dead_letter', 'error', v_reason,
          v_metadata || jsonb_build_object('msg_id', p_msg_id, 'worker', p_worker,
                                           'entity_type', p_entity_type, 'entity_id', v_entity_id,
                                           'moved', v_moved)
                     || CASE WHEN v_state_error IS NULL THEN '{}'::jsonb
                             ELSE jsonb_build_object('state_not_recorded', v_state_error) END);
  RETURN v_moved;
END;
$$;
GRANT EXECUTE ON FUNCTION public.dead_letter_message(text,bigint,text,text,text,text,jsonb) TO discovery_worker;
