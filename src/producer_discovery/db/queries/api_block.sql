-- What is left of a block in force on an API (migration 0081): seconds and reason, or no row.
SELECT remaining_seconds, reason FROM public.api_block(%(api)s)
