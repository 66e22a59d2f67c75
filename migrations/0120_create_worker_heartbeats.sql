-- Worker liveness: every worker process records itself here when it starts and every few
-- seconds while it runs (monitoring.record_worker_heartbeat), and removes its row when it
-- stops cleanly (monitoring.forget_worker). A stage whose queue holds messages and whose
-- workers were all last seen longer ago than settings.worker_live_within has nobody working
-- on it: get_system_health() warns. Rows of workers gone for a day are deleted by the
-- heartbeats themselves.
CREATE TABLE monitoring.worker_heartbeats (
    worker_id TEXT PRIMARY KEY CHECK (length(worker_id) <= 400),
    stage TEXT NOT NULL CHECK (length(stage) <= 100),
    host TEXT NOT NULL CHECK (length(host) <= 255),
    pid INTEGER NOT NULL CHECK (pid > 0),
    started_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX monitoring_worker_heartbeats_stage_idx
    ON monitoring.worker_heartbeats (stage, last_seen);
GRANT SELECT ON monitoring.worker_heartbeats TO discovery_operator;

INSERT INTO public.settings (key, value) VALUES ('worker_live_within', '60 seconds')
ON CONFLICT (key) DO NOTHING;
