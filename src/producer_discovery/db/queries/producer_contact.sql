-- A producer's e-mail and bio: for operators only (the function is granted to discovery_operator).
SELECT public.get_producer_contact(%(producer_id)s::UUID) AS contact
