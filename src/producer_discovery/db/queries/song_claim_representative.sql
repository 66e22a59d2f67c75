-- Inside producer identification's commit: is the identified track still the song's
-- representative? (claim_song_representative, definitions/30_processing.sql)
SELECT public.claim_song_representative(%(normalized_track_id)s::UUID, %(track_id)s::UUID)
