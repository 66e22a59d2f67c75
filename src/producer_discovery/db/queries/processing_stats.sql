SELECT * FROM public.get_processing_stats()
