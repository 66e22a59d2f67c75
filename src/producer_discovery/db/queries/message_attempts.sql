-- A delivered message's handler failures and deliveries set aside without an attempt (0070).
SELECT COALESCE((SELECT failures FROM queue_mgmt.message_attempts
                 WHERE queue_name = %(queue)s AND msg_id = %(msg_id)s), 0) AS failures,
       COALESCE((SELECT set_aside FROM queue_mgmt.message_attempts
                 WHERE queue_name = %(queue)s AND msg_id = %(msg_id)s), 0) AS set_aside
