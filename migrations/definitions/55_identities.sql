-- Identities: one person, one producer row, and never two people in one (tables: migration
-- 0132). docs/reliability.md, "Identities", tells the whole story.
--
--   producers_merge_refusal(a, b)          why two rows may never be merged, or NULL
--   merge_same_person(keep, gone, by, evidence)   the automatic merge (identification,
--                                          enrichment): recorded, or NULL when refused
--   merge_producers(keep, gone)            the same, raising when refused (kept for callers)
--   record_producer_merge_candidate(...)   namesakes nothing links nor tells apart
--   producer_merge_candidates()            the pairs an operator may merge, with evidence
--   merge_producers_by_operator(a, b, reason), unmerge_producers(merge_id),
--   keep_producers_apart(a, b, reason)     operator only

-- Why two producer rows may not be merged, in words, or NULL when they may: ids of one
-- source that differ are two people (two Genius artists are two persons, whatever their
-- names), and a pair kept apart (keep_producers_apart, or an unmerge) stays apart.
CREATE OR REPLACE FUNCTION public.producers_merge_refusal(p_a UUID, p_b UUID)
RETURNS TEXT
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
  SELECT COALESCE(
    (SELECT 'they have different ' || string_agg(DISTINCT a.source, ', ' ORDER BY a.source)
            || ' ids: two people'
     FROM public.producer_source_ids a
     JOIN public.producer_source_ids b ON b.source = a.source AND b.producer_id = p_b
     WHERE a.producer_id = p_a
     HAVING count(*) > 0),
    (SELECT 'they were kept apart' || COALESCE(' (' || k.reason || ')', '')
     FROM public.producers_kept_apart k
     WHERE k.producer_a = LEAST(p_a, p_b) AND k.producer_b = GREATEST(p_a, p_b)));
$$;
GRANT EXECUTE ON FUNCTION public.producers_merge_refusal(uuid,uuid)
  TO discovery_worker, discovery_operator;

