-- Shared API rate limits: quotas belong to the credentials, not to a process, so every worker
-- of every stage draws from one token bucket per API here, and any of them can pause an API
-- for everyone when the provider answers 429 with Retry-After.

CREATE TABLE public.api_rate_limits (
    api TEXT PRIMARY KEY,
    tokens DOUBLE PRECISION NOT NULL,
    refreshed_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    paused_until TIMESTAMPTZ,
    pause_reason TEXT,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
);
