-- The producers among these that were never enriched nor queued for it; marked as queued in
-- the same transaction as their social_enrichment message (see migration 0030).
UPDATE public.producers
SET enrichment_queued_at = NOW()
WHERE id = ANY(%(producer_ids)s::UUID[])
  AND enriched_at IS NULL
  AND enrichment_queued_at IS NULL
RETURNING id::TEXT AS producer_id
