-- A producer to enrich: its name and the ids it is known by at each source, oldest first.
SELECT p.id::TEXT AS producer_id,
       p.name,
       COALESCE(array_agg(s.source_id ORDER BY s.created_at, s.source_id)
                FILTER (WHERE s.source = 'genius'), '{}') AS genius,
       COALESCE(array_agg(s.source_id ORDER BY s.created_at, s.source_id)
                FILTER (WHERE s.source = 'musicbrainz'), '{}') AS musicbrainz,
       COALESCE(array_agg(s.source_id ORDER BY s.created_at, s.source_id)
                FILTER (WHERE s.source = 'discogs'), '{}') AS discogs
FROM public.producers p
LEFT JOIN public.producer_source_ids s ON s.producer_id = p.id
WHERE p.id = %(producer_id)s::UUID
GROUP BY p.id
