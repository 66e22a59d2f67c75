-- Producers already enriched that just learned a new source id: their enrichment ran without
-- it, so their social_enrichment status is reopened for a refresh message sent in the same
-- commit. The rows are locked first, in a statement of their own (producer_lock_rows.sql), which
-- orders this against an enrichment committing at the same moment: either it committed first
-- (enriched_at is set and its status COMPLETED in this statement's snapshot, so it is reopened
-- and refreshed) or it waits for this commit and then sees the new id itself
-- (producer_discovery.enrichment.store re-checks the ids).
WITH enriched AS (
    SELECT p.id FROM public.producers p
    WHERE p.id = ANY(%(producer_ids)s::UUID[]) AND p.enriched_at IS NOT NULL
    FOR UPDATE
), reopened AS (
    UPDATE public.processing_status s
    SET state = 'PENDING', updated_at = now()
    FROM enriched e
    WHERE s.entity_type = 'producer' AND s.entity_id = e.id::TEXT AND s.state = 'COMPLETED'
)
SELECT id::TEXT AS producer_id FROM enriched ORDER BY id
