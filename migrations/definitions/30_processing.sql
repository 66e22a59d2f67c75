-- Entity locking and the stored-procedure writes of track discovery, and the maintenance of
-- stuck entities and stale locks.

-- Departure: the spec's version did not run (a bare DELETE … RETURNING has no destination in
-- plpgsql) and returned the new state of reset rows instead of the previous one. This deletes
-- locks whose heartbeat is over an hour old and resets IN_PROGRESS statuses untouched for an
-- hour (and not covered by a live lock) to PENDING, one row per action, with the state the
-- entity was in before.
CREATE OR REPLACE FUNCTION public.maintenance_clear_stale_entities()
RETURNS TABLE(entity_type TEXT, entity_id TEXT, state TEXT, action TEXT)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  WITH deleted AS (
    DELETE FROM public.processing_locks l
    WHERE l.last_heartbeat < NOW() - INTERVAL '1 hour'
    RETURNING l.entity_type, l.entity_id
  )
  SELECT d.entity_type, d.entity_id,
         (SELECT s.state FROM public.processing_status s
          WHERE s.entity_type = d.entity_type AND s.entity_id = d.entity_id),
         'lock_deleted'::TEXT
  FROM deleted d;

  RETURN QUERY
  WITH previous AS (
    SELECT s.id, s.state AS previous_state
    FROM public.processing_status s
    WHERE s.state = 'IN_PROGRESS'
      AND s.last_processed_at < NOW() - INTERVAL '1 hour'
      AND NOT EXISTS (
        SELECT 1 FROM public.processing_locks l
        WHERE l.entity_type = s.entity_type AND l.entity_id = s.entity_id
          AND l.last_heartbeat >= NOW() - make_interval(secs => l.ttl_seconds))
    FOR UPDATE
  ), updated AS (
    UPDATE public.processing_status s
    SET state = 'PENDING',
        last_processed_at = NOW(),
        updated_at = NOW(),
        metadata = jsonb_set(COALESCE(s.metadata, '{}'::jsonb), '{auto_maintenance}',
                             jsonb_build_object('previous_state', p.previous_state, 'reset_at', NOW()))
    FROM previous p
    WHERE s.id = p.id
    RETURNING s.entity_type, s.entity_id, p.previous_state
  )
  SELECT u.entity_type, u.entity_id, u.previous_state, 'status_reset'::TEXT FROM updated u;
END;
$$;
GRANT EXECUTE ON FUNCTION public.maintenance_clear_stale_entities() TO discovery_operator;

-- Entities whose status and lock disagree.
CREATE OR REPLACE FUNCTION public.find_inconsistent_states()
RETURNS TABLE(entity_type TEXT, entity_id TEXT, state TEXT, issue TEXT, details JSONB)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
  SELECT s.entity_type, s.entity_id, s.state, 'in_progress_without_lock',
         jsonb_build_object('last_processed_at', s.last_processed_at)
  FROM public.processing_status s
  WHERE s.state = 'IN_PROGRESS'
    AND s.last_processed_at < NOW() - INTERVAL '30 minutes'
    AND NOT EXISTS (SELECT 1 FROM public.processing_locks l
                    WHERE l.entity_type = s.entity_type AND l.entity_id = s.entity_id)
  UNION ALL
  SELECT s.entity_type, s.entity_id, s.state, 'stale_lock',
         jsonb_build_object('worker_id', l.worker_id, 'last_heartbeat', l.last_heartbeat,
                            'ttl_seconds', l.ttl_seconds)
  FROM public.processing_status s
  JOIN public.processing_locks l ON l.entity_type = s.entity_type AND l.entity_id = s.entity_id
  WHERE s.state = 'IN_PROGRESS'
    AND l.last_heartbeat < NOW() - make_interval(secs => l.ttl_seconds)
  UNION ALL
  SELECT l.entity_type, l.entity_id, s.state, 'lock_without_work',
         jsonb_build_object('worker_id', l.worker_id, 'last_heartbeat', l.last_heartbeat)
  FROM public.processing_locks l
  LEFT JOIN public.processing_status s
    ON s.entity_type = l.entity_type AND s.entity_id = l.entity_id
  WHERE s.state IS DISTINCT FROM 'IN_PROGRESS'
  UNION ALL
  SELECT s.entity_type, s.entity_id, s.state, 'dead_lettered_but_not_failed',
         jsonb_build_object('last_error', s.last_error)
  FROM public.processing_status s
  WHERE s.dead_lettered AND s.state <> 'FAILED'
  ORDER BY 1, 2;
