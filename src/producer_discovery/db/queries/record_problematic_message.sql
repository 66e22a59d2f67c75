INSERT INTO queue_mgmt.problematic_messages (queue_name, message_id, message_body, error_type, error_details)
VALUES (%(queue)s, %(message_id)s, %(body)s, %(error_type)s, %(error_details)s)
