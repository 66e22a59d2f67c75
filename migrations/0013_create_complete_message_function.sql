-- The end of a successful attempt in one call (inside the worker's one commit, after the
-- handler's writes and the next-stage sends): status COMPLETED with the lock fenced
-- (finish_processing), the idempotency record, and the archive of the message.
CREATE OR REPLACE FUNCTION public.complete_message(
  p_queue TEXT,
  p_msg_id BIGINT,
  p_entity_type TEXT,
  p_entity_id TEXT,
  p_worker TEXT,
  p_idempotency_key TEXT,
  p_metadata JSONB,
  p_result JSONB
) RETURNS VOID
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
  PERFORM public.finish_processing(p_entity_type, p_entity_id, p_worker, 'COMPLETED', NULL,
                                   p_metadata);
  INSERT INTO idempotency.processed_operations (key, queue_name, msg_id, result)
  VALUES (p_idempotency_key, p_queue, p_msg_id, p_result);
  PERFORM pgmq.archive(p_queue, p_msg_id);
END;
$$;
