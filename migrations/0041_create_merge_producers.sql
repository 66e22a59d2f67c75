-- Merging two producer rows found to be one person. Producer identification creates a second
-- row when a person was first seen through ids of one source (Discogs on one track) and then
-- through ids of another only (Genius on another track), with nothing but the name in common
-- (two "Alex Kim"s must not be merged on the name). When a later track's fused credit carries
-- ids of both rows, they are one person: p_gone's ids, credits and evidence move to p_keep
-- (on a track both were credited on, the credit keeps the higher confidence and the union of
-- roles and sources; re-identifying the track recomputes it exactly) and p_gone is deleted.
-- Returns the source ids ("source:id") p_keep gained, for the enrichment refresh. p_keep's
-- own enrichment state stands: never queued → it is queued now; queued → its run reads every
-- id; enriched → it is refreshed for the ids it gained (producer_refresh_enrichment.sql).
CREATE OR REPLACE FUNCTION public.merge_producers(p_keep UUID, p_gone UUID)
RETURNS TEXT[]
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  v_moved TEXT[];
BEGIN
  IF p_keep = p_gone THEN
    RETURN '{}';
  END IF;
  WITH moved AS (
    UPDATE public.producer_source_ids SET producer_id = p_keep
    WHERE producer_id = p_gone
    RETURNING source || ':' || source_id AS source_id
  )
  SELECT COALESCE(array_agg(source_id ORDER BY source_id), '{}') INTO v_moved FROM moved;

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

  UPDATE public.producers k
  SET metadata = COALESCE(k.metadata, '{}'::jsonb) || jsonb_build_object(
        'merged_from', COALESCE(k.metadata -> 'merged_from', '[]'::jsonb) || to_jsonb(p_gone::TEXT)),
      updated_at = now()
  FROM public.producers g
  WHERE k.id = p_keep AND g.id = p_gone;
  DELETE FROM public.producers WHERE id = p_gone;

  INSERT INTO public.monitoring_events (event_type, details)
  VALUES ('producers_merged', jsonb_build_object('kept', p_keep, 'merged', p_gone,
                                                 'source_ids', to_jsonb(v_moved)));
  RETURN v_moved;
END;
$$;
