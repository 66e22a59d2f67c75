-- Helpers that check the arguments of the entry points and of the runtime's functions. A
-- refused argument raises invalid_parameter_value with a readable message.
-- Departure from the original specification everywhere in this folder: every SECURITY
-- DEFINER function pins search_path (pg_temp last), so a caller cannot shadow now(), a table
-- or a pgmq function, and checks its arguments before it acts.

-- Whether a message's field is a non-empty string.
CREATE OR REPLACE FUNCTION public.is_nonempty_text(p_message JSONB, p_field TEXT)
RETURNS BOOLEAN
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT jsonb_typeof(p_message -> p_field) = 'string'
     AND length(btrim(p_message ->> p_field)) > 0;
$$;

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

-- Bounds on the lock functions' arguments (acquire, heartbeat, finish), raised as
-- invalid_parameter_value before anything is looked up.
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
