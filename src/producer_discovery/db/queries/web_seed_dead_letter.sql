-- Test seeding (sandbox.web_catalogue): an artist_discovery message dead-lettered as the
-- runtime does it (dead_letter_message).
WITH sent AS (
    SELECT pgmq.send('artist_discovery', jsonb_build_object('artistName', %(name)s::TEXT)) AS msg_id
)
SELECT public.dead_letter_message('artist_discovery', sent.msg_id, 'artist_name', %(name)s::TEXT,
                                  'web-seed', %(reason)s::TEXT) AS moved
FROM sent
