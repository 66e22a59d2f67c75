-- Re-drive dead letters: send each (without its _dlq_metadata) back to its source queue and
-- delete it from the DLQ, in one statement. %(queue)s / %(message_id)s narrow it (NULL = all).
WITH chosen AS (
    SELECT queue_name, message_id, source_queue, full_message
    FROM public.dlq_messages
    WHERE (%(queue)s::text IS NULL OR queue_name = %(queue)s OR source_queue = %(queue)s)
      AND (%(message_id)s::bigint IS NULL OR message_id = %(message_id)s)
), sent AS (
    SELECT c.queue_name, c.message_id, c.source_queue,
           pgmq.send(c.source_queue, c.full_message - '_dlq_metadata') AS new_msg_id
    FROM chosen c
), deleted AS (
    SELECT s.*, pgmq.delete(s.queue_name, s.message_id) AS deleted FROM sent s
)
SELECT queue_name, message_id, source_queue, new_msg_id FROM deleted ORDER BY message_id
