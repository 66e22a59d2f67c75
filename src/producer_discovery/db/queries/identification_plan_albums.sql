-- The artist's albums whose tracks are stored (track discovery has recorded their UPC and
-- track count by then), oldest first, with the artist's name and how many songs are
-- identified through each (their representative track is on it).
SELECT al.id::TEXT AS album_id,
       al.name AS title,
       COALESCE(al.metadata, '{}'::JSONB) AS metadata,
       ar.name AS artist_name,
       (SELECT count(*)
        FROM public.normalized_tracks nt
        JOIN public.tracks representative ON representative.id = nt.representative_track_id
        WHERE representative.album_id = al.id) AS songs
FROM public.albums al
JOIN public.artists ar ON ar.id = al.artist_id
WHERE al.artist_id = %(artist_id)s::UUID
  AND EXISTS (SELECT 1 FROM public.tracks t WHERE t.album_id = al.id)
ORDER BY al.created_at, al.id
