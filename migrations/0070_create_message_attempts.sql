-- Attempts that mean attempts. pgmq's read_ct counts every delivery, including
-- the ones cut short because the worker died (SIGKILL, OOM, a lost host or database
-- connection), and the ones hidden again because the entity was busy. Dead-lettering on
-- read_ct therefore punished messages for the crashes of their workers. From here:
-- * queue_mgmt.message_attempts counts, per message, the handler failures (`failures`, the
--   attempts that count against max_attempts) and the deliveries that were set aside without
--   an attempt (`set_aside`: entity busy, shared rate limit deferred, shutting down);
-- * a delivery is "cut short" when it is neither: read_ct - 1 - failures - set_aside of them
--   happened before the current one. A poison message that kills its worker every time
--   reaches the DLQ by its own, larger cap (settings.max_deliveries), with a reason that
--   says so; monitor_queues applies the same rule.
-- * dead letters whose cause was transient (custom_metadata.transient) are re-driven once,
--   later, by redrive_transient_dead_letters() (pg_cron every 5 minutes); what was re-driven
--   is kept in queue_mgmt.redriven_dead_letters, so nothing is re-driven twice.

CREATE TABLE IF NOT EXISTS queue_mgmt.message_attempts (
    queue_name TEXT NOT NULL,
    msg_id BIGINT NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    set_aside INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (queue_name, msg_id)
);

CREATE TABLE IF NOT EXISTS queue_mgmt.redriven_dead_letters (
    source_queue TEXT NOT NULL,
    body_hash TEXT NOT NULL,
    dlq_name TEXT NOT NULL,
    dlq_msg_id BIGINT NOT NULL,
    new_msg_id BIGINT NOT NULL,
    failure_reason TEXT,
    redriven_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (source_queue, body_hash)
);

INSERT INTO public.settings (key, value) VALUES ('max_deliveries', '20')
ON CONFLICT (key) DO NOTHING;
GRANT SELECT, DELETE ON queue_mgmt.message_attempts TO discovery_worker;
GRANT SELECT, UPDATE (last_heartbeat) ON public.processing_locks TO discovery_worker;
GRANT SELECT ON queue_mgmt.message_attempts, queue_mgmt.redriven_dead_letters TO discovery_operator;