$$;
GRANT EXECUTE ON FUNCTION public.find_inconsistent_states() TO discovery_operator;

-- Deletes locks whose heartbeat is older than p_stale_seconds and puts their entities back
-- to PENDING, so the next delivery of the message can take them at once.
CREATE OR REPLACE FUNCTION public.cleanup_stale_locks(p_stale_seconds INTEGER DEFAULT 300)
RETURNS TABLE(entity_type TEXT, entity_id TEXT, worker_id TEXT, last_heartbeat TIMESTAMPTZ)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
#variable_conflict use_column
BEGIN
  IF p_stale_seconds IS NULL OR p_stale_seconds < 0 THEN
    RAISE EXCEPTION 'cleanup_stale_locks: seconds must be >= 0'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN QUERY
  WITH deleted AS (
    DELETE FROM public.processing_locks l
    WHERE l.last_heartbeat < NOW() - make_interval(secs => p_stale_seconds)
    RETURNING l.entity_type, l.entity_id, l.worker_id, l.last_heartbeat
  ), released AS (
    UPDATE public.processing_status s
    SET state = 'PENDING', updated_at = NOW(),
        last_error = COALESCE(s.last_error, 'lock expired: worker stopped heartbeating')
    FROM deleted d
    WHERE s.entity_type = d.entity_type AND s.entity_id = d.entity_id AND s.state = 'IN_PROGRESS'
  )
  SELECT d.entity_type, d.entity_id, d.worker_id, d.last_heartbeat FROM deleted d;
END;
$$;
GRANT EXECUTE ON FUNCTION public.cleanup_stale_locks(integer) TO discovery_operator;

-- The five transitions of the spec (new, PENDING, IN_PROGRESS fresh/timed out, COMPLETED,
-- FAILED), plus, as departures:
-- * optional p_worker_id / p_lock_ttl_seconds: when a worker id is given, the lock is also
--   recorded in processing_locks and kept alive by heartbeat_processing_lock(); an
--   IN_PROGRESS entity whose lock row has missed its heartbeat for ttl seconds is taken
--   over at once, so a killed worker's message is redone after its visibility timeout,
--   not after p_timeout_minutes. Without a lock row the spec's rule applies.
-- * the first acquisition counts as attempt 1 (the spec left it at 0).
-- * search_path pinned.
-- Its arguments are checked first (invalid_parameter_value).
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
GRANT EXECUTE ON FUNCTION public.acquire_processing_lock(text,text,integer,text,text,integer) TO discovery_worker;

-- Not in the spec: the end of a processing attempt, inside the worker's one commit.
-- p_outcome: 'COMPLETED' (done), 'PENDING' (transient failure, will be retried) or
-- 'FAILED' (permanent failure or dead-lettered). The lock must still be this worker's
-- (fencing): otherwise the transaction is aborted, so a worker whose lock was taken over
-- can never apply its effects a second time.
-- Its arguments are checked first (invalid_parameter_value).
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
GRANT EXECUTE ON FUNCTION public.finish_processing(text,text,text,text,text,jsonb,boolean) TO discovery_worker;

-- Editions. A song (normalized_tracks) is identified from its best edition, the
-- representative: the ONE ranking of editions is song_best_edition() below. Track discovery
-- classifies each track (text.edition_qualifier: the kind of version its title or its album's
-- title names, NULL for a plain studio version) and stores it in tracks.edition_qualifier;
-- the ranking orders a song's editions by
--   1. the qualifier's class (edition_qualifier_class): plain 0, a remaster or reissue of the
--      same recording 1, another studio version (remix, acoustic, instrumental, edit…) 2, a
--      live or demo take 3 (never chosen while a plain one exists);
--   2. the album's release date, earliest first (the stored date, else the release date in the
--      album's metadata; unknown last);
--   3. the album type: album or single before compilation, then anything else;
--   4. then, as a departure from "lowest id": the lowest Spotify id, then the lowest row id
--      (row ids are random per database; Spotify ids are the same in every run).
CREATE OR REPLACE FUNCTION public.edition_qualifier_class(p_qualifier TEXT)
RETURNS INTEGER
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
SET search_path = pg_catalog, public, pg_temp
AS $$
  SELECT CASE
    WHEN p_qualifier IS NULL OR p_qualifier = '' THEN 0
    WHEN p_qualifier IN ('remaster', 'reissue', 'deluxe') THEN 1
    WHEN p_qualifier IN ('live', 'demo') THEN 3
    ELSE 2 END;
