INSERT INTO public.producers (name, normalized_name, metadata)
VALUES (%(name)s, %(normalized_name)s, jsonb_build_object('name_source', %(source)s::TEXT))
RETURNING id::TEXT AS producer_id
