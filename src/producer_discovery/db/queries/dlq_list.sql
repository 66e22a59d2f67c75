SELECT queue_name, message_id, source_queue, original_msg_id, moved_to_dlq_at, failure_reason
FROM public.dlq_messages
ORDER BY moved_to_dlq_at, message_id
