-- One more handler failure ('failure', with its error) or delivery set aside without an
-- attempt ('set_aside': busy entity, deferred) of a message (migration 0070).
SELECT public.record_message_attempt(%(queue)s, %(message_id)s, %(kind)s, %(error)s)
