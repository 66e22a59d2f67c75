-- Re-drive dead letters (replay_dead_letters, migration 0062): each goes back to its source
-- queue without its _dlq_metadata and leaves the DLQ. %(queue)s / %(message_id)s narrow it (NULL = all).
SELECT queue_name, message_id, source_queue, new_msg_id
FROM public.replay_dead_letters(%(queue)s::TEXT, %(message_id)s::BIGINT)
