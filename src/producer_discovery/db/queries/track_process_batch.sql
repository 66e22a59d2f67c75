-- An album's tracks and their normalized songs, in one call (see process_track_batch).
SELECT process_track_batch(%(tracks)s::jsonb[], %(album_id)s::uuid, %(artist_id)s::uuid) AS result
