SELECT heartbeat_processing_lock(%(entity_type)s, %(entity_id)s, %(worker)s) AS held
