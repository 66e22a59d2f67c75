-- The last two SECURITY DEFINER functions that took their arguments unchecked (0051 did the
-- others): the lock heartbeat and the message validator.

-- Bodies of 0006 (heartbeat, now plpgsql so that it can check first) and 0004.
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
  PERFORM public.require_bounded_text('validate_queue_message: queue', p_queue_name, 100);
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
