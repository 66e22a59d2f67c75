-- Erasure of one producer and the do-not-collect list (definitions/50_producers.sql).
SELECT public.forget_producer(%(producer_id)s::UUID) AS forgotten
