SELECT queue_name, queue_length FROM pgmq.metrics_all() WHERE queue_name = ANY(%(queues)s)
