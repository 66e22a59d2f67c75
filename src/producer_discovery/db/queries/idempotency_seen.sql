SELECT EXISTS (SELECT 1 FROM idempotency.processed_operations WHERE key = %(key)s) AS seen
