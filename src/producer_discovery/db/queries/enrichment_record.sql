-- The end of one enrichment run of a producer, in the worker's one commit.
-- A complete run (every source asked could answer) replaces the profile columns and
-- metadata.social. A run where a source could not be queried (complete = false) only adds
-- what it found: a field it found nothing for keeps its earlier value and that value's
-- provenance, and the producer is marked enrichment_failed for the next refresh.
-- enriched_at is set either way: nothing found is an outcome, not a failure.
UPDATE public.producers
SET instagram_handle = CASE WHEN %(complete)s THEN %(instagram_handle)s::TEXT
                            ELSE COALESCE(%(instagram_handle)s::TEXT, instagram_handle) END,
    instagram_bio = CASE WHEN %(complete)s THEN %(instagram_bio)s::TEXT
                         ELSE COALESCE(%(instagram_bio)s::TEXT, instagram_bio) END,
    email = CASE WHEN %(complete)s THEN %(email)s::TEXT
                 ELSE COALESCE(%(email)s::TEXT, email) END,
    image_url = CASE WHEN %(complete)s THEN %(image_url)s::TEXT
                     ELSE COALESCE(%(image_url)s::TEXT, image_url) END,
    metadata = COALESCE(metadata, '{}'::JSONB) || jsonb_build_object(
        'social', CASE WHEN %(complete)s THEN %(social)s::JSONB
                       ELSE COALESCE(metadata -> 'social', '{}'::JSONB) || %(social)s::JSONB END,
        'enrichment', %(enrichment)s::JSONB),
    enriched_at = NOW(),
    enrichment_failed = NOT %(complete)s,
    updated_at = NOW()
WHERE id = %(producer_id)s::UUID