$$;
GRANT EXECUTE ON FUNCTION public.edition_qualifier_class(text) TO discovery_worker, discovery_operator, discovery_reader;

-- The best edition of one song (see above), or NULL when no track is linked to it.
CREATE OR REPLACE FUNCTION public.song_best_edition(p_normalized_track_id UUID)
RETURNS UUID
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
  SELECT t.id
  FROM public.tracks t
  JOIN public.albums al ON al.id = t.album_id
  WHERE t.normalized_track_id = p_normalized_track_id
  ORDER BY public.edition_qualifier_class(t.edition_qualifier),
           COALESCE(al.release_date::TEXT, NULLIF(al.metadata ->> 'release_date', '')) NULLS LAST,
           CASE COALESCE(al.metadata ->> 'album_type', 'album')
             WHEN 'album' THEN 0 WHEN 'single' THEN 0 WHEN 'compilation' THEN 1 ELSE 2 END,
           t.spotify_id NULLS LAST,
           t.id
  LIMIT 1;
$$;
GRANT EXECUTE ON FUNCTION public.song_best_edition(uuid) TO discovery_worker, discovery_operator;

-- The song's representative becomes its best edition (song_best_edition). When that changes
-- the song's credits and evidence move to the new one (move_song_credits) and a COMPLETED song
-- goes back to PENDING, as requeue_identification_gaps() does, with what changed in its
-- metadata; the caller sends it to producer identification again. TRUE when it changed. The
-- song's row lock orders two batches holding editions of one song: the second to take it sees
-- the first's committed edition, so the last one ranks them all.
CREATE OR REPLACE FUNCTION public.rank_song_representative(p_normalized_track_id UUID)
RETURNS BOOLEAN
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  v_current UUID;
  v_best UUID;
BEGIN
  SELECT representative_track_id INTO v_current FROM public.normalized_tracks
  WHERE id = p_normalized_track_id FOR UPDATE;
  IF NOT FOUND THEN
    RETURN FALSE;
  END IF;
  v_best := public.song_best_edition(p_normalized_track_id);
  IF v_best IS NULL OR v_best = v_current THEN
    RETURN FALSE;
  END IF;
  UPDATE public.normalized_tracks SET representative_track_id = v_best, updated_at = NOW()
  WHERE id = p_normalized_track_id;
  IF v_current IS NOT NULL THEN
    PERFORM public.move_song_credits(v_current, v_best);
  END IF;
  UPDATE public.processing_status
  SET state = 'PENDING', updated_at = NOW(),
      metadata = COALESCE(metadata, '{}'::jsonb) || jsonb_build_object(
        'representative_changed', jsonb_build_object('from', v_current, 'to', v_best,
                                                     'at', NOW()))
  WHERE entity_type = 'track' AND entity_id = p_normalized_track_id::TEXT
    AND state = 'COMPLETED';
  RETURN TRUE;
END;
$$;
GRANT EXECUTE ON FUNCTION public.rank_song_representative(uuid) TO discovery_worker;

