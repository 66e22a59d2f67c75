-- The e-mail of each of these producers, for an operator's export (discovery_operator may read
-- the column; discovery_reader may not).
SELECT id::TEXT AS id, email FROM public.producers WHERE id = ANY (%(ids)s::UUID[])
