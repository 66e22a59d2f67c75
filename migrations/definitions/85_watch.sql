-- Watched artists (migration 0133): every discovered artist is watched; refresh_watched_artists()
-- walks the newest albums of the watched ones again, a share per run spread over
-- settings.artist_refresh_interval (default 7 days); get_new_since() says what arrived since a
-- date. The pg_cron job artist-refresh (95_schedules.sql) runs the refresh every hour.

-- The artists an operator's ARTIST names: the artist with that id (UUID form), else every
-- artist of that name (case and surrounding spaces ignored). Empty: nobody.
CREATE OR REPLACE FUNCTION public.artists_named(p_artist TEXT)
RETURNS SETOF public.artists
LANGUAGE sql
STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
  SELECT a.* FROM public.artists a
  WHERE CASE WHEN public.is_uuid_form(btrim(p_artist))
             THEN a.id = btrim(p_artist)::UUID
             ELSE lower(a.name) = lower(btrim(p_artist)) END
  ORDER BY a.created_at, a.id;
$$;

-- Watch (p_watched) or stop watching one artist, by id or name. No row: no such artist. A
-- name that several artists share is refused (invalid_parameter_value, their ids listed):
-- the operator gives the id of the one meant.
CREATE OR REPLACE FUNCTION public.set_artist_watched(p_artist TEXT, p_watched BOOLEAN)
RETURNS TABLE(artist_id UUID, name TEXT, watched BOOLEAN, refreshed_at TIMESTAMPTZ)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  v_ids UUID[];
BEGIN
  PERFORM public.require_bounded_text('set_artist_watched: artist', p_artist, 300);
  IF p_watched IS NULL THEN
    RAISE EXCEPTION 'set_artist_watched: watched must be true or false'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT array_agg(a.id) INTO v_ids FROM public.artists_named(p_artist) a;
  IF cardinality(v_ids) > 1 THEN
    RAISE EXCEPTION '% artists are named %: give the id of the one you mean (%)',
      cardinality(v_ids), btrim(p_artist), array_to_string(v_ids[1:5], ', ')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN QUERY
  UPDATE public.artists a SET watched = p_watched, updated_at = now()
  WHERE a.id = ANY(COALESCE(v_ids, '{}'))
  RETURNING a.id, a.name, a.watched, a.refreshed_at;
END;
$$;
GRANT EXECUTE ON FUNCTION public.set_artist_watched(text,boolean) TO discovery_operator;

CREATE OR REPLACE FUNCTION public.watch_artist(p_artist TEXT)
RETURNS TABLE(artist_id UUID, name TEXT, watched BOOLEAN, refreshed_at TIMESTAMPTZ)
LANGUAGE sql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
  SELECT * FROM public.set_artist_watched(p_artist, TRUE);
$$;
GRANT EXECUTE ON FUNCTION public.watch_artist(text) TO discovery_operator;

CREATE OR REPLACE FUNCTION public.unwatch_artist(p_artist TEXT)
RETURNS TABLE(artist_id UUID, name TEXT, watched BOOLEAN, refreshed_at TIMESTAMPTZ)
LANGUAGE sql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
  SELECT * FROM public.set_artist_watched(p_artist, FALSE);
$$;
GRANT EXECUTE ON FUNCTION public.unwatch_artist(text) TO discovery_operator;

-- How often each watched artist is walked again: settings.artist_refresh_interval, at least
-- an hour (the job's period), default 7 days when unset or unreadable.
CREATE OR REPLACE FUNCTION public.artist_refresh_interval()
RETURNS INTERVAL
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  v_interval INTERVAL;
BEGIN
  BEGIN
    SELECT s.value::INTERVAL INTO v_interval FROM public.settings s
    WHERE s.key = 'artist_refresh_interval';
  EXCEPTION WHEN invalid_datetime_format OR datetime_field_overflow THEN
    v_interval := NULL;
  END;
  RETURN GREATEST(COALESCE(v_interval, INTERVAL '7 days'), INTERVAL '1 hour');
END;
$$;

-- The refresh: watched artists whose last walk (their last refresh, else their discovery) is
-- at least artist_refresh_interval old are due; one run queues a refresh for the oldest due
-- ones only, at most its share of the period (watched artists × one hour / interval, at
-- least 1; p_limit instead when given), so a week's refreshes come an hour's share at a time
-- and never as a burst on the Spotify budget. Each refresh is one album_discovery message
--   {"artistId", "spotifyId", "refresh": "<timestamp>"}
-- which reads only the newest page of each album group until an album already stored
-- appears, and sends only the new albums on (workers/album_discovery.py).
-- Idempotent: the artist's refreshed_at is stamped in the same transaction (so it is no
-- longer due), an artist whose refresh still waits in the queue is skipped, and two calls
-- never overlap (advisory lock). The entity ("artist_refresh", id) of an earlier refresh is
-- reopened (COMPLETED → PENDING) so the runtime does not take the new one for a duplicate;
-- the stamp makes its idempotency key new.
CREATE OR REPLACE FUNCTION public.refresh_watched_artists(p_limit INTEGER DEFAULT NULL)
RETURNS TABLE(artist_id UUID, name TEXT, msg_id BIGINT)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  v_interval INTERVAL := public.artist_refresh_interval();
  v_refresh TEXT := to_char(clock_timestamp() AT TIME ZONE 'UTC',
                            'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');
  v_watched BIGINT;
  v_share INTEGER;
