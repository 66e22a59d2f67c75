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

-- pg_cron runs the refresh daily where it can (the guard of 0009): elsewhere this
-- migration succeeds and says (NOTICE) that the schedule was not installed; the function
-- can always be run by hand: SELECT * FROM requeue_producer_enrichment();
DO $$
DECLARE
  v_reason TEXT := public.pg_cron_unavailable_reason();
BEGIN
  IF v_reason IS NOT NULL THEN
    RAISE NOTICE 'enrichment refresh schedule skipped: %. Run '
                 'SELECT * FROM requeue_producer_enrichment() by hand.', v_reason;
    RETURN;
  END IF;

  PERFORM cron.schedule('social-enrichment-refresh', '30 4 * * *',
                        'SELECT count(*) FROM public.requeue_producer_enrichment()');
  RAISE NOTICE 'enrichment refresh schedule installed in pg_cron';
END;
$$;
