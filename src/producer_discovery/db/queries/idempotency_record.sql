INSERT INTO idempotency.processed_operations (key, queue_name, msg_id, result)
VALUES (%(key)s, %(queue)s, %(msg_id)s, %(result)s)
