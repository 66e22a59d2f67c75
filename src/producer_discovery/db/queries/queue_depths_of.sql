-- Messages waiting or in flight per queue, for the named queues only (a worker login may read
-- no other queue, so not pgmq.metrics_all()).
SELECT m.queue_name, (pgmq.metrics(m.queue_name)).queue_length
FROM pgmq.meta m
WHERE m.queue_name = ANY(%(queues)s)
