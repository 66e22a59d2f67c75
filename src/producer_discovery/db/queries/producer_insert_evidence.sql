INSERT INTO public.track_producer_evidence
    (track_id, producer_id, source, source_id, role, role_label, attributes, confidence)
VALUES (%(track_id)s::UUID, %(producer_id)s::UUID, %(source)s, %(source_id)s, %(role)s,
        %(role_label)s, %(attributes)s, %(confidence)s)
ON CONFLICT (track_id, producer_id, source, role) DO UPDATE SET
    source_id = COALESCE(track_producer_evidence.source_id, EXCLUDED.source_id),
    confidence = GREATEST(track_producer_evidence.confidence, EXCLUDED.confidence)
