-- What the daily purge keeps in check (migration 0052): rows, oldest, size, age kept.
SELECT data, row_count AS rows, oldest, pg_size_pretty(bytes) AS size, kept
FROM public.get_retention_stats()