-- Songs stored before their editions were ranked (a database upgraded past migration 0130):
-- each song whose representative is not its best edition gets it (rank_song_representative)
-- and is sent to producer identification again, with the refresh stamp track discovery uses
-- ("representative:<track id>"). Run once after the upgrade; a second call finds nothing.
-- Its arguments are checked first (invalid_parameter_value).
CREATE OR REPLACE FUNCTION public.rank_song_editions(p_limit INTEGER DEFAULT 10000)
RETURNS TABLE(normalized_track_id UUID, representative_track_id UUID, msg_id BIGINT)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  v_song RECORD;
BEGIN
  IF p_limit IS NULL OR p_limit < 1 OR p_limit > 100000 THEN
    RAISE EXCEPTION 'rank_song_editions: p_limit must be in [1, 100000]'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  FOR v_song IN
    SELECT nt.id, nt.artist_id FROM public.normalized_tracks nt
    WHERE public.song_best_edition(nt.id) IS DISTINCT FROM nt.representative_track_id
      AND public.song_best_edition(nt.id) IS NOT NULL
    ORDER BY nt.id
    LIMIT p_limit
  LOOP
    IF public.rank_song_representative(v_song.id) THEN
      normalized_track_id := v_song.id;
      SELECT nt.representative_track_id INTO representative_track_id
      FROM public.normalized_tracks nt WHERE nt.id = v_song.id;
      msg_id := pgmq.send(
        queue_name => 'producer_identification'::TEXT,
        msg => jsonb_build_object('trackId', representative_track_id::TEXT,
                                  'normalizedTrackId', v_song.id::TEXT,
                                  'artistId', v_song.artist_id::TEXT,
                                  'refresh', 'representative:' || representative_track_id::TEXT));
      RETURN NEXT;
    END IF;
  END LOOP;
END;
$$;
GRANT EXECUTE ON FUNCTION public.rank_song_editions(integer) TO discovery_operator;

