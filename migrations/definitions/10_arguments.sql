-- Helpers that check the arguments of the entry points and of the runtime's functions. A
-- refused argument raises invalid_parameter_value with a readable message.
-- Departure from the original specification everywhere in this folder: every SECURITY
-- DEFINER function pins search_path (pg_temp last), so a caller cannot shadow now(), a table
-- or a pgmq function, and checks its arguments before it acts.

-- One message contract: validate_queue_message (20_messages.sql) accepts exactly the bodies
-- the message models accept (src/producer_discovery/messages.py), and the SQL senders queue
-- only such bodies. The rules, the same on both sides:
-- - each field as its model declares it (message_field_error): a string (trimmed of the white
--   space pydantic strips, message_trim, before its length bounds), an integer (a JSON number
--   written without fraction: not 5.0, "5" or true), an id in the UUID form (is_uuid_form);
--   a null is an absent optional field, but `limit` and `offset` have defaults and no null;
-- - the rules between fields of artist_discovery, and the carried artist (carried_artist_error);
-- - a number written with more than 1000 characters breaks the bounds of every message, as a
--   string does (message_bounds_error): the workers' decoder could not read it (Python's int()
--   stops at 4300 digits), so the database and the workers refuse the same bodies.

-- The characters pydantic's str_strip_whitespace strips (Unicode White_Space), from both ends.
CREATE OR REPLACE FUNCTION public.message_trim(p_text TEXT)
RETURNS TEXT
LANGUAGE sql
IMMUTABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT btrim(p_text, E'\t\n\u000b\f\r \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005'
                       || E'\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000')
$$;

-- An id as the models read it: a UUID in the 8-4-4-4-12 form, hexadecimal digits of either case.
CREATE OR REPLACE FUNCTION public.is_uuid_form(p_text TEXT)
RETURNS BOOLEAN
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT coalesce(p_text ~ '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
                  FALSE)
$$;

-- Why the field p_key of p_message is not what its model declares, or NULL. p_kind:
--   'uuid'      a string in the UUID form
--   'text'      a string, its length between p_min and p_max once trimmed (message_trim)
--   'raw text'  a string, its length between p_min and p_max as it is (the carried artist)
--   'integer'   a JSON number without fraction, between p_min and p_max
--   'array', 'object'
-- Absent is an error when p_required; null when not p_nullable. NULL bounds are no bounds.
CREATE OR REPLACE FUNCTION public.message_field_error(
  p_message JSONB,
  p_key TEXT,
  p_kind TEXT,
  p_required BOOLEAN,
  p_nullable BOOLEAN,
  p_min NUMERIC DEFAULT NULL,
  p_max NUMERIC DEFAULT NULL
) RETURNS TEXT
LANGUAGE plpgsql
IMMUTABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  v_value JSONB := p_message -> p_key;
  v_type TEXT := jsonb_typeof(p_message -> p_key);
  v_measure NUMERIC;
