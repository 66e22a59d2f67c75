-- Producers recommended for an artist, best first, with their reasons (get_recommended_producers):
-- {"artist": {"id", "name"}, "producers": [...]}, NULL for an unknown artist.
SELECT public.get_recommended_producers(%(artist_id)s::UUID, %(limit)s) AS recommendations
