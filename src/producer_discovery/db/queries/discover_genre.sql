SELECT artist_name, msg_id, source FROM public.start_bulk_artist_discovery(%(genre)s, NULL, %(limit)s)