-- The one merge: p_gone's source ids, credits and evidence move to p_keep (on a track both
-- were credited on, the credit keeps the higher confidence and the union of roles and
-- sources; re-identifying the track recomputes it exactly), its merge candidates and kept-apart
-- pairs follow it, and p_gone is deleted. Before anything moves, producer_merges records who
-- decided (p_decided_by), on what evidence, and a snapshot of everything unmerge_producers()
-- needs to undo it. Owner only: called by the functions below, which check the pair first.
CREATE OR REPLACE FUNCTION public.merge_producer_rows(
  p_keep UUID, p_gone UUID, p_decided_by TEXT, p_reason TEXT, p_evidence JSONB,
  OUT merge_id BIGINT, OUT source_ids TEXT[])
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  v_snapshot JSONB;
BEGIN
  PERFORM 1 FROM public.producers p WHERE p.id IN (p_keep, p_gone) ORDER BY p.id FOR UPDATE;
  SELECT jsonb_build_object(
    'producer', (SELECT to_jsonb(p) FROM public.producers p WHERE p.id = p_gone),
    'kept_metadata', (SELECT p.metadata FROM public.producers p WHERE p.id = p_keep),
    'source_ids', (SELECT COALESCE(jsonb_agg(to_jsonb(s)), '[]') FROM public.producer_source_ids s
                   WHERE s.producer_id = p_gone),
    'credits', (SELECT COALESCE(jsonb_agg(to_jsonb(tp)), '[]') FROM public.track_producers tp
                WHERE tp.producer_id = p_gone),
    'evidence', (SELECT COALESCE(jsonb_agg(to_jsonb(e)), '[]')
                 FROM public.track_producer_evidence e WHERE e.producer_id = p_gone),
    'kept_credits', (SELECT COALESCE(jsonb_agg(to_jsonb(k)), '[]') FROM public.track_producers k
                     WHERE k.producer_id = p_keep AND k.track_id IN (
                       SELECT g.track_id FROM public.track_producers g
                       WHERE g.producer_id = p_gone)),
    'kept_apart', (SELECT COALESCE(jsonb_agg(to_jsonb(k)), '[]') FROM public.producers_kept_apart k
                   WHERE p_gone IN (k.producer_a, k.producer_b)),
    'candidates', (SELECT COALESCE(jsonb_agg(to_jsonb(c)), '[]')
                   FROM public.producer_merge_candidates c
                   WHERE p_gone IN (c.producer_a, c.producer_b)))
  INTO v_snapshot;

  INSERT INTO public.producer_merges (kept_id, merged_id, decided_by, reason, evidence, snapshot)
  VALUES (p_keep, p_gone, p_decided_by, left(p_reason, 1000), COALESCE(p_evidence, '{}'),
          v_snapshot)
  RETURNING id INTO merge_id;

  WITH moved AS (
    UPDATE public.producer_source_ids SET producer_id = p_keep
    WHERE producer_id = p_gone
    RETURNING source || ':' || source_id AS source_id
  )
  SELECT COALESCE(array_agg(moved.source_id ORDER BY moved.source_id), '{}') INTO source_ids
  FROM moved;

  UPDATE public.track_producers k
  SET confidence = greatest(k.confidence, g.confidence),
      roles = ARRAY(SELECT DISTINCT r FROM unnest(k.roles || g.roles) r ORDER BY r),
      source = (SELECT string_agg(DISTINCT s, '+' ORDER BY s)
                FROM unnest(string_to_array(k.source, '+') || string_to_array(g.source, '+')) s),
      updated_at = now()
  FROM public.track_producers g
  WHERE k.producer_id = p_keep AND g.producer_id = p_gone AND g.track_id = k.track_id;
  DELETE FROM public.track_producers g
  USING public.track_producers k
  WHERE g.producer_id = p_gone AND k.producer_id = p_keep AND k.track_id = g.track_id;
  UPDATE public.track_producers SET producer_id = p_keep WHERE producer_id = p_gone;

  DELETE FROM public.track_producer_evidence g
  USING public.track_producer_evidence k
  WHERE g.producer_id = p_gone AND k.producer_id = p_keep
    AND k.track_id = g.track_id AND k.source = g.source AND k.role = g.role;
  UPDATE public.track_producer_evidence SET producer_id = p_keep WHERE producer_id = p_gone;

  -- The pairs p_gone was in now concern p_keep (the rows of p_gone go with it below).
  INSERT INTO public.producers_kept_apart (producer_a, producer_b, reason, decided_by_login,
                                           decided_at)
  SELECT LEAST(p_keep, o.other), GREATEST(p_keep, o.other), k.reason, k.decided_by_login,
         k.decided_at
  FROM public.producers_kept_apart k
  CROSS JOIN LATERAL (SELECT CASE WHEN k.producer_a = p_gone THEN k.producer_b
                                  ELSE k.producer_a END AS other) o
  WHERE p_gone IN (k.producer_a, k.producer_b) AND o.other <> p_keep
  ON CONFLICT DO NOTHING;
  INSERT INTO public.producer_merge_candidates (producer_a, producer_b, normalized_name,
                                                noticed_by, noticed_on_track, noticed_at)
  SELECT LEAST(p_keep, o.other), GREATEST(p_keep, o.other), c.normalized_name, c.noticed_by,
         c.noticed_on_track, c.noticed_at
  FROM public.producer_merge_candidates c
  CROSS JOIN LATERAL (SELECT CASE WHEN c.producer_a = p_gone THEN c.producer_b
                                  ELSE c.producer_a END AS other) o
  WHERE p_gone IN (c.producer_a, c.producer_b) AND o.other <> p_keep
  ON CONFLICT DO NOTHING;

  UPDATE public.producers k
  SET metadata = COALESCE(k.metadata, '{}'::jsonb) || jsonb_build_object(
        'merged_from', COALESCE(k.metadata -> 'merged_from', '[]'::jsonb) || to_jsonb(p_gone::TEXT)),
      updated_at = now()
  WHERE k.id = p_keep;
  DELETE FROM public.producers WHERE id = p_gone;

  INSERT INTO public.monitoring_events (event_type, details)
  VALUES ('producers_merged', jsonb_build_object('kept', p_keep, 'merged', p_gone,
                                                 'merge_id', merge_id,
                                                 'decided_by', p_decided_by,
                                                 'source_ids', to_jsonb(source_ids)));
END;
$$;

