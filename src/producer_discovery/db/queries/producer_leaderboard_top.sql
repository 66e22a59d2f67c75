-- The most credited producers first, at most %(limit)s (NULL: all).
SELECT id::TEXT AS id, name, tracks, artists, artist_names, best_confidence::FLOAT8 AS best_confidence,
       instagram_handle, image_url
FROM public.producer_leaderboard(%(limit)s, NULL)
