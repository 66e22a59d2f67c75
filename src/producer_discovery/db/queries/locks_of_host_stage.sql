-- Locks held by this stage's workers on this host (worker ids are host:pid:stage), with the
-- message they were taken for (correlation_id = msg_id), for recovery at start.
SELECT entity_type, entity_id, worker_id, correlation_id
FROM public.processing_locks
WHERE worker_id LIKE %(pattern)s