-- The automatic merge of two rows found to be one person (producer identification: one fused
-- credit carries ids of both rows, or a namesake credited on the same artist or with the same
-- collaborators; social enrichment: a MusicBrainz artist links the other row's Discogs page, or
-- a name variation names it). Refused (NULL, nothing changed) when producers_merge_refusal()
-- says so or either row is gone; otherwise recorded in producer_merges with p_evidence and
-- merged. Returns the
-- source ids ("source:id") p_keep gained, for the enrichment refresh.
CREATE OR REPLACE FUNCTION public.merge_same_person(
  p_keep UUID, p_gone UUID, p_decided_by TEXT, p_evidence JSONB)
RETURNS TEXT[]
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  v_merge RECORD;
BEGIN
  IF p_keep IS NULL OR p_gone IS NULL THEN
    RAISE EXCEPTION 'merge_same_person: two producer ids are needed'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_decided_by IS NULL OR p_decided_by NOT IN ('identification', 'enrichment') THEN
    RAISE EXCEPTION 'merge_same_person: decided_by is identification or enrichment'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_keep = p_gone THEN
    RETURN '{}';
  END IF;
  -- The identity locks of every name and id of both rows (re-entrant for those the caller
  -- holds): an identification crediting the merged row by another of its ids finishes first,
  -- or waits and then finds the kept row.
  PERFORM public.lock_producer_identities(ARRAY[p_keep, p_gone]);
  -- One of them merged away meanwhile (by another worker): nothing to do here.
  IF NOT EXISTS (SELECT 1 FROM public.producers WHERE id = p_keep)
     OR NOT EXISTS (SELECT 1 FROM public.producers WHERE id = p_gone) THEN
    RETURN NULL;
  END IF;
  IF public.producers_merge_refusal(p_keep, p_gone) IS NOT NULL THEN
    RETURN NULL;
  END IF;
  SELECT * INTO v_merge
  FROM public.merge_producer_rows(p_keep, p_gone, p_decided_by, NULL, p_evidence);
  RETURN v_merge.source_ids;
END;
$$;
GRANT EXECUTE ON FUNCTION public.merge_same_person(uuid,uuid,text,jsonb) TO discovery_worker;

-- merge_same_person() as producer identification called it before the merge log: raises
-- (invalid_parameter_value) instead of returning NULL when the pair may not be merged.
CREATE OR REPLACE FUNCTION public.merge_producers(p_keep UUID, p_gone UUID)
RETURNS TEXT[]
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  v_moved TEXT[];
BEGIN
  IF p_keep IS NULL OR p_gone IS NULL
     OR NOT EXISTS (SELECT 1 FROM public.producers WHERE id = p_keep)
     OR NOT EXISTS (SELECT 1 FROM public.producers WHERE id = p_gone) THEN
    RAISE EXCEPTION 'merge_producers: both producers must exist'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  v_moved := public.merge_same_person(p_keep, p_gone, 'identification',
                                      '{"reason": "one credit carries ids of both"}');
  IF v_moved IS NULL THEN
    RAISE EXCEPTION 'merge_producers: not merged: %', public.producers_merge_refusal(p_keep, p_gone)
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN v_moved;
END;
$$;
GRANT EXECUTE ON FUNCTION public.merge_producers(uuid,uuid) TO discovery_worker;

-- Namesakes from different sources with no evidence either way (same normalized name, no
-- shared artist nor collaborator, ids of different sources): a merge candidate for an
-- operator. Nothing is recorded for a pair that may never be merged. True when recorded now.
CREATE OR REPLACE FUNCTION public.record_producer_merge_candidate(
  p_a UUID, p_b UUID, p_noticed_by TEXT, p_track_id UUID)
RETURNS BOOLEAN
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  v_count INTEGER;
BEGIN
  IF p_a IS NULL OR p_b IS NULL OR p_a = p_b OR p_noticed_by IS NULL THEN
    RAISE EXCEPTION 'record_producer_merge_candidate: two different producers and who noticed them'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF public.producers_merge_refusal(p_a, p_b) IS NOT NULL THEN
    RETURN FALSE;
  END IF;
  INSERT INTO public.producer_merge_candidates (producer_a, producer_b, normalized_name,
                                                noticed_by, noticed_on_track)
  SELECT LEAST(p_a, p_b), GREATEST(p_a, p_b), a.normalized_name, left(p_noticed_by, 100),
         p_track_id
  FROM public.producers a JOIN public.producers b ON b.id = p_b
  WHERE a.id = p_a
  ON CONFLICT DO NOTHING;
  GET DIAGNOSTICS v_count = ROW_COUNT;
  RETURN v_count > 0;
