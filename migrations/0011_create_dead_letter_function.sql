-- The worker runtime's dead-lettering, in one call so it is one transaction: the message goes
-- to <queue>_dlq (move_to_dead_letter_queue), the entity is marked FAILED and dead-lettered
-- (its lock released whoever held it: the message is gone), and a worker issue says why.
CREATE OR REPLACE FUNCTION public.dead_letter_message(
  p_queue TEXT,
  p_msg_id BIGINT,
  p_entity_type TEXT,
  p_entity_id TEXT,
  p_worker TEXT,
  p_reason TEXT,
  p_metadata JSONB DEFAULT '{}'::jsonb
) RETURNS BOOLEAN
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  v_moved BOOLEAN;
BEGIN
  v_moved := public.move_to_dead_letter_queue(p_queue, p_queue || '_dlq', p_msg_id::TEXT,
                                              p_reason, p_metadata);
  IF p_entity_type IS NOT NULL THEN
    DELETE FROM public.processing_locks
    WHERE entity_type = p_entity_type AND entity_id = p_entity_id;
    INSERT INTO public.processing_status AS s (
      entity_type, entity_id, state, last_error, dead_lettered, attempts, metadata)
    VALUES (p_entity_type, p_entity_id, 'FAILED', p_reason, TRUE, 1,
            jsonb_build_object('dead_letter', p_metadata))
    ON CONFLICT (entity_type, entity_id) DO UPDATE SET
      state = 'FAILED', last_error = p_reason, dead_lettered = TRUE,
      last_processed_at = now(), updated_at = now(),
      metadata = COALESCE(s.metadata, '{}'::jsonb) || jsonb_build_object('dead_letter', p_metadata);
  END IF;
  INSERT INTO monitoring.worker_issues (worker_name, issue_type, severity, message, details)
  VALUES (p_queue, 'dead_letter', 'error', p_reason,
          p_metadata || jsonb_build_object('msg_id', p_msg_id, 'worker', p_worker,
                                           'entity_type', p_entity_type, 'entity_id', p_entity_id,
                                           'moved', v_moved));
  RETURN v_moved;
END;
$$;
