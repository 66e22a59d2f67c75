-- The views of the original specification, and their readers.

-- The views of the spec.

CREATE OR REPLACE VIEW public.producer_popularity AS
SELECT
    p.id,
    p.name,
    COUNT(DISTINCT tp.track_id) AS track_count,
    COUNT(DISTINCT a.id) AS artist_count,
    AVG(t.popularity) AS avg_track_popularity
FROM
    producers p
    JOIN track_producers tp ON p.id = tp.producer_id
    JOIN tracks t ON tp.track_id = t.id
    JOIN albums al ON t.album_id = al.id
    JOIN artists a ON al.artist_id = a.id
GROUP BY
    p.id, p.name;
GRANT SELECT ON public.producer_popularity TO discovery_operator, discovery_reader;

-- Departure: the spec grouped monitoring_events by a queue_name column that does not exist
-- (the view did not create) and took the MAX over 24 hours, which would keep reporting a
-- queue as stuck for a day after it recovered. This reads the queue from the
-- queue_monitor events' details and reports each queue's latest check of the last 24 hours.
CREATE OR REPLACE VIEW public.queue_monitoring_view AS
SELECT DISTINCT ON (details->>'queue_name')
  details->>'queue_name' AS queue_name,
  (details->>'totalMessagesInQueues')::INTEGER AS total_messages,
  (details->>'totalStuckMessages')::INTEGER AS stuck_messages,
  (details->>'messagesFixed')::INTEGER AS messages_fixed,
  created_at AS last_check_time
FROM public.monitoring_events
WHERE event_type = 'queue_monitor'
  AND created_at > NOW() - INTERVAL '24 hours'
  AND details ? 'queue_name'
ORDER BY details->>'queue_name', created_at DESC;
GRANT SELECT ON public.queue_monitoring_view TO discovery_operator, discovery_reader;

CREATE OR REPLACE VIEW public.dlq_messages AS
SELECT
  queue_name,
  source_queue,
  message_id,
  original_msg_id,
  moved_to_dlq_at,
  failure_reason,
  custom_metadata,
  full_message
FROM public.get_dlq_messages();
GRANT SELECT ON public.dlq_messages TO discovery_operator;

CREATE OR REPLACE VIEW monitoring.api_metrics AS
SELECT
  tags->>'api' AS api_name,
  date_trunc('hour', timestamp) AS hour,
  COUNT(*) AS total_calls,
  SUM(CASE WHEN tags->>'success' = 'true' THEN 1 ELSE 0 END) AS success_count,
  SUM(CASE WHEN tags->>'success' = 'false' THEN 1 ELSE 0 END) AS error_count,
  AVG(CASE WHEN tags->>'success' = 'true' THEN metric_value ELSE NULL END) AS avg_success_time_ms,
  percentile_cont(0.95) WITHIN GROUP (ORDER BY metric_value) AS p95_time_ms
FROM
  monitoring.pipeline_metrics
WHERE
  metric_name = 'api_call'
  AND timestamp > now() - interval '7 days'
GROUP BY
  tags->>'api', date_trunc('hour', timestamp)
ORDER BY
  api_name, hour DESC;
GRANT SELECT ON monitoring.api_metrics TO discovery_operator, discovery_reader;
