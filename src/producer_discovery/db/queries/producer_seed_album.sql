-- Test and benchmark seeding (sandbox.catalogue_seed): one album as album and track discovery
-- leave it (metadata: album_type, total_tracks, artists, upc).
INSERT INTO public.albums (artist_id, name, spotify_id, metadata)
VALUES (%(artist_id)s::UUID, %(name)s, %(spotify_id)s, %(metadata)s)
ON CONFLICT (spotify_id) DO UPDATE SET name = EXCLUDED.name, metadata = EXCLUDED.metadata
RETURNING id::TEXT AS album_id
