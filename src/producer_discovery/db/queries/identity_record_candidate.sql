-- Two namesakes nothing links nor tells apart: a merge candidate for an operator.
SELECT public.record_producer_merge_candidate(%(a)s::UUID, %(b)s::UUID, %(noticed_by)s::TEXT,
                                              %(track_id)s::UUID) AS recorded
