-- Messages finished per stage in the last 15 minutes (from the idempotency ledger).
SELECT queue_name, count(*) AS finished, round(count(*) / 15.0, 2) AS per_minute
FROM idempotency.processed_operations
WHERE processed_at > now() - interval '15 minutes'
GROUP BY queue_name
ORDER BY queue_name
