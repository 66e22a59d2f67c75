-- Queue management functions: validation, dead-lettering, DLQ listing, entry points.
-- Departure from the spec everywhere here: every SECURITY DEFINER function pins search_path
-- (pg_temp last), so a caller cannot shadow now(), a table or a pgmq function.

CREATE OR REPLACE FUNCTION public.is_nonempty_text(p_message JSONB, p_field TEXT)
RETURNS BOOLEAN
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT jsonb_typeof(p_message -> p_field) = 'string'
     AND length(btrim(p_message ->> p_field)) > 0;
$$;

-- Departure: the spec's validators only tested that the key exists; a number, an empty string
-- or a JSON null passed. These require a non-empty string.
CREATE OR REPLACE FUNCTION public.validate_album_discovery_message(p_message JSONB)
RETURNS BOOLEAN
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
  SELECT coalesce(jsonb_typeof(p_message) = 'object'
                  AND public.is_nonempty_text(p_message, 'artistId'), FALSE);
$$;

CREATE OR REPLACE FUNCTION public.validate_producer_identification_message(p_message JSONB)
RETURNS BOOLEAN
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
  SELECT coalesce(jsonb_typeof(p_message) = 'object'
                  AND public.is_nonempty_text(p_message, 'trackId'), FALSE);
$$;

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
  IF p_message IS NULL OR jsonb_typeof(p_message) <> 'object' THEN
    RETURN jsonb_build_object('valid', FALSE, 'error', 'Message is not a JSON object',
                              'queue', p_queue_name);
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

CREATE OR REPLACE FUNCTION public.ensure_message_deleted(
  p_queue_name TEXT,
  p_message_id TEXT
) RETURNS BOOLEAN
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
  IF p_message_id !~ '^[0-9]+$' THEN
    RETURN FALSE;
  END IF;
  RETURN pgmq.delete(p_queue_name, p_message_id::BIGINT);
EXCEPTION WHEN undefined_table THEN
  RAISE NOTICE 'Queue % does not exist', p_queue_name;
  RETURN FALSE;
END;
$$;

-- Departure: the spec read the message from pgmq.get_queue_table_name(), which does not
-- exist, so it always returned FALSE. This reads it from the source queue's own table
-- (pgmq.q_<name>, quoted with format('%I')), locking the row so two workers cannot move it
-- twice, sends it to the DLQ with _dlq_metadata, deletes it from the source and logs the move.
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
BEGIN
  IF message_id IS NULL OR message_id !~ '^[0-9]+$' THEN
    RAISE NOTICE 'Message id % is not a pgmq message id', message_id;
    RETURN FALSE;
  END IF;

  IF NOT EXISTS (SELECT 1 FROM pgmq.meta m WHERE m.queue_name = dlq_name) THEN
    PERFORM pgmq.create(dlq_name);
  END IF;

  BEGIN
    EXECUTE format('SELECT message, read_ct, enqueued_at FROM pgmq.%I WHERE msg_id = $1 FOR UPDATE',
                   pgmq.format_table_name(source_queue, 'q'))
      INTO v_message, v_read_ct, v_enqueued_at
      USING message_id::BIGINT;
  EXCEPTION WHEN undefined_table THEN
    RAISE NOTICE 'Queue % does not exist', source_queue;
    RETURN FALSE;
  END;

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
      'failure_reason', failure_reason,
      'read_ct', v_read_ct,
      'enqueued_at', v_enqueued_at,
      'custom_metadata', metadata
    )
  );

  SELECT pgmq.send(dlq_name, v_message) INTO v_dlq_msg_id;
  PERFORM public.ensure_message_deleted(source_queue, message_id);

  INSERT INTO public.monitoring_events (event_type, details)
  VALUES ('message_moved_to_dlq', jsonb_build_object(
    'source_queue', source_queue,
    'dlq_name', dlq_name,
    'source_message_id', message_id,
    'dlq_message_id', v_dlq_msg_id,
    'failure_reason', failure_reason,
    'timestamp', now()
  ));
  RETURN TRUE;
END;
$$;

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

CREATE OR REPLACE FUNCTION public.start_artist_discovery(name TEXT)
RETURNS BIGINT
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  v_name TEXT := btrim(name);
BEGIN
  IF v_name IS NULL OR v_name = '' THEN
    RAISE EXCEPTION 'start_artist_discovery: the artist name must not be empty'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN pgmq.send('artist_discovery', jsonb_build_object('artistName', v_name));
END;
$$;

-- Bulk discovery by genre. SQL cannot call Spotify, so this queues (1) every stored artist
-- tagged with the genre and (2) one genre-search message that the artist_discovery worker
-- expands through Spotify's `genre:"…"` search, 10 results a page, up to limit_count.
-- Popularity is only known where Spotify returns it (not in development mode): the filter
-- keeps artists whose popularity is unknown.
-- Departure from the original system: it tested `metadata->>'genres' ? genre`, which never
-- applies (->> yields text); this uses metadata->'genres'.
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
