-- Which of these Spotify album ids are stored already (an artist's refresh stops at them).
SELECT spotify_id FROM public.albums WHERE spotify_id = ANY(%(spotify_ids)s::TEXT[])