END;
$$;
GRANT EXECUTE ON FUNCTION public.record_producer_merge_candidate(uuid,uuid,text,uuid)
  TO discovery_worker;

-- The pairs an operator may want to merge: the recorded candidates and every two rows under
-- one normalized name, but never a pair that may not be merged (different ids of one source,
-- or kept apart). With the evidence for (the name, shared artists, shared collaborators) and
-- against (sources that never met, artists in common: none), in words. Oldest pair first.
CREATE OR REPLACE FUNCTION public.producer_merge_candidates()
RETURNS TABLE(producer_a UUID, name_a TEXT, sources_a TEXT[], artists_a TEXT[],
              producer_b UUID, name_b TEXT, sources_b TEXT[], artists_b TEXT[],
              normalized_name TEXT, evidence_for TEXT[], evidence_against TEXT[],
              noticed_at TIMESTAMPTZ)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
  WITH pairs AS (
    SELECT c.producer_a AS a, c.producer_b AS b, c.noticed_at
    FROM public.producer_merge_candidates c
    UNION
    SELECT x.id, y.id, NULL::TIMESTAMPTZ
    FROM public.producers x JOIN public.producers y
      ON y.normalized_name = x.normalized_name AND y.id > x.id
  ), open_pairs AS (
    SELECT p.a, p.b, max(p.noticed_at) AS noticed_at FROM pairs p
    WHERE public.producers_merge_refusal(p.a, p.b) IS NULL
    GROUP BY p.a, p.b
  ), artists_of AS (
    SELECT tp.producer_id, ar.id AS artist_id, ar.name
    FROM public.track_producers tp
    JOIN public.tracks t ON t.id = tp.track_id
    JOIN public.albums al ON al.id = t.album_id
    JOIN public.artists ar ON ar.id = al.artist_id
    WHERE tp.producer_id IN (SELECT a FROM open_pairs UNION SELECT b FROM open_pairs)
    GROUP BY tp.producer_id, ar.id, ar.name
  ), described AS (
    SELECT o.a, o.b, o.noticed_at, pa.name AS name_a, pb.name AS name_b,
           pa.normalized_name AS key_a, pb.normalized_name AS key_b,
           ARRAY(SELECT DISTINCT s.source FROM public.producer_source_ids s
                 WHERE s.producer_id = o.a ORDER BY 1) AS sources_a,
           ARRAY(SELECT DISTINCT s.source FROM public.producer_source_ids s
                 WHERE s.producer_id = o.b ORDER BY 1) AS sources_b,
           ARRAY(SELECT x.name FROM artists_of x WHERE x.producer_id = o.a ORDER BY 1) AS artists_a,
           ARRAY(SELECT x.name FROM artists_of x WHERE x.producer_id = o.b ORDER BY 1) AS artists_b,
           ARRAY(SELECT x.name FROM artists_of x JOIN artists_of y
                   ON y.artist_id = x.artist_id AND y.producer_id = o.b
                 WHERE x.producer_id = o.a ORDER BY 1) AS shared_artists,
           ARRAY(SELECT DISTINCT c.name
                 FROM public.track_producers ta
                 JOIN public.track_producers ca ON ca.track_id = ta.track_id
                 JOIN public.producers c ON c.id = ca.producer_id
                 WHERE ta.producer_id = o.a AND ca.producer_id NOT IN (o.a, o.b)
                   AND EXISTS (SELECT 1 FROM public.track_producers tb
                               JOIN public.track_producers cb ON cb.track_id = tb.track_id
                               WHERE tb.producer_id = o.b AND cb.producer_id = ca.producer_id)
                 ORDER BY 1) AS shared_collaborators
    FROM open_pairs o
    JOIN public.producers pa ON pa.id = o.a
    JOIN public.producers pb ON pb.id = o.b
  )
  SELECT d.a, d.name_a, d.sources_a, d.artists_a, d.b, d.name_b, d.sources_b, d.artists_b,
         d.key_a,
         ARRAY_REMOVE(ARRAY[
           CASE WHEN d.key_a = d.key_b THEN 'the same name once folded ("' || d.key_a || '")' END,
           CASE WHEN cardinality(d.shared_artists) > 0
                THEN 'credited on the same artists: ' || array_to_string(d.shared_artists, ', ') END,
           CASE WHEN cardinality(d.shared_collaborators) > 0
                THEN 'the same collaborators: ' || array_to_string(d.shared_collaborators, ', ') END
         ], NULL),
         ARRAY_REMOVE(ARRAY[
           CASE WHEN cardinality(d.shared_artists) = 0 AND cardinality(d.shared_collaborators) = 0
                THEN 'no artist and no collaborator in common' END,
           CASE WHEN cardinality(d.sources_a) > 0 AND cardinality(d.sources_b) > 0
                THEN 'known by different sources (' || array_to_string(d.sources_a, '+') || ' vs '
                     || array_to_string(d.sources_b, '+') || '), which never credited them together' END
         ], NULL),
         d.noticed_at
  FROM described d
  ORDER BY d.noticed_at NULLS LAST, d.key_a, d.a, d.b;
