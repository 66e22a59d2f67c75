-- The five stage queues and their dead-letter queues, registered in queue_registry.
-- Stage queues notify listeners on insert (no throttle), so an idle worker wakes at once.
DO $$
DECLARE
  v_stage RECORD;
BEGIN
  FOR v_stage IN
    SELECT * FROM (VALUES
      ('artist_discovery', 'Artist discovery', 'Spotify search and artist lookup'),
      ('album_discovery', 'Album discovery', 'An artist''s albums and singles, 10 a page'),
      ('track_discovery', 'Track discovery', 'An album''s tracks, one row per song'),
      ('producer_identification', 'Producer identification', 'Credits from Genius, MusicBrainz, Discogs and titles'),
      ('social_enrichment', 'Social enrichment', 'Public profiles of producers')
    ) AS stages(queue_name, display_name, description)
  LOOP
    PERFORM pgmq.create(v_stage.queue_name);
    PERFORM pgmq.create(v_stage.queue_name || '_dlq');
    PERFORM pgmq.enable_notify_insert(v_stage.queue_name, 0);
    INSERT INTO public.queue_registry (queue_name, display_name, description)
    VALUES (v_stage.queue_name, v_stage.display_name, v_stage.description),
           (v_stage.queue_name || '_dlq', v_stage.display_name || ' (dead letters)',
            'Messages of ' || v_stage.queue_name || ' that failed for good')
    ON CONFLICT (queue_name) DO NOTHING;
  END LOOP;
END;
$$;
