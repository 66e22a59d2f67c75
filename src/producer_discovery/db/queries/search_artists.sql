-- Artists matching a search, best first (migration 0060: accent/case/punctuation-insensitive, typo-tolerant).
SELECT id::TEXT AS id, name, image_url, albums, tracks, round(score::NUMERIC, 3)::FLOAT8 AS score
FROM public.search_artists(%(q)s, %(limit)s)
