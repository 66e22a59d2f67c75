-- What producer identification needs to know about one representative track: its title,
-- Spotify id and metadata (artists, ISRC when stored), its album (title, UPC, track count),
-- the song's artist, and how many songs are identified through this album (the songs whose
-- representative track is on it), which decides whether an album-level lookup pays off.
SELECT t.id::TEXT AS track_id,
       t.name AS title,
       t.spotify_id,
       COALESCE(t.metadata, '{}'::JSONB) AS track_metadata,
       al.id::TEXT AS album_id,
       al.artist_id::TEXT AS album_artist_id,
       al.name AS album_title,
       COALESCE(al.metadata, '{}'::JSONB) AS album_metadata,
       COALESCE(song_artist.name, album_artist.name) AS artist_name,
       (SELECT count(*)
        FROM public.normalized_tracks nt
        JOIN public.tracks representative ON representative.id = nt.representative_track_id
        WHERE representative.album_id = al.id) AS album_songs
FROM public.tracks t
JOIN public.albums al ON al.id = t.album_id
JOIN public.artists album_artist ON album_artist.id = al.artist_id
LEFT JOIN public.artists song_artist ON song_artist.id = %(artist_id)s::UUID
WHERE t.id = %(track_id)s::UUID
