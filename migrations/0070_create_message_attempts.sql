-- Attempts that mean attempts (issue #12). pgmq's read_ct counts every delivery, including
-- the ones cut short because the worker died (SIGKILL, OOM, a lost host or database
-- connection), and the ones hidden again because the entity was busy. Dead-lettering on
-- read_ct therefore punished messages for the crashes of their workers. From here:
-- * queue_mgmt.message_attempts counts, per message, the handler failures (`failures`, the
--   attempts that count against max_attempts) and the deliveries that were set aside without
--   an attempt (`set_aside`: entity busy, shared rate limit deferred, shutting down);
-- * a delivery is "cut short" when it is neither: read_ct - 1 - failures - set_aside of them
--   happened before the current one. A poison message that kills its worker every time
--   reaches the DLQ by its own, larger cap (settings.max_deliveries), with a reason that
--   says so; monitor_queues applies the same rule.
-- * dead letters whose cause was transient (custom_metadata.transient) are re-driven once,
--   later, by redrive_transient_dead_letters() (pg_cron every 5 minutes); what was re-driven
--   is kept in queue_mgmt.redriven_dead_letters, so nothing is re-driven twice.

CREATE TABLE IF NOT EXISTS queue_mgmt.message_attempts (
    queue_name TEXT NOT NULL,
    msg_id BIGINT NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    set_aside INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (queue_name, msg_id)
);

CREATE TABLE IF NOT EXISTS queue_mgmt.redriven_dead_letters (
    source_queue TEXT NOT NULL,
    body_hash TEXT NOT NULL,
    dlq_name TEXT NOT NULL,
    dlq_msg_id BIGINT NOT NULL,
    new_msg_id BIGINT NOT NULL,
    failure_reason TEXT,
    redriven_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (source_queue, body_hash)
);

INSERT INTO public.settings (key, value) VALUES ('max_deliveries', '20')
ON CONFLICT (key) DO NOTHING;

-- One more delivery that was not a success: p_kind 'failure' (a handler failure, an attempt)
-- or 'set_aside' (no attempt was made). Returns the message's new count of that kind.
CREATE OR REPLACE FUNCTION public.record_message_attempt(
  p_queue TEXT,
  p_msg_id BIGINT,
  p_kind TEXT,
  p_error TEXT DEFAULT NULL
) RETURNS INTEGER
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  v_count INTEGER;
BEGIN
  IF p_kind NOT IN ('failure', 'set_aside') THEN
    RAISE EXCEPTION 'record_message_attempt: unknown kind %', p_kind
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  INSERT INTO queue_mgmt.message_attempts AS a (queue_name, msg_id, failures, set_aside, last_error)
  VALUES (p_queue, p_msg_id, (p_kind = 'failure')::INT, (p_kind = 'set_aside')::INT, p_error)
  ON CONFLICT (queue_name, msg_id) DO UPDATE SET
    failures = a.failures + (p_kind = 'failure')::INT,
    set_aside = a.set_aside + (p_kind = 'set_aside')::INT,
    last_error = COALESCE(p_error, a.last_error),
    updated_at = now()
  RETURNING CASE WHEN p_kind = 'failure' THEN a.failures ELSE a.set_aside END INTO v_count;
  RETURN v_count;
END;
$$;

-- As in 0051 (0013 hardened), and the message's attempt counts are dropped with it.
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
  IF NOT public.is_stage_queue(p_queue) THEN
    RAISE EXCEPTION 'complete_message: % is not a stage queue', left(p_queue, 100)
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_idempotency_key IS NULL OR length(p_idempotency_key) > 300
     OR left(p_idempotency_key, length(p_queue) + 1) <> p_queue || ':' THEN
    RAISE EXCEPTION 'complete_message: the idempotency key must be "%:<digest>"', p_queue
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM public.require_small_object('complete_message: metadata', p_metadata, 65536);
  PERFORM public.require_small_object('complete_message: result', p_result, 65536);
  PERFORM public.finish_processing(p_entity_type, p_entity_id, p_worker, 'COMPLETED', NULL,
                                   p_metadata);
  IF NOT pgmq.archive(p_queue, p_msg_id) THEN
    RAISE EXCEPTION 'complete_message: message % of % is no longer in the queue', p_msg_id, p_queue
      USING ERRCODE = 'lock_not_available';
  END IF;
  INSERT INTO idempotency.processed_operations (key, queue_name, msg_id, result)
  VALUES (p_idempotency_key, p_queue, p_msg_id, p_result)
  ON CONFLICT (key) DO NOTHING;
  DELETE FROM queue_mgmt.message_attempts WHERE queue_name = p_queue AND msg_id = p_msg_id;
END;
$$;

-- As in 0051 (0011 hardened), and the message's attempt counts are dropped with it.
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
  v_reason TEXT := left(coalesce(p_reason, 'no reason given'), 2000);
  v_metadata JSONB := coalesce(p_metadata, '{}'::jsonb);
BEGIN
  IF NOT public.is_stage_queue(p_queue) THEN
    RAISE EXCEPTION 'dead_letter_message: % is not a stage queue', left(p_queue, 100)
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_msg_id IS NULL OR p_msg_id < 1 THEN
    RAISE EXCEPTION 'dead_letter_message: message id must be positive'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM public.require_bounded_text('dead_letter_message: worker', p_worker, 200);
  PERFORM public.require_small_object('dead_letter_message: metadata', v_metadata, 4096);
  IF p_entity_type IS NOT NULL THEN
    PERFORM public.require_bounded_text('dead_letter_message: entity type', p_entity_type, 100);
    PERFORM public.require_bounded_text('dead_letter_message: entity id', p_entity_id, 500);
  END IF;

  v_moved := public.move_to_dead_letter_queue(p_queue, p_queue || '_dlq', p_msg_id::TEXT,
                                              v_reason, v_metadata);
  DELETE FROM queue_mgmt.message_attempts WHERE queue_name = p_queue AND msg_id = p_msg_id;
  IF p_entity_type IS NOT NULL THEN
    DELETE FROM public.processing_locks
    WHERE entity_type = p_entity_type AND entity_id = p_entity_id;
    INSERT INTO public.processing_status AS s (
      entity_type, entity_id, state, last_error, dead_lettered, attempts, metadata)
    VALUES (p_entity_type, p_entity_id, 'FAILED', v_reason, TRUE, 1,
            jsonb_build_object('dead_letter', v_metadata))
    ON CONFLICT (entity_type, entity_id) DO UPDATE SET
      state = 'FAILED', last_error = v_reason, dead_lettered = TRUE,
      last_processed_at = now(), updated_at = now(),
      metadata = COALESCE(s.metadata, '{}'::jsonb) || jsonb_build_object('dead_letter', v_metadata);
  END IF;
  INSERT INTO monitoring.worker_issues (worker_name, issue_type, severity, message, details)
  VALUES (p_queue, 'dead_letter', 'error', v_reason,
          v_metadata || jsonb_build_object('msg_id', p_msg_id, 'worker', p_worker,
                                           'entity_type', p_entity_type, 'entity_id', p_entity_id,
                                           'moved', v_moved));
  RETURN v_moved;
END;
$$;

-- As in 0007, with the poison rule of this migration: a visible message whose deliveries
-- were cut short more than settings.max_deliveries times (not read_ct > max_attempts) is
-- moved to the DLQ, with a reason that says it killed its workers.
CREATE OR REPLACE FUNCTION public.monitor_queues()
RETURNS INTEGER
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  v_queue TEXT;
  v_table TEXT;
  v_is_dlq BOOLEAN;
  v_total BIGINT;
  v_stuck BIGINT;
  v_fixed INTEGER;
  v_poison RECORD;
  v_count INTEGER := 0;
  v_stuck_after INTERVAL := COALESCE(
    (SELECT value FROM public.settings WHERE key = 'queue_stuck_after'), '5 minutes')::INTERVAL;
  v_max_deliveries INTEGER := COALESCE(
    (SELECT value FROM public.settings WHERE key = 'max_deliveries'), '20')::INTEGER;
BEGIN
  FOR v_queue IN
    SELECT r.queue_name FROM public.queue_registry r
    JOIN pgmq.meta m ON m.queue_name = r.queue_name
    WHERE r.active ORDER BY r.queue_name
  LOOP
    v_table := pgmq.format_table_name(v_queue, 'q');
    v_is_dlq := v_queue LIKE '%\_dlq';
    v_fixed := 0;
    IF NOT v_is_dlq THEN
      FOR v_poison IN EXECUTE format(
        'SELECT q.msg_id, q.read_ct - COALESCE(a.failures, 0) - COALESCE(a.set_aside, 0) AS cut '
        'FROM pgmq.%I q LEFT JOIN queue_mgmt.message_attempts a '
        'ON a.queue_name = $2 AND a.msg_id = q.msg_id '
        'WHERE q.vt <= now() '
        'AND q.read_ct - COALESCE(a.failures, 0) - COALESCE(a.set_aside, 0) > $1 '
        'ORDER BY q.msg_id LIMIT 1000',
        v_table) USING v_max_deliveries, v_queue
      LOOP
        IF public.move_to_dead_letter_queue(v_queue, v_queue || '_dlq', v_poison.msg_id::TEXT,
             format('killed its worker %s times: deliveries cut short (queue monitor)', v_poison.cut),
             jsonb_build_object('cause', 'killed_worker', 'transient', FALSE)) THEN
          DELETE FROM queue_mgmt.message_attempts
          WHERE queue_name = v_queue AND msg_id = v_poison.msg_id;
          v_fixed := v_fixed + 1;
        END IF;
      END LOOP;
    END IF;
    EXECUTE format(
      'SELECT count(*), count(*) FILTER (WHERE NOT $1 AND vt < now() - $2) FROM pgmq.%I', v_table)
      INTO v_total, v_stuck USING v_is_dlq, v_stuck_after;
    INSERT INTO public.monitoring_events (event_type, details)
    VALUES ('queue_monitor', jsonb_build_object(
      'queue_name', v_queue,
      'isDeadLetterQueue', v_is_dlq,
      'totalMessagesInQueues', v_total,
      'totalStuckMessages', v_stuck,
      'messagesFixed', v_fixed));
    v_count := v_count + 1;
  END LOOP;
  RETURN v_count;
END;
$$;

-- Re-drive, once, the dead letters whose cause was transient (an API down for longer than
-- the retries): each one that has waited p_after in its DLQ goes back to its source queue,
-- unless the same body was already re-driven once (then it stays for an operator). Counts
-- older than a week of messages that left their queue another way are purged here too.
CREATE OR REPLACE FUNCTION public.redrive_transient_dead_letters(
  p_after INTERVAL DEFAULT '10 minutes'
) RETURNS INTEGER
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  v_letter RECORD;
  v_body JSONB;
  v_new BIGINT;
  v_count INTEGER := 0;
BEGIN
  FOR v_letter IN
    SELECT d.queue_name, d.source_queue, d.message_id, d.failure_reason, d.full_message
    FROM public.dlq_messages d
    WHERE (d.custom_metadata->>'transient')::BOOLEAN IS TRUE
      AND d.moved_to_dlq_at <= now() - p_after
      AND d.source_queue IS NOT NULL
    ORDER BY d.message_id
  LOOP
    v_body := v_letter.full_message - '_dlq_metadata';
    INSERT INTO queue_mgmt.redriven_dead_letters
      (source_queue, body_hash, dlq_name, dlq_msg_id, new_msg_id, failure_reason)
    VALUES (v_letter.source_queue, md5(v_body::TEXT), v_letter.queue_name, v_letter.message_id,
            0, v_letter.failure_reason)
    ON CONFLICT (source_queue, body_hash) DO NOTHING;
    IF FOUND THEN
      v_new := pgmq.send(v_letter.source_queue, v_body);
      PERFORM pgmq.delete(v_letter.queue_name, v_letter.message_id);
      UPDATE queue_mgmt.redriven_dead_letters SET new_msg_id = v_new
      WHERE source_queue = v_letter.source_queue AND body_hash = md5(v_body::TEXT);
      INSERT INTO public.monitoring_events (event_type, details)
      VALUES ('dead_letter_redriven', jsonb_build_object(
        'dlq_name', v_letter.queue_name, 'dlq_message_id', v_letter.message_id,
        'source_queue', v_letter.source_queue, 'new_message_id', v_new,
        'failure_reason', v_letter.failure_reason));
      v_count := v_count + 1;
    END IF;
  END LOOP;
  DELETE FROM queue_mgmt.message_attempts WHERE updated_at < now() - INTERVAL '7 days';
  RETURN v_count;
END;
$$;

DO $$
DECLARE
  v_reason TEXT := public.pg_cron_unavailable_reason();
BEGIN
  IF v_reason IS NOT NULL THEN
    RAISE NOTICE 'dead-letter redrive schedule skipped: %. Run '
                 'SELECT redrive_transient_dead_letters() by hand.', v_reason;
    RETURN;
  END IF;
  PERFORM cron.schedule('redrive-transient-dead-letters', '*/5 * * * *',
                        'SELECT public.redrive_transient_dead_letters()');
  RAISE NOTICE 'dead-letter redrive schedule installed in pg_cron';
END;
$$;

-- Least privilege (0050): what the runtime and the operator commands need of this migration.
-- A worker reads its messages' attempt counts, records failures and drops the counts of a
-- message it archives; at start it expires the
-- locks of its own dead predecessors (last_heartbeat only). The operator sees both tables.
GRANT EXECUTE ON FUNCTION public.record_message_attempt(TEXT, BIGINT, TEXT, TEXT) TO discovery_worker;
GRANT SELECT, DELETE ON queue_mgmt.message_attempts TO discovery_worker;
GRANT SELECT, UPDATE (last_heartbeat) ON public.processing_locks TO discovery_worker;
GRANT SELECT ON queue_mgmt.message_attempts, queue_mgmt.redriven_dead_letters TO discovery_operator;
GRANT EXECUTE ON FUNCTION public.redrive_transient_dead_letters(INTERVAL) TO discovery_operator;