$$;
GRANT EXECUTE ON FUNCTION public.producer_merge_candidates()
  TO discovery_operator, discovery_reader;

-- The identity locks of producer identification (db/queries/producer_lock.sql) on every name
-- and source id of these rows, in one global order, so an operator's merge, unmerge or
-- keep-apart never interleaves with an identification of the same person. Owner only.
CREATE OR REPLACE FUNCTION public.lock_producer_identities(p_ids UUID[])
RETURNS VOID
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  v_key TEXT;
BEGIN
  FOR v_key IN
    SELECT k FROM (
      SELECT 'producer name ' || p.normalized_name AS k FROM public.producers p
      WHERE p.id = ANY(p_ids)
      UNION SELECT 'producer id ' || s.source || ' ' || s.source_id
      FROM public.producer_source_ids s WHERE s.producer_id = ANY(p_ids)) keys
    ORDER BY k
  LOOP
    PERFORM pg_advisory_xact_lock(hashtextextended(v_key, 0));
  END LOOP;
END;
$$;

-- An operator merges p_b into p_a (p_a keeps its id), with a reason; returns the merge id
-- (for unmerge_producers). Refused with one clear line (invalid_parameter_value) when either
-- is missing, they are the same, they have different ids of one source, or were kept apart.
CREATE OR REPLACE FUNCTION public.merge_producers_by_operator(p_a UUID, p_b UUID, p_reason TEXT)
RETURNS BIGINT
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  v_refusal TEXT;
  v_merge RECORD;
BEGIN
  IF p_a IS NULL OR p_b IS NULL THEN
    RAISE EXCEPTION 'merge: two producer ids are needed' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_a = p_b THEN
    RAISE EXCEPTION 'merge: % and % are the same producer', p_a, p_b
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM public.lock_producer_identities(ARRAY[p_a, p_b]);
  IF NOT EXISTS (SELECT 1 FROM public.producers WHERE id = p_a) THEN
    RAISE EXCEPTION 'merge: no producer %', p_a USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM public.producers WHERE id = p_b) THEN
    RAISE EXCEPTION 'merge: no producer %', p_b USING ERRCODE = 'invalid_parameter_value';
  END IF;
  v_refusal := public.producers_merge_refusal(p_a, p_b);
  IF v_refusal IS NOT NULL THEN
    RAISE EXCEPTION 'merge refused: %', v_refusal USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT * INTO v_merge FROM public.merge_producer_rows(
    p_a, p_b, 'operator', COALESCE(NULLIF(btrim(p_reason), ''), 'merged by an operator'),
    jsonb_build_object('operator', session_user));
  RETURN v_merge.merge_id;
END;
$$;
GRANT EXECUTE ON FUNCTION public.merge_producers_by_operator(uuid,uuid,text)
  TO discovery_operator;

-- Undo one merge (automatic or by an operator): the merged row comes back with its id,
-- columns, source ids, credits, evidence (with its aliases in its metadata), merge candidates
-- and kept-apart pairs; the kept row's credits on the tracks both were credited on are as they
-- were before. The two are then kept apart, so no later identification merges them again.
-- Credits written after the merge by re-identifying a track stay with the kept row (identify
-- the track again to share them out). Refused (invalid_parameter_value) when the merge is
-- unknown or undone, or the kept row is gone (forgotten, or merged since: undo that first).
CREATE OR REPLACE FUNCTION public.unmerge_producers(p_merge_id BIGINT)
RETURNS JSONB
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  v_merge public.producer_merges%ROWTYPE;
  v_later BIGINT;
  v_snapshot JSONB;
  v_ids INTEGER;
  v_credits INTEGER;
  v_evidence INTEGER;
  v_count INTEGER;
