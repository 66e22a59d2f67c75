-- A producer to enrich: its name and the ids it is known by at each source, oldest first
-- ({"genius": ["2400105"], ...}).
SELECT p.id::TEXT AS producer_id,
       p.name,
       COALESCE((SELECT jsonb_object_agg(ids.source, ids.source_ids)
                 FROM (SELECT s.source,
                              jsonb_agg(s.source_id ORDER BY s.created_at, s.source_id)
                                AS source_ids
                       FROM public.producer_source_ids s
                       WHERE s.producer_id = p.id
                       GROUP BY s.source) AS ids), '{}'::JSONB) AS source_ids
FROM public.producers p
WHERE p.id = %(producer_id)s::UUID
