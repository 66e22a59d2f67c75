-- One artist with its albums, tracks, who produced each, and its producers (NULL: unknown id).
SELECT public.get_artist(%(artist_id)s::UUID) AS artist
