SELECT stage, live_workers, silent_workers, queued_messages, last_seen
FROM public.get_worker_liveness()