BEGIN
  SELECT * INTO v_merge FROM public.producer_merges m WHERE m.id = p_merge_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unmerge: no merge %', p_merge_id USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF v_merge.unmerged_at IS NOT NULL THEN
    RAISE EXCEPTION 'unmerge: merge % was already undone at %', p_merge_id, v_merge.unmerged_at
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT m.id INTO v_later FROM public.producer_merges m
  WHERE m.merged_id = v_merge.kept_id AND m.unmerged_at IS NULL AND m.id > p_merge_id
  ORDER BY m.id DESC LIMIT 1;
  IF v_later IS NOT NULL THEN
    RAISE EXCEPTION 'unmerge: producer % was merged again since (merge %): undo that one first',
      v_merge.kept_id, v_later USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM public.producers WHERE id = v_merge.kept_id) THEN
    RAISE EXCEPTION 'unmerge: the kept producer % no longer exists', v_merge.kept_id
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF EXISTS (SELECT 1 FROM public.producers WHERE id = v_merge.merged_id) THEN
    RAISE EXCEPTION 'unmerge: producer % exists already', v_merge.merged_id
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM public.lock_producer_identities(ARRAY[v_merge.kept_id]);
  v_snapshot := v_merge.snapshot;

  INSERT INTO public.producers
  SELECT * FROM jsonb_populate_record(NULL::public.producers, v_snapshot -> 'producer');

  UPDATE public.producer_source_ids s SET producer_id = v_merge.merged_id
  FROM jsonb_populate_recordset(NULL::public.producer_source_ids, v_snapshot -> 'source_ids') o
  WHERE s.source = o.source AND s.source_id = o.source_id AND s.producer_id = v_merge.kept_id;
  GET DIAGNOSTICS v_ids = ROW_COUNT;

  -- The credits: the moved rows go back; those folded into the kept row's come back; the kept
  -- row's credits on those tracks are as they were.
  UPDATE public.track_producers t SET producer_id = v_merge.merged_id
  FROM jsonb_populate_recordset(NULL::public.track_producers, v_snapshot -> 'credits') o
  WHERE t.id = o.id AND t.producer_id = v_merge.kept_id;
  GET DIAGNOSTICS v_credits = ROW_COUNT;
  INSERT INTO public.track_producers
  SELECT o.* FROM jsonb_populate_recordset(NULL::public.track_producers, v_snapshot -> 'credits') o
  WHERE NOT EXISTS (SELECT 1 FROM public.track_producers t WHERE t.id = o.id)
    AND EXISTS (SELECT 1 FROM public.tracks t WHERE t.id = o.track_id)
  ON CONFLICT DO NOTHING;
  GET DIAGNOSTICS v_count = ROW_COUNT;
  v_credits := v_credits + v_count;
  UPDATE public.track_producers t
  SET confidence = o.confidence, roles = o.roles, source = o.source, updated_at = o.updated_at
  FROM jsonb_populate_recordset(NULL::public.track_producers, v_snapshot -> 'kept_credits') o
  WHERE t.id = o.id AND t.producer_id = v_merge.kept_id;

  UPDATE public.track_producer_evidence e SET producer_id = v_merge.merged_id
  FROM jsonb_populate_recordset(NULL::public.track_producer_evidence, v_snapshot -> 'evidence') o
  WHERE e.id = o.id AND e.producer_id = v_merge.kept_id;
  GET DIAGNOSTICS v_evidence = ROW_COUNT;
  INSERT INTO public.track_producer_evidence
  SELECT o.* FROM jsonb_populate_recordset(NULL::public.track_producer_evidence,
                                           v_snapshot -> 'evidence') o
  WHERE NOT EXISTS (SELECT 1 FROM public.track_producer_evidence e WHERE e.id = o.id)
    AND EXISTS (SELECT 1 FROM public.tracks t WHERE t.id = o.track_id)
  ON CONFLICT DO NOTHING;
  GET DIAGNOSTICS v_count = ROW_COUNT;
  v_evidence := v_evidence + v_count;

  INSERT INTO public.producers_kept_apart
  SELECT o.* FROM jsonb_populate_recordset(NULL::public.producers_kept_apart,
                                           v_snapshot -> 'kept_apart') o
  WHERE EXISTS (SELECT 1 FROM public.producers p WHERE p.id = o.producer_a)
    AND EXISTS (SELECT 1 FROM public.producers p WHERE p.id = o.producer_b)
  ON CONFLICT DO NOTHING;
  INSERT INTO public.producer_merge_candidates
  SELECT o.* FROM jsonb_populate_recordset(NULL::public.producer_merge_candidates,
                                           v_snapshot -> 'candidates') o
  WHERE EXISTS (SELECT 1 FROM public.producers p WHERE p.id = o.producer_a)
    AND EXISTS (SELECT 1 FROM public.producers p WHERE p.id = o.producer_b)
  ON CONFLICT DO NOTHING;
  INSERT INTO public.producers_kept_apart (producer_a, producer_b, reason)
  VALUES (LEAST(v_merge.kept_id, v_merge.merged_id), GREATEST(v_merge.kept_id, v_merge.merged_id),
          'merge ' || p_merge_id || ' was undone')
  ON CONFLICT DO NOTHING;
  DELETE FROM public.producer_merge_candidates c
  WHERE c.producer_a = LEAST(v_merge.kept_id, v_merge.merged_id)
    AND c.producer_b = GREATEST(v_merge.kept_id, v_merge.merged_id);

  UPDATE public.producers k
  SET metadata = CASE WHEN (k.metadata -> 'merged_from') - v_merge.merged_id::TEXT = '[]'::JSONB
                      THEN k.metadata - 'merged_from'
                      ELSE jsonb_set(k.metadata, '{merged_from}',
                                     (k.metadata -> 'merged_from') - v_merge.merged_id::TEXT)
                 END,
      updated_at = now()
  WHERE k.id = v_merge.kept_id AND jsonb_typeof(k.metadata -> 'merged_from') = 'array';

  UPDATE public.producer_merges SET unmerged_at = now(), unmerged_by_login = session_user
  WHERE id = p_merge_id;
  INSERT INTO public.monitoring_events (event_type, details)
  VALUES ('producers_unmerged', jsonb_build_object('merge_id', p_merge_id,
                                                   'kept', v_merge.kept_id,
                                                   'restored', v_merge.merged_id));
  RETURN jsonb_build_object('merge_id', p_merge_id, 'kept', v_merge.kept_id,
                            'restored', v_merge.merged_id, 'source_ids', v_ids,
                            'credits', v_credits, 'evidence', v_evidence);
