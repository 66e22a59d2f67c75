-- A session lock on one cached resource while its one fetch runs (see response_cache.py).
SELECT pg_try_advisory_lock(hashtextextended(%(key)s, 0)) AS locked
