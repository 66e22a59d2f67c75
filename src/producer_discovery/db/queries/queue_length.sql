SELECT queue_length FROM pgmq.metrics(%(queue)s)
