-- The artists whose name is this one, ignoring case, accents and punctuation (search_key).
SELECT a.id::TEXT AS id, a.name
FROM public.artists a
WHERE public.search_key(a.name) = public.search_key(%(name)s)
ORDER BY a.name, a.id
