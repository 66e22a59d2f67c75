-- validate_queue_message checks every stage's message field by field now
-- (definitions/10_arguments.sql, 20_messages.sql): the per-queue helpers it called before are
-- gone.
DROP FUNCTION IF EXISTS public.validate_album_discovery_message(JSONB);
DROP FUNCTION IF EXISTS public.validate_producer_identification_message(JSONB);
DROP FUNCTION IF EXISTS public.is_nonempty_text(JSONB, TEXT);
