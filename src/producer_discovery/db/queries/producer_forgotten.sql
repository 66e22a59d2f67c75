-- The do-not-collect list (forget_producer, migration 0111): which of these normalized names
-- and source ids ("source:id") belong to a forgotten person.
SELECT 'name' AS kind, f.normalized_name AS key
FROM public.forgotten_producer_names f
WHERE f.normalized_name = ANY(%(names)s::TEXT[])
UNION ALL
SELECT 'id', f.source || ':' || f.source_id
FROM public.forgotten_producer_source_ids f
WHERE f.source || ':' || f.source_id = ANY(%(ids)s::TEXT[])
