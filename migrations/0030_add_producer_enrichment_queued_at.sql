-- When producer identification queued a producer's first social enrichment.
-- Producer identification sends one social_enrichment message per producer that was never
-- enriched, in the commit that credits it; a producer credited on sixty tracks before its
-- enrichment ran would otherwise be queued sixty times. The stage sets this column in the
-- same transaction as the send, only where it is NULL and enriched_at is NULL, so exactly
-- one commit queues each producer (the row lock makes concurrent commits agree).
-- Refreshes of enriched producers are requeue_producer_enrichment()'s business, not this.
ALTER TABLE public.producers ADD COLUMN IF NOT EXISTS enrichment_queued_at TIMESTAMPTZ;
