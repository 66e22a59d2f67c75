-- What only the full album tells (UPC, label where Spotify sends it), merged into metadata.
UPDATE public.albums
SET metadata = COALESCE(metadata, '{}'::jsonb) || %(details)s,
    updated_at = NOW()
WHERE id = %(album_id)s