BEGIN
  IF v_value IS NULL THEN
    RETURN CASE WHEN p_required THEN p_key || ' is missing' END;
  END IF;
  IF v_type = 'null' THEN
    RETURN CASE WHEN NOT p_nullable THEN p_key || ' must not be null' END;
  END IF;
  IF p_kind = 'uuid' THEN
    IF v_type <> 'string' OR NOT public.is_uuid_form(v_value #>> '{}') THEN
      RETURN p_key || ' must be a UUID (8-4-4-4-12 hexadecimal digits)';
    END IF;
    RETURN NULL;
  ELSIF p_kind IN ('array', 'object') THEN
    RETURN CASE WHEN v_type <> p_kind THEN p_key || ' must be an ' || p_kind END;
  ELSIF p_kind IN ('text', 'raw text') THEN
    IF v_type <> 'string' THEN
      RETURN p_key || ' must be a string';
    END IF;
    v_measure := length(CASE WHEN p_kind = 'text' THEN public.message_trim(v_value #>> '{}')
                             ELSE v_value #>> '{}' END);
    IF v_measure < p_min OR v_measure > p_max THEN
      RETURN format('%s must have %s to %s characters%s', p_key, coalesce(p_min, 0), p_max,
                    CASE WHEN p_kind = 'text' THEN ' (white space trimmed)' ELSE '' END);
    END IF;
    RETURN NULL;
  ELSIF p_kind = 'integer' THEN
    IF v_type <> 'number' OR v_value::TEXT !~ '^-?[0-9]+$' THEN
      RETURN p_key || ' must be an integer';
    END IF;
    v_measure := v_value::TEXT::NUMERIC;
    IF v_measure < p_min OR v_measure > p_max THEN
      RETURN format('%s must be between %s and %s', p_key, p_min, coalesce(p_max::TEXT, 'any'));
    END IF;
    RETURN NULL;
  END IF;
  RAISE EXCEPTION 'message_field_error: unknown kind %', p_kind
    USING ERRCODE = 'invalid_parameter_value';
END;
$$;

-- Why an artist_discovery message's "artist" is not the artist object its model declares
-- (messages.CarriedArtist: GET /artists/{id}'s shape, strict, kept as it came), or NULL.
CREATE OR REPLACE FUNCTION public.carried_artist_error(p_artist JSONB)
RETURNS TEXT
LANGUAGE plpgsql
IMMUTABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  v_error TEXT;
  v_image JSONB;
BEGIN
  IF p_artist IS NULL OR jsonb_typeof(p_artist) = 'null' THEN
    RETURN NULL;
  END IF;
  IF jsonb_typeof(p_artist) <> 'object' THEN
    RETURN 'artist must be an object';
  END IF;
  v_error := coalesce(
    public.message_field_error(p_artist, 'id', 'raw text', TRUE, FALSE, 1, 100),
    public.message_field_error(p_artist, 'name', 'raw text', TRUE, FALSE, NULL, 1000),
    public.message_field_error(p_artist, 'images', 'array', FALSE, FALSE),
    public.message_field_error(p_artist, 'genres', 'array', FALSE, TRUE),
    public.message_field_error(p_artist, 'popularity', 'integer', FALSE, TRUE),
    public.message_field_error(p_artist, 'followers', 'object', FALSE, TRUE));
  IF v_error IS NOT NULL THEN
    RETURN 'artist.' || v_error;
  END IF;
  FOR v_image IN SELECT value FROM jsonb_array_elements(coalesce(p_artist -> 'images', '[]')) LOOP
    IF jsonb_typeof(v_image) <> 'object' THEN
      RETURN 'artist.images must hold objects';
    END IF;
    v_error := coalesce(
      public.message_field_error(v_image, 'url', 'raw text', TRUE, FALSE),
      public.message_field_error(v_image, 'height', 'integer', FALSE, TRUE),
      public.message_field_error(v_image, 'width', 'integer', FALSE, TRUE));
    IF v_error IS NOT NULL THEN
      RETURN 'artist.images: ' || v_error;
    END IF;
  END LOOP;
  IF jsonb_typeof(p_artist -> 'genres') = 'array'
     AND EXISTS (SELECT 1 FROM jsonb_array_elements(p_artist -> 'genres') AS g(value)
                 WHERE jsonb_typeof(g.value) <> 'string') THEN
    RETURN 'artist.genres must hold strings';
  END IF;
  IF jsonb_typeof(p_artist -> 'followers') = 'object' THEN
    v_error := public.message_field_error(p_artist -> 'followers', 'total', 'integer', TRUE, FALSE);
    IF v_error IS NOT NULL THEN
      RETURN 'artist.followers.' || v_error;
    END IF;
  END IF;
  RETURN NULL;
END;
$$;

-- Why p_message is not the message its stage queue's model declares, or NULL (the bounds of
-- every message are message_bounds_error's). The fields and rules of messages.py, queue by
-- queue.
CREATE OR REPLACE FUNCTION public.stage_message_error(p_queue TEXT, p_message JSONB)
RETURNS TEXT
LANGUAGE plpgsql
IMMUTABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  v_error TEXT;
  v_has_name BOOLEAN;
  v_has_id BOOLEAN;
  v_has_genre BOOLEAN;
BEGIN
  IF p_queue = 'artist_discovery' THEN
    v_error := coalesce(
      public.message_field_error(p_message, 'artistName', 'text', FALSE, TRUE, 1, 300),
      public.message_field_error(p_message, 'spotifyId', 'text', FALSE, TRUE, 1, 100),
      public.message_field_error(p_message, 'genre', 'text', FALSE, TRUE, 1, 100),
      public.message_field_error(p_message, 'minPopularity', 'integer', FALSE, TRUE, 0, 100),
      public.message_field_error(p_message, 'limit', 'integer', FALSE, FALSE, 1, 1000),
      public.carried_artist_error(p_message -> 'artist'));
    IF v_error IS NOT NULL THEN
      RETURN v_error;
    END IF;
    -- Each field is now absent, null or valid: present means valid and not null.
    v_has_name := coalesce(jsonb_typeof(p_message -> 'artistName') = 'string', FALSE);
    v_has_id := coalesce(jsonb_typeof(p_message -> 'spotifyId') = 'string', FALSE);
    v_has_genre := coalesce(jsonb_typeof(p_message -> 'genre') = 'string', FALSE);
    IF v_has_genre AND (v_has_name OR v_has_id) THEN
      RETURN 'a genre message names no artist (artistName/spotifyId)';
    END IF;
    IF NOT (v_has_genre OR v_has_name OR v_has_id) THEN
      RETURN 'needs artistName, spotifyId or genre';
    END IF;
    IF jsonb_typeof(p_message -> 'artist') = 'object'
       AND (p_message #>> '{artist,id}')
           IS DISTINCT FROM public.message_trim(p_message ->> 'spotifyId') THEN
      RETURN 'the artist object must be the one spotifyId names';
    END IF;
    RETURN NULL;
  ELSIF p_queue = 'album_discovery' THEN
    RETURN coalesce(
      public.message_field_error(p_message, 'artistId', 'uuid', TRUE, FALSE),
      public.message_field_error(p_message, 'spotifyId', 'text', TRUE, FALSE, 1, 100),
      public.message_field_error(p_message, 'offset', 'integer', FALSE, FALSE, 0, NULL),
      public.message_field_error(p_message, 'refresh', 'text', FALSE, TRUE));
  ELSIF p_queue = 'track_discovery' THEN
    RETURN coalesce(
      public.message_field_error(p_message, 'albumId', 'uuid', TRUE, FALSE),
      public.message_field_error(p_message, 'spotifyId', 'text', TRUE, FALSE, 1, 100),
      public.message_field_error(p_message, 'artistId', 'uuid', TRUE, FALSE));
  ELSIF p_queue = 'producer_identification' THEN
    RETURN coalesce(
      public.message_field_error(p_message, 'trackId', 'uuid', TRUE, FALSE),
      public.message_field_error(p_message, 'normalizedTrackId', 'uuid', FALSE, TRUE),
      public.message_field_error(p_message, 'artistId', 'uuid', FALSE, TRUE),
      public.message_field_error(p_message, 'refresh', 'text', FALSE, TRUE));
  ELSIF p_queue = 'social_enrichment' THEN
    RETURN coalesce(
      public.message_field_error(p_message, 'producerId', 'uuid', TRUE, FALSE),
      public.message_field_error(p_message, 'refresh', 'text', FALSE, TRUE));
  END IF;
  RAISE EXCEPTION 'stage_message_error: % is not a stage queue', left(p_queue, 100)
    USING ERRCODE = 'invalid_parameter_value';
END;
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

-- 0080's message_bounds_error, with the bound on numbers (as on strings): over 1000
-- characters as jsonb writes them is over the bound.
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
  IF EXISTS (SELECT 1 FROM jsonb_path_query(p_message, 'strict $.**') AS v(value)
             WHERE jsonb_typeof(v.value) = 'number' AND length(v.value::TEXT) > 1000) THEN
    RETURN 'Message holds a number over 1000 characters';
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
