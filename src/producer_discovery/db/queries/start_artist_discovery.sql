SELECT public.start_artist_discovery(%(name)s) AS msg_id
