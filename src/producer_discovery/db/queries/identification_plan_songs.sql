-- Every song of the artist as producer identification reads one (producer_track_context.sql):
-- its representative track, that track's album, and how many songs that album carries.
SELECT t.id::TEXT AS track_id,
       t.name AS title,
       t.spotify_id,
       COALESCE(t.metadata, '{}'::JSONB) AS track_metadata,
       al.id::TEXT AS album_id,
       al.artist_id::TEXT AS album_artist_id,
       al.name AS album_title,
       COALESCE(al.metadata, '{}'::JSONB) AS album_metadata,
       ar.name AS artist_name,
       count(*) OVER (PARTITION BY al.id) AS album_songs
FROM public.normalized_tracks nt
JOIN public.tracks t ON t.id = nt.representative_track_id
JOIN public.albums al ON al.id = t.album_id
JOIN public.artists ar ON ar.id = al.artist_id
WHERE al.artist_id = %(artist_id)s::UUID
ORDER BY al.created_at, t.id