END;
$$;
GRANT EXECUTE ON FUNCTION public.unmerge_producers(bigint) TO discovery_operator;

-- "These two are different people", for good: neither producer identification, social
-- enrichment nor an operator merge joins them, and they leave the candidates. True when
-- recorded now, false when they were kept apart already. Refused like an operator merge when
-- either is missing or they are the same row.
CREATE OR REPLACE FUNCTION public.keep_producers_apart(
  p_a UUID, p_b UUID, p_reason TEXT DEFAULT NULL)
RETURNS BOOLEAN
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  v_count INTEGER;
BEGIN
  IF p_a IS NULL OR p_b IS NULL THEN
    RAISE EXCEPTION 'keep-apart: two producer ids are needed'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_a = p_b THEN
    RAISE EXCEPTION 'keep-apart: % and % are the same producer', p_a, p_b
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM public.lock_producer_identities(ARRAY[p_a, p_b]);
  IF NOT EXISTS (SELECT 1 FROM public.producers WHERE id = p_a) THEN
    RAISE EXCEPTION 'keep-apart: no producer %', p_a USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM public.producers WHERE id = p_b) THEN
    RAISE EXCEPTION 'keep-apart: no producer %', p_b USING ERRCODE = 'invalid_parameter_value';
  END IF;
  DELETE FROM public.producer_merge_candidates c
  WHERE c.producer_a = LEAST(p_a, p_b) AND c.producer_b = GREATEST(p_a, p_b);
  INSERT INTO public.producers_kept_apart (producer_a, producer_b, reason)
  VALUES (LEAST(p_a, p_b), GREATEST(p_a, p_b), left(NULLIF(btrim(p_reason), ''), 1000))
  ON CONFLICT DO NOTHING;
  GET DIAGNOSTICS v_count = ROW_COUNT;
  RETURN v_count > 0;
END;
$$;
GRANT EXECUTE ON FUNCTION public.keep_producers_apart(uuid,uuid,text) TO discovery_operator;