BEGIN
  IF p_limit IS NOT NULL AND (p_limit < 1 OR p_limit > 100000) THEN
    RAISE EXCEPTION 'refresh_watched_artists: p_limit must be in [1, 100000]'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM pg_advisory_xact_lock(hashtext('public.refresh_watched_artists'));
  SELECT count(*) INTO v_watched FROM public.artists a
  WHERE a.watched AND a.spotify_id IS NOT NULL;
  v_share := COALESCE(p_limit, LEAST(100000, GREATEST(1, ceil(
    v_watched * 3600.0 / extract(epoch FROM v_interval)))::INTEGER));

  RETURN QUERY
  WITH due AS (
    SELECT a.id, a.name, a.spotify_id
    FROM public.artists a
    WHERE a.watched AND a.spotify_id IS NOT NULL
      -- an id the message's model takes (1 to 100 characters, not blank): nothing else is
      -- an artist Spotify knows
      AND length(a.spotify_id) <= 100 AND public.message_trim(a.spotify_id) <> ''
      AND COALESCE(a.refreshed_at, a.created_at) <= now() - v_interval
      AND NOT EXISTS (
        SELECT 1 FROM pgmq.q_album_discovery q
        WHERE q.message ->> 'artistId' = a.id::TEXT AND q.message ? 'refresh')
    ORDER BY COALESCE(a.refreshed_at, a.created_at), a.id
    LIMIT v_share
    FOR UPDATE OF a SKIP LOCKED
  ), stamped AS (
    UPDATE public.artists a SET refreshed_at = now()
    FROM due WHERE a.id = due.id
  ), reopened AS (
    UPDATE public.processing_status s
    SET state = 'PENDING', updated_at = now(),
        metadata = COALESCE(s.metadata, '{}'::JSONB) || jsonb_build_object('refresh', v_refresh)
    FROM due
    WHERE s.entity_type = 'artist_refresh' AND s.entity_id = due.id::TEXT
      AND s.state = 'COMPLETED'
  )
  SELECT due.id, due.name,
         pgmq.send(queue_name => 'album_discovery'::TEXT,
                   msg => jsonb_build_object('artistId', due.id::TEXT,
                                             'spotifyId', due.spotify_id,
                                             'refresh', v_refresh))
  FROM due;
END;
$$;
GRANT EXECUTE ON FUNCTION public.refresh_watched_artists(integer) TO discovery_operator;

-- What arrived since a date: the albums stored since then and the credits found since then
-- (newest first, at most p_max of each; the counts are of all of them). No contact details:
-- the reader may call it (the web's /api/new and its dashboard panel).
--   {"since", "albums": [{"id", "name", "artist_id", "artist", "release_date", "arrived_at"}],
--    "credits": [{"track_id", "track", "album", "artist_id", "artist", "producer_id",
--                 "producer", "roles", "sources", "confidence", "arrived_at"}],
--    "album_count", "credit_count"}
CREATE OR REPLACE FUNCTION public.get_new_since(since TIMESTAMPTZ, p_max INTEGER DEFAULT 200)
RETURNS JSONB
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
  IF since IS NULL OR since = '-infinity'::TIMESTAMPTZ OR since = 'infinity'::TIMESTAMPTZ THEN
    RAISE EXCEPTION 'get_new_since: since must be a date and time'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_max IS NULL OR p_max < 1 OR p_max > 10000 THEN
    RAISE EXCEPTION 'get_new_since: p_max must be in [1, 10000]'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN jsonb_build_object(
    'since', since,
    'album_count', (SELECT count(*) FROM public.albums al WHERE al.created_at >= since),
    'credit_count', (SELECT count(*) FROM public.track_producers tp WHERE tp.created_at >= since),
    'albums', COALESCE((
      SELECT jsonb_agg(jsonb_build_object(
               'id', n.id, 'name', n.name, 'artist_id', n.artist_id, 'artist', n.artist,
               'release_date', n.release_date, 'arrived_at', n.created_at)
             ORDER BY n.created_at DESC, n.name)
      FROM (SELECT al.id, al.name, ar.id AS artist_id, ar.name AS artist, al.release_date,
                   al.created_at
            FROM public.albums al JOIN public.artists ar ON ar.id = al.artist_id
            WHERE al.created_at >= since
            ORDER BY al.created_at DESC, al.name
            LIMIT p_max) n), '[]'::JSONB),
    'credits', COALESCE((
      SELECT jsonb_agg(jsonb_build_object(
               'track_id', n.track_id, 'track', n.track, 'album', n.album,
               'artist_id', n.artist_id, 'artist', n.artist,
               'producer_id', n.producer_id, 'producer', n.producer, 'roles', n.roles,
               'sources', n.sources, 'confidence', n.confidence, 'arrived_at', n.created_at)
             ORDER BY n.created_at DESC, n.track, n.producer)
      FROM (SELECT t.id AS track_id, t.name AS track, al.name AS album, ar.id AS artist_id,
                   ar.name AS artist, p.id AS producer_id, p.name AS producer, tp.roles,
                   string_to_array(tp.source, '+') AS sources,
                   round(tp.confidence, 2) AS confidence, tp.created_at
            FROM public.track_producers tp
            JOIN public.tracks t ON t.id = tp.track_id
            JOIN public.albums al ON al.id = t.album_id
            JOIN public.artists ar ON ar.id = al.artist_id
            JOIN public.producers p ON p.id = tp.producer_id
            WHERE tp.created_at >= since
            ORDER BY tp.created_at DESC, t.name, p.name
            LIMIT p_max) n), '[]'::JSONB));
END;
$$;
GRANT EXECUTE ON FUNCTION public.get_new_since(timestamptz,integer)
  TO discovery_operator, discovery_reader;
