-- Pause an API for every process with a growing back-off (migration 0081); the pause in seconds.
SELECT public.block_api(%(api)s, %(reason)s, %(base_seconds)s, %(cap_seconds)s)
