DELETE FROM public.track_producer_evidence WHERE track_id = %(track_id)s::UUID
