-- Retention: what only grows is purged daily, by age, from the ages in public.settings (like
-- queue_stuck_after and enrichment_ttl; change them with UPDATE settings ...):
--   retention_archive               pgmq archive rows (a_<queue>.archived_at)        30 days
--   retention_problematic_messages  queue_mgmt.problematic_messages                 30 days
--   retention_worker_issues         monitoring.worker_issues, public.worker_issues  30 days
--   retention_monitoring_events     public.monitoring_events                        30 days
--   retention_idempotency           idempotency.processed_operations                30 days
-- An idempotency record is kept at least as long as a duplicate of its message can still
-- arrive: while any message older than the record waits in its queue or in the queue's DLQ
-- (from where `dlq replay` sends it back), the record stays, whatever its age.
-- Nothing in flight is touched: queue messages, locks and processing states are not purged.
INSERT INTO public.settings (key, value) VALUES
    ('retention_archive', '30 days'),
    ('retention_problematic_messages', '30 days'),
    ('retention_worker_issues', '30 days'),
    ('retention_monitoring_events', '30 days'),
    ('retention_idempotency', '30 days')
ON CONFLICT (key) DO NOTHING;
