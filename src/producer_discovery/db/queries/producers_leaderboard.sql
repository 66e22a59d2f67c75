-- The producer leaderboard (producer_leaderboard, migration 0061): most credited songs first.
-- %(artist)s narrows it to one artist (case-insensitive name); NULL lists everyone. The CLI is
-- an operator tool, so the e-mail is joined here.
SELECT l.id::TEXT AS id, l.name AS producer, l.tracks, l.artists, l.artist_names, l.best_confidence,
       l.instagram_handle, p.email, l.image_url
FROM public.producer_leaderboard(NULL, %(artist)s::TEXT) l
JOIN public.producers p ON p.id = l.id
ORDER BY l.tracks DESC, l.name
