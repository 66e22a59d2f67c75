-- Depth of every registered queue (pgmq's own metrics).
SELECT m.queue_name, m.queue_length, m.queue_visible_length, m.oldest_msg_age_sec, m.total_messages
FROM pgmq.metrics_all() m
JOIN public.queue_registry r ON r.queue_name = m.queue_name
ORDER BY m.queue_name
