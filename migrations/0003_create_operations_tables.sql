-- Processing state, locks, queues, monitoring, settings and idempotency.

CREATE TABLE public.processing_status (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    state TEXT NOT NULL,
    last_processed_at TIMESTAMPTZ DEFAULT now(),
    last_error TEXT,
    metadata JSONB DEFAULT '{}'::jsonb,
    attempts INTEGER DEFAULT 0,
    created_at TIMESTAMPTZ DEFAULT now(),
    updated_at TIMESTAMPTZ DEFAULT now(),
    dead_lettered BOOLEAN DEFAULT FALSE,
    UNIQUE(entity_type, entity_id),
    -- Not in the spec: the states acquire_processing_lock knows, so a typo cannot slip in.
    CONSTRAINT processing_status_state_check
        CHECK (state IN ('PENDING', 'IN_PROGRESS', 'COMPLETED', 'FAILED'))
);
CREATE INDEX processing_status_state_idx ON public.processing_status (state, last_processed_at);

CREATE TABLE public.processing_locks (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    worker_id TEXT NOT NULL,
    correlation_id TEXT,
    acquired_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
    last_heartbeat TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
    metadata JSONB DEFAULT '{}'::jsonb,
    ttl_seconds INTEGER NOT NULL DEFAULT 1800,
    UNIQUE (entity_type, entity_id)
);

CREATE TABLE public.queue_registry (
    id SERIAL PRIMARY KEY,
    queue_name TEXT NOT NULL,
    display_name TEXT,
    description TEXT,
    active BOOLEAN DEFAULT TRUE,
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW()
);
-- Not in the spec: registering a queue twice must not make two rows.
CREATE UNIQUE INDEX queue_registry_queue_name_key ON public.queue_registry (queue_name);

CREATE TABLE public.queue_metrics (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    queue_name TEXT NOT NULL,
    operation TEXT NOT NULL,
    started_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    processed_count INTEGER,
    success_count INTEGER,
    error_count INTEGER,
    details JSONB,
    created_at TIMESTAMPTZ DEFAULT NOW()
);
CREATE INDEX queue_metrics_queue_started_idx ON public.queue_metrics (queue_name, started_at);

CREATE TABLE public.monitoring_events (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    event_type TEXT NOT NULL,
    details JSONB DEFAULT '{}'::jsonb,
    created_at TIMESTAMPTZ DEFAULT now()
);
CREATE INDEX monitoring_events_type_created_idx ON public.monitoring_events (event_type, created_at);

CREATE TABLE public.worker_issues (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    worker_name TEXT NOT NULL,
    issue_type TEXT NOT NULL,
    message TEXT NOT NULL,
    details JSONB,
    resolved BOOLEAN DEFAULT FALSE,
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW()
);

CREATE TABLE public.settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW()
);
INSERT INTO public.settings (key, value) VALUES
    ('max_attempts', '5'),
    ('queue_stuck_after', '5 minutes'),
    ('enrichment_ttl', '30 days')
ON CONFLICT (key) DO NOTHING;

CREATE TABLE monitoring.pipeline_metrics (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    metric_name TEXT NOT NULL,
    metric_value DOUBLE PRECISION NOT NULL,
    tags JSONB DEFAULT '{}'::jsonb,
    timestamp TIMESTAMPTZ DEFAULT now(),
    created_at TIMESTAMPTZ DEFAULT now()
);
CREATE INDEX pipeline_metrics_name_timestamp_idx ON monitoring.pipeline_metrics (metric_name, timestamp);

CREATE TABLE monitoring.aggregated_metrics (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    metric_name TEXT NOT NULL,
    period TEXT NOT NULL,
    period_start TIMESTAMPTZ NOT NULL,
    min_value DOUBLE PRECISION,
    max_value DOUBLE PRECISION,
    avg_value DOUBLE PRECISION,
    sum_value DOUBLE PRECISION,
    count_value INTEGER,
    dimensions JSONB DEFAULT '{}'::jsonb,
    created_at TIMESTAMPTZ DEFAULT now()
);
-- Not in the spec: lets the aggregations be re-run without double counting.
CREATE UNIQUE INDEX aggregated_metrics_bucket_key
    ON monitoring.aggregated_metrics (metric_name, period, period_start, dimensions);

CREATE TABLE monitoring.worker_issues (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    worker_name TEXT NOT NULL,
    issue_type TEXT NOT NULL,
    severity TEXT NOT NULL,
    message TEXT,
    details JSONB,
    resolved BOOLEAN DEFAULT FALSE,
    resolution_details TEXT,
    created_at TIMESTAMPTZ DEFAULT now(),
    resolved_at TIMESTAMPTZ
);
CREATE INDEX monitoring_worker_issues_open_idx ON monitoring.worker_issues (resolved, created_at);

CREATE TABLE queue_mgmt.problematic_messages (
    id SERIAL PRIMARY KEY,
    queue_name TEXT NOT NULL,
    message_id TEXT NOT NULL,
    message_body JSONB,
    error_type TEXT NOT NULL,
    error_details TEXT,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT now(),
    resolved BOOLEAN DEFAULT FALSE,
    resolution_details JSONB
);
CREATE INDEX problematic_messages_queue_idx ON queue_mgmt.problematic_messages (queue_name, created_at);

-- Named but not defined by the spec: the operations already processed. The key is derived
-- from the queue and the message's content, so a duplicate send has its effect once.
CREATE TABLE idempotency.processed_operations (
    key TEXT PRIMARY KEY,
    queue_name TEXT NOT NULL,
    msg_id BIGINT,
    processed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    result JSONB
);
CREATE INDEX processed_operations_processed_at_idx ON idempotency.processed_operations (processed_at);