-- Departures from the spec's version:
-- * the normalized name comes from the worker (`normalized_name` in each track's JSON: the
--   title normalizer strips "(feat. …)", "- 2019 Remaster", "(Deluxe …)", "(Prod. by …)");
--   the spec's fallback regexp dropped every non-ASCII letter, so a title in another script
--   became the empty string. The fallback here keeps letters of every script.
-- * each result says whether its normalized track is new (`is_new_song`), so the worker
--   enqueues producer identification once per song, not once per edition.
-- * every track is linked to its song (tracks.normalized_track_id) with its edition
--   qualifier (`edition_qualifier` in the track's JSON), and the song's representative is its
--   best edition (song_best_edition), whatever order the editions arrive in. When a better
--   edition of an existing song arrives, it becomes the representative, the song's credits
--   move to it (a song's credits live on its representative only), a COMPLETED song goes back
--   to PENDING (rank_song_representative), and the result says
--   `representative_changed`: the worker sends the song to producer identification again,
--   which replaces the moved credits with what the sources say of the new edition.
-- * search_path pinned.
-- Its arguments are checked first (invalid_parameter_value).
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
  v_current UUID;
  v_changed BOOLEAN;
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
      album_id, spotify_id, name, duration_ms, popularity, spotify_preview_url, metadata,
      edition_qualifier
    ) VALUES (
      p_album_id,
      v_track->>'spotify_id',
      v_track->>'name',
      (v_track->>'duration_ms')::INTEGER,
      (v_track->>'popularity')::INTEGER,
      v_track->>'spotify_preview_url',
      v_track->'metadata',
      left(NULLIF(v_track->>'edition_qualifier', ''), 40)
    )
    ON CONFLICT (spotify_id)
    DO UPDATE SET
      name = EXCLUDED.name,
      duration_ms = EXCLUDED.duration_ms,
      popularity = EXCLUDED.popularity,
      spotify_preview_url = EXCLUDED.spotify_preview_url,
      metadata = EXCLUDED.metadata,
      edition_qualifier = EXCLUDED.edition_qualifier,
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
    UPDATE tracks SET normalized_track_id = v_normalized_id
    WHERE id = v_track_id AND normalized_track_id IS DISTINCT FROM v_normalized_id;

    v_changed := public.rank_song_representative(v_normalized_id);
    SELECT representative_track_id INTO v_current FROM normalized_tracks
    WHERE id = v_normalized_id;

    v_results = v_results || jsonb_build_object(
      'track_id', v_track_id,
      'name', v_track->>'name',
      'spotify_id', v_track->>'spotify_id',
      'normalized_track_id', v_normalized_id,
      'normalized_name', v_normalized_name,
      'is_new_song', v_is_new,
      'representative_track_id', v_current,
      'representative_changed', v_changed AND NOT v_is_new
    );
    v_count = v_count + 1;
  END LOOP;

  RETURN jsonb_build_object('processed', v_count, 'results', v_results);
EXCEPTION WHEN OTHERS THEN
  RETURN jsonb_build_object('error', SQLERRM, 'detail', SQLSTATE);
END;
$$;
GRANT EXECUTE ON FUNCTION public.process_track_batch(jsonb[],uuid,uuid) TO discovery_worker;

-- A song's credits (track_producers) and their evidence move from its old representative to
-- its new one: they live on the representative only. A row the new one already holds (left by
-- an earlier identification) wins; the old one's are removed either way.
CREATE OR REPLACE FUNCTION public.move_song_credits(p_from UUID, p_to UUID)
RETURNS VOID
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
  IF p_from IS NULL OR p_to IS NULL OR p_from = p_to THEN
    RETURN;
  END IF;
  UPDATE public.track_producers o SET track_id = p_to
  WHERE o.track_id = p_from
    AND NOT EXISTS (SELECT 1 FROM public.track_producers n
                    WHERE n.track_id = p_to AND n.producer_id = o.producer_id);
  DELETE FROM public.track_producers WHERE track_id = p_from;
  UPDATE public.track_producer_evidence o SET track_id = p_to
  WHERE o.track_id = p_from
    AND NOT EXISTS (SELECT 1 FROM public.track_producer_evidence n
                    WHERE n.track_id = p_to AND n.producer_id = o.producer_id
                      AND n.source = o.source AND n.role = o.role);
  DELETE FROM public.track_producer_evidence WHERE track_id = p_from;
END;
$$;
GRANT EXECUTE ON FUNCTION public.move_song_credits(uuid,uuid) TO discovery_worker;

-- Producer identification, inside its one commit: TRUE when p_track_id is still the song's
-- representative. The song's row is locked (FOR SHARE) until the commit, so a better edition
-- arriving meanwhile waits for the credits to be stored and then moves them, or, if it came
-- first, this returns FALSE and the identification is retried on the new representative.
-- Credits left on another edition of the song (before editions were linked) are removed.
CREATE OR REPLACE FUNCTION public.claim_song_representative(
  p_normalized_track_id UUID,
  p_track_id UUID
) RETURNS BOOLEAN
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  v_current UUID;
BEGIN
  IF p_normalized_track_id IS NULL OR p_track_id IS NULL THEN
    RAISE EXCEPTION 'claim_song_representative: a song and a track are required'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT representative_track_id INTO v_current FROM public.normalized_tracks
  WHERE id = p_normalized_track_id FOR SHARE;
  IF NOT FOUND THEN
    RETURN TRUE;  -- a song without its row: the track alone is identified (older messages)
  END IF;
  IF v_current IS DISTINCT FROM p_track_id THEN
    RETURN FALSE;
  END IF;
  DELETE FROM public.track_producers tp
  USING public.tracks t
  WHERE t.normalized_track_id = p_normalized_track_id AND t.id <> p_track_id
    AND tp.track_id = t.id;
  DELETE FROM public.track_producer_evidence e
  USING public.tracks t
  WHERE t.normalized_track_id = p_normalized_track_id AND t.id <> p_track_id
    AND e.track_id = t.id;
  RETURN TRUE;
END;
$$;
GRANT EXECUTE ON FUNCTION public.claim_song_representative(uuid,uuid) TO discovery_worker;

-- Resets entities of one type stuck IN_PROGRESS for more than p_minutes (and without a live
-- lock) to PENDING, dropping their locks.
-- Its arguments are checked first (invalid_parameter_value).
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
GRANT EXECUTE ON FUNCTION public.reset_entity_processing_state(text,integer) TO discovery_operator;

-- Not in the original specification: the heartbeat of a long-running handler. FALSE means
-- the lock is no longer this worker's (it was taken over), and the worker must not commit.
-- Its arguments are checked first (invalid_parameter_value).
CREATE OR REPLACE FUNCTION public.heartbeat_processing_lock(
  p_entity_type TEXT,
  p_entity_id TEXT,
  p_worker_id TEXT
) RETURNS BOOLEAN
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
  PERFORM public.require_lock_arguments(p_entity_type, p_entity_id, p_worker_id);
  UPDATE public.processing_locks
  SET last_heartbeat = NOW()
  WHERE entity_type = p_entity_type AND entity_id = p_entity_id AND worker_id = p_worker_id;
  RETURN FOUND;
END;
$$;
GRANT EXECUTE ON FUNCTION public.heartbeat_processing_lock(text,text,text) TO discovery_worker;
