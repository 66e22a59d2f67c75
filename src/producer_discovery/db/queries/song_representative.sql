-- The song's current representative (its best edition), read when producer identification
-- handles the song, so a message sent before a better edition arrived identifies the new one.
SELECT representative_track_id::TEXT AS track_id
FROM public.normalized_tracks
WHERE id = %(normalized_track_id)s::UUID
