-- The Spotify id of a stored artist (track discovery keeps the tracks this artist is on).
SELECT spotify_id FROM public.artists WHERE id = %(artist_id)s
