-- Test and benchmark seeding (sandbox.catalogue_seed): an album's tracks and their songs.
SELECT process_track_batch(%(tracks)s::JSONB[], %(album_id)s::UUID, %(artist_id)s::UUID) AS result
