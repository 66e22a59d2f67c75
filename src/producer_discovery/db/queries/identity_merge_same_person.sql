-- Merge %(gone)s into %(keep)s as one person (definitions/55_identities.sql): the source ids
-- ("source:id") %(keep)s gained, or NULL when the pair may never be merged (different ids of
-- one source, or kept apart).
SELECT public.merge_same_person(%(keep)s::UUID, %(gone)s::UUID, %(decided_by)s::TEXT,
                                %(evidence)s::JSONB) AS source_ids
