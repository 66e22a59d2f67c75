-- A source id joins its producer; an id another producer already holds stays with it, and an
-- id on the do-not-collect list (forget_producer) is never attached again.
-- Returns a row only when the id is new.
INSERT INTO public.producer_source_ids (source, source_id, producer_id)
SELECT %(source)s::TEXT, %(source_id)s::TEXT, %(producer_id)s::UUID
WHERE NOT EXISTS (SELECT 1 FROM public.forgotten_producer_source_ids f
                  WHERE f.source = %(source)s::TEXT AND f.source_id = %(source_id)s::TEXT)
ON CONFLICT (source, source_id) DO NOTHING
RETURNING source
