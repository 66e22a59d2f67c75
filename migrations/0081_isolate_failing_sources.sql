-- Sources that fail alone.
--
-- block_api: a provider that blocks us for a while (Spotify's quota 429 without Retry-After,
-- Genius' CDN 403, refused credentials) pauses its API for every process with a growing
-- back-off: base, 2×base, 4×base … up to cap (at most an hour, as pause_api); a block that
-- comes long after the previous one (three times its length) starts again from base.
-- api_block: what is left of a block in force, so that a caller fails fast instead of waiting.
-- A message set aside because its source is blocked spends no attempt: the runtime records it
-- as 'set_aside' with record_message_attempt (0070), as any Deferred.
-- report_refused_credentials: a critical worker issue (the operator must fix a credential).
-- get_system_health: an open issue of severity 'critical' makes the worker health, and so the
-- whole system, critical.
-- requeue_identification_gaps: tracks identified without a source (it failed alone: blocked,
-- refused credentials, an unreadable answer) are identified again once the gap is older than
-- p_after, as requeue_producer_enrichment does for enrichment.

ALTER TABLE public.api_rate_limits ADD COLUMN IF NOT EXISTS blocks INTEGER NOT NULL DEFAULT 0;
ALTER TABLE public.api_rate_limits ADD COLUMN IF NOT EXISTS blocked_at TIMESTAMPTZ;
ALTER TABLE public.api_rate_limits ADD COLUMN IF NOT EXISTS block_seconds DOUBLE PRECISION;
