-- Producers: the enrichment refresh, the refill of identification gaps, the shared
-- identification plans and erasure.

-- (merge_producers and the other identity functions: definitions/55_identities.sql.)

-- Social enrichment refresh: producers enriched longer ago than settings.enrichment_ttl
-- (default 30 days), and producers whose last run could not query a source
-- (enrichment_failed), are sent back to the social_enrichment queue.
--
-- The worker runtime would refuse them otherwise, twice over: their entity
-- ("producer", id) is COMPLETED, so acquire_processing_lock turns it away, and a message
-- equal to the first one has the same idempotency key (derived from the body). So the
-- entity goes back to PENDING, and each message carries a `refresh` stamp:
-- {"producerId": "<uuid>", "refresh": "2026-11-03T04:30:00.123456Z"}.
-- A producer whose message is still waiting in the queue is not sent a second one, so a
-- second call (by hand or by cron) before the worker has caught up enqueues nothing twice.
-- Producers never enriched are left to the producer identification stage, which queues each
-- once (enrichment_queued_at); only one queued more than a day ago and still not enriched is
-- sent again.
-- Its arguments are checked first (invalid_parameter_value).
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
GRANT EXECUTE ON FUNCTION public.requeue_producer_enrichment(integer) TO discovery_operator;

-- The API whose outage left a gap, read from the gap's reason in missing_sources (what the
-- identifier wrote: "SourceBlocked: genius search: HTTP 403 …", "CredentialsRejected: genius
-- …"; a blocked Spotify leaves MusicBrainz without ISRCs: "SourceBlocked: spotify …"), lower
-- case; NULL for any other reason (an unreadable answer), which the hourly refill covers.
CREATE OR REPLACE FUNCTION public.identification_gap_api(p_reason TEXT)
RETURNS TEXT
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
  SELECT lower(substring(p_reason FROM '^(?:SourceBlocked|CredentialsRejected): ([A-Za-z][A-Za-z0-9_]*)[ :]'));
$$;
GRANT EXECUTE ON FUNCTION public.identification_gap_api(text)
  TO discovery_worker, discovery_operator, discovery_reader;

