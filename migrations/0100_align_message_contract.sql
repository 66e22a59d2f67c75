-- One message contract: validate_queue_message accepts exactly the bodies the message models
-- accept (src/producer_discovery/messages.py), and the SQL senders queue only such bodies.
--
-- Until now the validator only asked for one non-empty key per queue, while the models asked
-- for more: ids in the UUID form, every required field (album_discovery's spotifyId,
-- track_discovery's spotifyId and artistId), integers for offset, limit and minPopularity,
-- one subject per artist_discovery message, the carried artist object's shape. Each such body
-- passed the database and was refused by the stage ("invalid_fields"). Both sides now apply
-- the rules listed in messages.py:
--
-- - each field as its model declares it (message_field_error): a string (trimmed of the white
--   space pydantic strips, message_trim, before its length bounds), an integer (a JSON number
--   written without fraction: not 5.0, "5" or true), an id in the UUID form (is_uuid_form);
--   a null is an absent optional field, but `limit` and `offset` have defaults and no null;
-- - the rules between fields of artist_discovery, and the carried artist (carried_artist_error);
-- - a number written with more than 1000 characters breaks the bounds of every message, as a
--   string does (message_bounds_error): the workers' decoder could not read it (Python's int()
--   stops at 4300 digits), so the database and the workers now refuse the same bodies.
--
-- The SQL senders, held to the same contract:
-- - start_artist_discovery refuses a name that is only white space to pydantic (U+00A0, say,
--   which btrim keeps), and queues the name trimmed as the model would read it;
-- - start_bulk_artist_discovery trims the genre the same way, and queues a stored artist by
--   the name and Spotify id that fit a message (a stored name over 300 characters is left
--   out; an artist with neither is not queued);
-- - requeue_identification_gaps queues only tracks whose ids are in the UUID form.
--
-- validate_album_discovery_message, validate_producer_identification_message and
-- is_nonempty_text (0004) are no longer called.

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
      public.message_field_error(p_message, 'offset', 'integer', FALSE, FALSE, 0, NULL));
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

-- 0081's requeue_identification_gaps, queuing only the tracks whose ids are in the UUID form
-- the message's model asks for (processing_status rows of another shape are left alone).
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
      AND public.is_uuid_form(s.metadata ->> 'track_id')
      AND public.is_uuid_form(s.entity_id)
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

-- Least privilege (0050): the new helpers run only inside the SECURITY DEFINER functions
-- above (as discovery_owner, their owner), so no role is granted them and PUBLIC gets
-- nothing. The redefined functions keep their grants (CREATE OR REPLACE keeps the ACL).
REVOKE ALL ON FUNCTION public.message_trim(TEXT) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.is_uuid_form(TEXT) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.message_field_error(JSONB, TEXT, TEXT, BOOLEAN, BOOLEAN, NUMERIC,
                                                  NUMERIC) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.carried_artist_error(JSONB) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.stage_message_error(TEXT, JSONB) FROM PUBLIC;
