-- Hostile messages (issue 11, cases 6 and 7): bounds every queue message respects, whatever
-- its queue, and an entry point and a dead-lettering that no message's content can break.
--
-- A message is invalid when its text is over 64 KB, when it is nested deeper than 32 levels,
-- when any string in it is over 1000 characters, when its artistName is over 300 characters,
-- or an id or genre over 100. The workers decode each message with the same size and depth
-- bounds before they ask (db/decode.py), and their message models bound the same fields.

-- The first bound a message breaks, or NULL. Called by validate_queue_message only.
CREATE OR REPLACE FUNCTION public.message_bounds_error(p_message JSONB)
RETURNS TEXT
LANGUAGE plpgsql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_key TEXT;
BEGIN
  IF octet_length(p_message::TEXT) > 65536 THEN
    RETURN 'Message is over 65536 bytes';
  END IF;
  -- An array or object 32 levels below the root is a 33rd level of nesting. `.**{32}` walks
  -- no deeper than that, whatever the message's own depth.
  IF jsonb_path_exists(p_message,
                       'strict $.**{32} ? (@.type() == "array" || @.type() == "object")') THEN
    RETURN 'Message is nested deeper than 32 levels';
  END IF;
  IF EXISTS (SELECT 1 FROM jsonb_path_query(p_message, 'strict $.**') AS v(value)
             WHERE jsonb_typeof(v.value) = 'string' AND length(v.value #>> '{}') > 1000) THEN
    RETURN 'Message holds a string over 1000 characters';
  END IF;
  IF jsonb_typeof(p_message) = 'object' THEN
    IF jsonb_typeof(p_message -> 'artistName') = 'string'
       AND length(p_message ->> 'artistName') > 300 THEN
      RETURN 'artistName is over 300 characters';
    END IF;
    FOREACH v_key IN ARRAY ARRAY['spotifyId', 'genre', 'artistId', 'albumId', 'trackId',
                                 'normalizedTrackId', 'producerId'] LOOP
      IF jsonb_typeof(p_message -> v_key) = 'string' AND length(p_message ->> v_key) > 100 THEN
        RETURN v_key || ' is over 100 characters';
      END IF;
    END LOOP;
  END IF;
  RETURN NULL;
END;
$$;

-- 0053's validate_queue_message, with the bounds checked before any field is looked at.
CREATE OR REPLACE FUNCTION public.validate_queue_message(
  p_queue_name TEXT,
  p_message JSONB
) RETURNS JSONB
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  v_is_valid BOOLEAN := FALSE;
  v_error TEXT := 'Unknown message format';
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

  IF p_queue_name = 'album_discovery' THEN
    v_is_valid := public.validate_album_discovery_message(p_message);
    v_error := 'Invalid album discovery message: missing or empty artistId';
  ELSIF p_queue_name = 'producer_identification' THEN
    v_is_valid := public.validate_producer_identification_message(p_message);
    v_error := 'Invalid producer identification message: missing or empty trackId';
  ELSIF p_queue_name = 'track_discovery' THEN
    v_is_valid := public.is_nonempty_text(p_message, 'albumId');
    v_error := 'Invalid track discovery message: missing or empty albumId';
  -- Not in the spec: the two stages it left to the default rule.
  ELSIF p_queue_name = 'artist_discovery' THEN
    v_is_valid := public.is_nonempty_text(p_message, 'artistName')
               OR public.is_nonempty_text(p_message, 'spotifyId')
               OR public.is_nonempty_text(p_message, 'genre');
    v_error := 'Invalid artist discovery message: needs a non-empty artistName, spotifyId or genre';
  ELSIF p_queue_name = 'social_enrichment' THEN
    v_is_valid := public.is_nonempty_text(p_message, 'producerId');
    v_error := 'Invalid social enrichment message: missing or empty producerId';
  ELSE
    v_is_valid := p_message <> '{}'::JSONB;
    v_error := 'Empty or null message';
  END IF;

  IF coalesce(v_is_valid, FALSE) THEN
    RETURN jsonb_build_object('valid', TRUE);
  END IF;
  RETURN jsonb_build_object('valid', FALSE, 'error', v_error, 'queue', p_queue_name);
END;
$$;

-- 0051's start_artist_discovery, saying how long a refused name is and refusing control
-- characters too (as the CLI does), both with invalid_parameter_value.
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
  IF v_name IS NULL OR v_name = '' THEN
    RAISE EXCEPTION 'start_artist_discovery: the artist name must not be empty'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF v_name ~ '[\x01-\x1f\x7f]' THEN
    RAISE EXCEPTION 'start_artist_discovery: the artist name must not hold control characters'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN pgmq.send('artist_discovery', jsonb_build_object('artistName', v_name));
END;
$$;

-- An entity id that fits every check and index: one over 500 characters (what
-- acquire_processing_lock accepts) is replaced by its digest. Called by dead_letter_message.
CREATE OR REPLACE FUNCTION public.bounded_entity_id(p_entity_id TEXT)
RETURNS TEXT
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE WHEN p_entity_id IS NULL OR length(p_entity_id) <= 500 THEN p_entity_id
              ELSE 'sha256:' || encode(sha256(convert_to(p_entity_id, 'UTF8')), 'hex') END
$$;

-- 0070's dead_letter_message, which nothing in a message can make fail: the entity id (made
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

-- Least privilege (0050): the two helpers run only inside the SECURITY DEFINER functions
-- above (as discovery_owner, their owner), so no role is granted them and PUBLIC gets
-- nothing. The redefined functions keep their grants (CREATE OR REPLACE keeps the ACL):
-- validate_queue_message and dead_letter_message to discovery_worker, start_artist_discovery
-- to discovery_operator.
REVOKE ALL ON FUNCTION public.message_bounds_error(JSONB) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.bounded_entity_id(TEXT) FROM PUBLIC;
