-- An operator merges %(b)s into %(a)s; the merge id (definitions/55_identities.sql).
SELECT public.merge_producers_by_operator(%(a)s::UUID, %(b)s::UUID, %(reason)s::TEXT) AS merge_id
