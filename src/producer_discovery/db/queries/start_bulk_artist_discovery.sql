SELECT * FROM public.start_bulk_artist_discovery(%(genre)s, %(min_popularity)s, %(limit)s)
