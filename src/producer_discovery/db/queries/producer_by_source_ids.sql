-- The producers already known by any of these (source, source id) pairs.
SELECT s.source, s.source_id, s.producer_id::TEXT AS producer_id
FROM public.producer_source_ids s
JOIN unnest(%(sources)s::TEXT[], %(source_ids)s::TEXT[]) AS wanted(source, source_id)
  ON wanted.source = s.source AND wanted.source_id = s.source_id
