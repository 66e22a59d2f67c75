-- A failed attempt that will be retried: the entity back to PENDING with the error.
SELECT finish_processing(%(entity_type)s, %(entity_id)s, %(worker)s, 'PENDING', %(error)s)
