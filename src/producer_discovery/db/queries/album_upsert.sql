-- One of an artist's own albums, inserted or refreshed; metadata is merged so details
-- recorded later (the UPC from the full album) survive a new listing.
INSERT INTO public.albums (artist_id, name, spotify_id, release_date, cover_url, metadata)
VALUES (%(artist_id)s, %(name)s, %(spotify_id)s, %(release_date)s, %(cover_url)s, %(metadata)s)
ON CONFLICT (spotify_id) DO UPDATE SET
    artist_id = EXCLUDED.artist_id,
    name = EXCLUDED.name,
    release_date = EXCLUDED.release_date,
    cover_url = COALESCE(EXCLUDED.cover_url, albums.cover_url),
    metadata = COALESCE(albums.metadata, '{}'::jsonb) || EXCLUDED.metadata,
    updated_at = NOW()
RETURNING id
