-- Test and benchmark seeding (sandbox.catalogue_seed): one artist of the sample catalogue.
INSERT INTO public.artists (name, spotify_id, metadata)
VALUES (%(name)s, %(spotify_id)s, %(metadata)s)
ON CONFLICT (spotify_id) DO UPDATE SET name = EXCLUDED.name
RETURNING id::TEXT AS artist_id
