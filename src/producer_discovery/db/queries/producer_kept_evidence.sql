-- A track's stored evidence from sources not consulted this time (their token is missing):
-- kept and fused again, so a skipped source never erases what it said before.
SELECT e.source, e.source_id, e.role, e.role_label, e.attributes,
       e.confidence::FLOAT8 AS confidence, p.name, p.normalized_name
FROM public.track_producer_evidence e
JOIN public.producers p ON p.id = e.producer_id
WHERE e.track_id = %(track_id)s::UUID AND e.source = ANY(%(sources)s::TEXT[])
ORDER BY e.source, p.normalized_name, e.role
