-- One Spotify artist, inserted or refreshed. Popularity, followers and the image are only
-- replaced by a known value: development mode omits them, and null must not erase them.
-- Metadata is merged, so genres stay when a later answer has none.
INSERT INTO public.artists (name, spotify_id, followers, popularity, image_url, metadata)
VALUES (%(name)s, %(spotify_id)s, %(followers)s, %(popularity)s, %(image_url)s, %(metadata)s)
ON CONFLICT (spotify_id) DO UPDATE SET
    name = EXCLUDED.name,
    followers = COALESCE(EXCLUDED.followers, artists.followers),
    popularity = COALESCE(EXCLUDED.popularity, artists.popularity),
    image_url = COALESCE(EXCLUDED.image_url, artists.image_url),
    metadata = COALESCE(artists.metadata, '{}'::jsonb) || EXCLUDED.metadata,
    updated_at = NOW()
RETURNING id
