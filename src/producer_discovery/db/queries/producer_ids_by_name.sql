-- The producers stored under one normalized name (for `producers forget NAME`).
SELECT p.id::TEXT AS id, p.name FROM public.producers p
WHERE p.normalized_name = %(normalized_name)s::TEXT ORDER BY p.created_at, p.id
