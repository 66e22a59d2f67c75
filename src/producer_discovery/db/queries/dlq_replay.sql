-- Re-drive dead letters: each goes back (without its _dlq_metadata) to the stage it came from
-- and leaves its DLQ, in one statement (replay_dead_letters, migration 0051).
-- %(queue)s / %(message_id)s narrow it (NULL = all).
SELECT queue_name, message_id, source_queue, new_msg_id
FROM public.replay_dead_letters(%(queue)s::text, %(message_id)s::bigint)
ORDER BY message_id
