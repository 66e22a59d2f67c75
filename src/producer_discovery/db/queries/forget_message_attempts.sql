-- A message that left its queue (archived): its attempt counts go with it (0070).
DELETE FROM queue_mgmt.message_attempts WHERE queue_name = %(queue)s AND msg_id = %(msg_id)s
