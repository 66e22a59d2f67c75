-- Source outages: when a source's current outage began, and when it last answered after one.
--
-- outage_started_at: set by block_api when a block starts a new streak (its first block, or
-- the first after the source answered again); kept while the streak lasts, however often the
-- block doubles. Producer identification waits (defers a song, spending no attempt) while a
-- blocked source has been out for less than settings.source_wait_seconds, measured from here,
-- so every worker waits by the same clock.
-- recovered_at: set by source_answered() when a worker's request is answered after an outage
-- (outage_started_at is then cleared): the gaps that outage left are refilled at once.
ALTER TABLE public.api_rate_limits ADD COLUMN IF NOT EXISTS outage_started_at TIMESTAMPTZ;
ALTER TABLE public.api_rate_limits ADD COLUMN IF NOT EXISTS recovered_at TIMESTAMPTZ;
-- probed_at: the last request let through a block as a probe (claim_api_probe), so that a
-- short outage ends when the source does, not when its block does.
ALTER TABLE public.api_rate_limits ADD COLUMN IF NOT EXISTS probed_at TIMESTAMPTZ;

-- The songs identified with a gap (a source listed in missing_sources), few among many: the
-- refill of a source that answers again, its every-minute job and `status` read only these.
CREATE INDEX IF NOT EXISTS processing_status_identification_gaps_idx
    ON public.processing_status (last_processed_at)
    WHERE entity_type = 'track' AND state = 'COMPLETED'
      AND jsonb_typeof(metadata -> 'missing_sources') = 'object'
      AND metadata -> 'missing_sources' <> '{}'::jsonb;
