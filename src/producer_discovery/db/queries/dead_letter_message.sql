SELECT dead_letter_message(%(queue)s, %(message_id)s, %(entity_type)s, %(entity_id)s, %(worker)s,
                           %(reason)s, %(metadata)s)
