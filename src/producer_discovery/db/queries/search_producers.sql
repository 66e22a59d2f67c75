-- Producers matching a search, best first (migration 0060), with their song and artist counts.
SELECT id::TEXT AS id, name, image_url, instagram_handle, tracks, artists,
       round(score::NUMERIC, 3)::FLOAT8 AS score
FROM public.search_producers(%(q)s, %(limit)s)
