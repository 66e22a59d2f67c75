-- Undo one merge (definitions/55_identities.sql): what was restored.
SELECT public.unmerge_producers(%(merge_id)s::BIGINT) AS restored
