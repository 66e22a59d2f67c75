-- The last statement of a message's one commit: status COMPLETED (fenced on the lock owner),
-- the idempotency record and the archive of the message.
SELECT complete_message(%(queue)s, %(message_id)s, %(entity_type)s, %(entity_id)s, %(worker)s,
                        %(key)s, %(metadata)s, %(result)s)
