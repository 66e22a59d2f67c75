-- A source id joins its producer; an id another producer already holds stays with it.
-- Returns a row only when the id is new.
INSERT INTO public.producer_source_ids (source, source_id, producer_id)
VALUES (%(source)s, %(source_id)s, %(producer_id)s::UUID)
ON CONFLICT (source, source_id) DO NOTHING
RETURNING source
