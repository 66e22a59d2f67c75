-- Entity locking and the stored-procedure writes of track discovery.

-- The five transitions of the spec (new, PENDING, IN_PROGRESS fresh/timed out, COMPLETED,
-- FAILED), plus, as departures:
-- * optional p_worker_id / p_lock_ttl_seconds: when a worker id is given, the lock is also
--   recorded in processing_locks and kept alive by heartbeat_processing_lock(); an
--   IN_PROGRESS entity whose lock row has missed its heartbeat for ttl seconds is taken
--   over at once, so a killed worker's message is redone after its visibility timeout,
--   not after p_timeout_minutes. Without a lock row the spec's rule applies.
-- * the first acquisition counts as attempt 1 (the spec left it at 0).
-- * search_path pinned.
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

-- Not in the spec: the heartbeat of a long-running handler. FALSE means the lock is no
-- longer this worker's (it was taken over), and the worker must not commit.
CREATE OR REPLACE FUNCTION public.heartbeat_processing_lock(
  p_entity_type TEXT,
  p_entity_id TEXT,
  p_worker_id TEXT
) RETURNS BOOLEAN
LANGUAGE sql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
  WITH beat AS (
    UPDATE public.processing_locks
    SET last_heartbeat = NOW()
    WHERE entity_type = p_entity_type AND entity_id = p_entity_id AND worker_id = p_worker_id
    RETURNING 1
  )
  SELECT EXISTS (SELECT 1 FROM beat);
$$;

-- Not in the spec: the end of a processing attempt, inside the worker's one commit.
-- p_outcome: 'COMPLETED' (done), 'PENDING' (transient failure, will be retried) or
-- 'FAILED' (permanent failure or dead-lettered). The lock must still be this worker's
-- (fencing): otherwise the transaction is aborted, so a worker whose lock was taken over
-- can never apply its effects a second time.
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

-- Departures from the spec's version:
-- * the normalized name comes from the worker (`normalized_name` in each track's JSON: the
--   title normalizer strips "(feat. …)", "- 2019 Remaster", "(Deluxe …)", "(Prod. by …)");
--   the spec's fallback regexp dropped every non-ASCII letter, so a title in another script
--   became the empty string. The fallback here keeps letters of every script.
-- * each result says whether its normalized track is new (`is_new_song`), so the worker
--   enqueues producer identification once per song, not once per edition.
-- * search_path pinned.
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
