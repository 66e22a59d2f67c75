-- One producer without contact details: aliases, socials, credits, collaborators (NULL: unknown id).
SELECT public.get_producer(%(producer_id)s::UUID) AS producer
