SELECT public.get_discovery_progress(%(msg_id)s) AS progress
