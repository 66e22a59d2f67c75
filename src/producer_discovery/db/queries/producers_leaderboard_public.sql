-- The producer leaderboard without contact details (a discovery_reader login): most credited
-- songs first. %(artist)s narrows it to one artist
-- (case-insensitive name); NULL lists everyone.
SELECT p.id::TEXT AS id, p.name AS producer,
       count(DISTINCT tp.track_id) AS tracks,
       count(DISTINCT ar.id) AS artists,
       string_agg(DISTINCT ar.name, ', ' ORDER BY ar.name) AS artist_names,
       round(max(tp.confidence), 2) AS best_confidence,
       p.instagram_handle,
       p.image_url
FROM public.producers p
JOIN public.track_producers tp ON tp.producer_id = p.id
JOIN public.tracks t ON t.id = tp.track_id
JOIN public.albums al ON al.id = t.album_id
JOIN public.artists ar ON ar.id = al.artist_id
WHERE %(artist)s::text IS NULL OR lower(ar.name) = lower(%(artist)s)
GROUP BY p.id
ORDER BY tracks DESC, producer
