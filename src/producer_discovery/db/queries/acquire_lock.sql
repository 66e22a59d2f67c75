SELECT acquire_processing_lock(%(entity_type)s, %(entity_id)s, 30, %(correlation)s,
                               %(worker)s, %(ttl)s) AS acquired,
       (SELECT state FROM public.processing_status
        WHERE entity_type = %(entity_type)s AND entity_id = %(entity_id)s) AS state
