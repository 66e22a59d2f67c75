-- Producers whose id starts with a prefix the CLI showed (its first 8 characters or more).
SELECT id::TEXT AS id
FROM public.producers
WHERE id::TEXT LIKE %(prefix)s || '%%'
ORDER BY id
LIMIT 2