-- 0081's requeue_identification_gaps, queuing only the tracks whose ids are in the UUID form
-- the message's model asks for (processing_status rows of another shape are left alone).
-- p_source (migration 0131): only the tracks with a gap left because that API was out
-- (identification_gap_api), for the refill when it answers again.
DROP FUNCTION IF EXISTS public.requeue_identification_gaps(interval, integer);
CREATE OR REPLACE FUNCTION public.requeue_identification_gaps(
  p_after INTERVAL DEFAULT INTERVAL '1 hour',
  p_limit INTEGER DEFAULT 1000,
  p_source TEXT DEFAULT NULL
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
  IF p_source IS NOT NULL AND NOT public.source_is_registered(p_source, 'api') THEN
    RAISE EXCEPTION 'requeue_identification_gaps: unknown source % (not an API of the registry)',
                    left(p_source, 40)
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
      AND (p_source IS NULL OR EXISTS (
            SELECT 1 FROM jsonb_each_text(s.metadata -> 'missing_sources') gap
            WHERE public.identification_gap_api(gap.value) = p_source))
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
GRANT EXECUTE ON FUNCTION public.requeue_identification_gaps(interval,integer,text) TO discovery_operator;

-- Per API of the registry: whether it is out (since when, what is left of its block), the
-- songs waiting for it (producer identification deferred them: PENDING, last error
-- "WaitingForSource: waiting for <api>[, <api>] (…)"), the songs completed with a gap its
-- outage left (refilled when it answers again), and how many of those are due now (it has
-- answered since: no outage in progress). Counts only, no personal data.
CREATE OR REPLACE FUNCTION public.get_source_gaps()
RETURNS TABLE(source TEXT, out_since TIMESTAMPTZ, blocked_seconds DOUBLE PRECISION,
              songs_waiting BIGINT, gaps_pending BIGINT, refill_due BIGINT)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
  WITH waiting AS (
    SELECT btrim(api) AS api, count(*) AS songs
    FROM public.processing_status s,
         unnest(string_to_array(substring(s.last_error FROM
                '^WaitingForSource: waiting for ([a-z0-9_, ]+) \('), ',')) api
    WHERE s.entity_type = 'track' AND s.state = 'PENDING'
      AND s.last_error LIKE 'WaitingForSource: %'
    GROUP BY 1
  ), gaps AS (
    SELECT gap.api, count(DISTINCT s.entity_id) AS songs
    FROM public.processing_status s,
         LATERAL (SELECT public.identification_gap_api(g.value) AS api
                  FROM jsonb_each_text(s.metadata -> 'missing_sources') g) gap
    WHERE s.entity_type = 'track' AND s.state = 'COMPLETED'
      AND jsonb_typeof(s.metadata -> 'missing_sources') = 'object'
      AND s.metadata -> 'missing_sources' <> '{}'::jsonb
      AND gap.api IS NOT NULL
    GROUP BY 1
  )
  SELECT r.name,
         l.outage_started_at,
         CASE WHEN l.blocks > 0 THEN greatest(0, extract(epoch FROM
              l.blocked_at + make_interval(secs => l.block_seconds) - clock_timestamp()))
              ELSE 0 END::DOUBLE PRECISION,
         coalesce(w.songs, 0),
         coalesce(g.songs, 0),
         CASE WHEN l.outage_started_at IS NULL THEN coalesce(g.songs, 0) ELSE 0 END
  FROM public.registered_sources r
  LEFT JOIN public.api_rate_limits l ON l.api = r.name
  LEFT JOIN waiting w ON w.api = r.name
  LEFT JOIN gaps g ON g.api = r.name
  WHERE r.calls_api
  ORDER BY r.name;
$$;
GRANT EXECUTE ON FUNCTION public.get_source_gaps()
  TO discovery_worker, discovery_operator, discovery_reader;

-- Refills the gaps of the sources that are back, within a minute of their return (pg_cron
-- every minute; a worker right after a source answers again; `run --drain` before it says
-- done). For each API (p_source, or every one) with gaps its outage left:
--   * answered since (no outage in progress): every such song is sent again (up to 1000);
--   * still out, but its block has passed and nobody has asked it since: ONE song is sent
--     again, a probe: answered, the outage ends and the rest follow; refused, the block
--     grows (block_api) and the song completes with its gap again.
-- Returns the number of songs sent again.
CREATE OR REPLACE FUNCTION public.refill_identification_gaps(p_source TEXT DEFAULT NULL)
RETURNS INTEGER
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  v_source RECORD;
  v_sent INTEGER := 0;
  v_count INTEGER;
BEGIN
  IF p_source IS NOT NULL AND NOT public.source_is_registered(p_source, 'api') THEN
    RAISE EXCEPTION 'refill_identification_gaps: unknown source % (not an API of the registry)',
                    left(p_source, 40)
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  FOR v_source IN
    SELECT g.source, g.out_since IS NULL AS back
    FROM public.get_source_gaps() g
    WHERE (p_source IS NULL OR g.source = p_source) AND g.gaps_pending > 0
      AND (g.out_since IS NULL OR g.blocked_seconds <= 0)
  LOOP
    SELECT count(*) INTO v_count
    FROM public.requeue_identification_gaps(INTERVAL '0',
                                            CASE WHEN v_source.back THEN 1000 ELSE 1 END,
                                            v_source.source);
    v_sent := v_sent + v_count;
  END LOOP;
  RETURN v_sent;
END;
$$;
GRANT EXECUTE ON FUNCTION public.refill_identification_gaps(text)
  TO discovery_worker, discovery_operator;

-- Add or replace entries of one artist's plan: p_entries is a JSON array of
-- {"subject", "key", "decision"}. Returns the number of entries written.
CREATE OR REPLACE FUNCTION public.record_identification_plan(
  p_source TEXT,
  p_artist_id UUID,
  p_entries JSONB
) RETURNS INTEGER
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  v_count INTEGER;
BEGIN
  IF NOT public.source_is_registered(p_source, 'plans') THEN
    RAISE EXCEPTION 'record_identification_plan: unknown source %', left(p_source, 40)
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_artist_id IS NULL OR p_entries IS NULL OR jsonb_typeof(p_entries) <> 'array' THEN
    RAISE EXCEPTION 'record_identification_plan: an artist id and an array of entries are required'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF EXISTS (SELECT 1 FROM jsonb_array_elements(p_entries) e
             WHERE jsonb_typeof(e) <> 'object' OR e->>'subject' IS NULL OR e->>'key' IS NULL
                OR e->'decision' IS NULL OR jsonb_typeof(e->'decision') <> 'object') THEN
    RAISE EXCEPTION 'record_identification_plan: each entry needs a subject, a key and a decision object'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  INSERT INTO public.identification_plans AS p (source, artist_id, subject, subject_key, decision)
  SELECT p_source, p_artist_id, e->>'subject', e->>'key', e->'decision'
  FROM jsonb_array_elements(p_entries) e
  ON CONFLICT (source, artist_id, subject, subject_key) DO UPDATE SET
    decision = EXCLUDED.decision,
    planned_at = now();
  GET DIAGNOSTICS v_count = ROW_COUNT;
  RETURN v_count;
END;
$$;
GRANT EXECUTE ON FUNCTION public.record_identification_plan(text,uuid,jsonb) TO discovery_worker;

-- Erasure ("forget me"): deletes the producer, their credits and evidence, their source ids,
-- their processing state, the cached API responses that name them (by a source id in the
-- resource or their name in the response), the queued and archived messages that carry their
-- id and the archived or dead-lettered ones that name them, the monitoring events that
-- carry their id and the merges that name them (definitions/55_identities.sql); then records their normalized name and source ids in the do-not-collect
-- list (migration 0111), which producer identification respects. Takes the same identity
-- locks as producer identification (producer_lock.sql), so a concurrent identification
-- either finished before or sees the list. Returns what was deleted, or NULL when there is no
-- such producer. Operator only.
CREATE OR REPLACE FUNCTION public.forget_producer(p_producer_id UUID)
RETURNS JSONB
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  v_name TEXT;
  v_normalized TEXT;
  v_id TEXT := p_producer_id::TEXT;
  v_key TEXT;
  v_queue TEXT;
  v_count BIGINT;
  v_messages BIGINT := 0;
  v_result JSONB := '{}'::JSONB;
BEGIN
  IF p_producer_id IS NULL THEN
    RAISE EXCEPTION 'forget_producer needs a producer id' USING ERRCODE = '22023';
  END IF;
  SELECT p.name, p.normalized_name INTO v_name, v_normalized
  FROM public.producers p WHERE p.id = p_producer_id;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  FOR v_key IN
    SELECT k FROM (
      SELECT 'producer name ' || v_normalized AS k
      UNION SELECT 'producer id ' || s.source || ' ' || s.source_id
      FROM public.producer_source_ids s WHERE s.producer_id = p_producer_id) keys
    ORDER BY k
  LOOP
    PERFORM pg_advisory_xact_lock(hashtextextended(v_key, 0));
  END LOOP;
  PERFORM 1 FROM public.producers p WHERE p.id = p_producer_id FOR UPDATE;

  IF v_normalized <> '' THEN
    INSERT INTO public.forgotten_producer_names (normalized_name) VALUES (v_normalized)
    ON CONFLICT (normalized_name) DO NOTHING;
  END IF;
  INSERT INTO public.forgotten_producer_source_ids (source, source_id)
  SELECT s.source, s.source_id FROM public.producer_source_ids s
  WHERE s.producer_id = p_producer_id
  UNION
  SELECT e.source, e.source_id FROM public.track_producer_evidence e
  WHERE e.producer_id = p_producer_id AND e.source_id IS NOT NULL AND e.source_id <> ''
  ON CONFLICT (source, source_id) DO NOTHING;

  DELETE FROM public.api_response_cache c
  WHERE strpos(lower(c.response::TEXT), lower(v_name)) > 0
     OR EXISTS (SELECT 1 FROM public.forgotten_producer_source_ids f
                JOIN public.producer_source_ids s
                  ON s.source = f.source AND s.source_id = f.source_id
                WHERE s.producer_id = p_producer_id
                  AND c.api = f.source AND strpos(c.resource, f.source_id) > 0);
  GET DIAGNOSTICS v_count = ROW_COUNT;
  v_result := v_result || jsonb_build_object('cached_responses', v_count);

  FOR v_queue IN SELECT m.queue_name FROM pgmq.meta m ORDER BY m.queue_name LOOP
    EXECUTE format('DELETE FROM pgmq.%I WHERE strpos(message::TEXT, $1) > 0',
                   pgmq.format_table_name(v_queue, 'q'))
      USING v_id;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    v_messages := v_messages + v_count;
    EXECUTE format('DELETE FROM pgmq.%I WHERE strpos(message::TEXT, $1) > 0 '
                   'OR strpos(lower(message::TEXT), lower($2)) > 0',
                   pgmq.format_table_name(v_queue, 'a'))
      USING v_id, v_name;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    v_messages := v_messages + v_count;
    IF v_queue LIKE '%\_dlq' THEN
      EXECUTE format('DELETE FROM pgmq.%I WHERE strpos(lower(message::TEXT), lower($1)) > 0',
                     pgmq.format_table_name(v_queue, 'q'))
        USING v_name;
      GET DIAGNOSTICS v_count = ROW_COUNT;
      v_messages := v_messages + v_count;
    END IF;
  END LOOP;
  v_result := v_result || jsonb_build_object('queue_messages', v_messages);

  DELETE FROM public.monitoring_events e WHERE strpos(e.details::TEXT, v_id) > 0;
  -- The merge log's snapshots hold the person's rows and contact details (0132).
  DELETE FROM public.producer_merges m
  WHERE m.kept_id = p_producer_id OR m.merged_id = p_producer_id;
  DELETE FROM public.processing_locks l WHERE l.entity_type = 'producer' AND l.entity_id = v_id;
  DELETE FROM public.processing_status s WHERE s.entity_type = 'producer' AND s.entity_id = v_id;
  DELETE FROM public.track_producer_evidence e WHERE e.producer_id = p_producer_id;
  GET DIAGNOSTICS v_count = ROW_COUNT;
  v_result := v_result || jsonb_build_object('evidence', v_count);
  DELETE FROM public.track_producers tp WHERE tp.producer_id = p_producer_id;
  GET DIAGNOSTICS v_count = ROW_COUNT;
  v_result := v_result || jsonb_build_object('credits', v_count);
  DELETE FROM public.producer_source_ids s WHERE s.producer_id = p_producer_id;
  DELETE FROM public.producers p WHERE p.id = p_producer_id;
  RETURN v_result || jsonb_build_object('producer', v_id);
END;
$$;
GRANT EXECUTE ON FUNCTION public.forget_producer(uuid) TO discovery_operator;
