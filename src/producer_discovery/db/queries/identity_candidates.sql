-- The possible duplicates, with the evidence for and against (definitions/55_identities.sql).
SELECT c.producer_a::TEXT AS producer_a, c.name_a, c.sources_a, c.artists_a,
       c.producer_b::TEXT AS producer_b, c.name_b, c.sources_b, c.artists_b,
       c.normalized_name, c.evidence_for, c.evidence_against, c.noticed_at
FROM public.producer_merge_candidates() c
