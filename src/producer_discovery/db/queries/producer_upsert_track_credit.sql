INSERT INTO public.track_producers (track_id, producer_id, confidence, source, roles)
VALUES (%(track_id)s::UUID, %(producer_id)s::UUID, %(confidence)s, %(source)s, %(roles)s::TEXT[])
ON CONFLICT (track_id, producer_id) DO UPDATE SET
    confidence = EXCLUDED.confidence,
    source = EXCLUDED.source,
    roles = EXCLUDED.roles,
    updated_at = NOW()
