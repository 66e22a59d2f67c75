-- A lock whose holder is dead: expire its heartbeat so acquire_processing_lock takes it over.
UPDATE public.processing_locks SET last_heartbeat = now() - interval '1 day'
WHERE entity_type = %(entity_type)s AND entity_id = %(entity_id)s AND worker_id = %(worker_id)s
