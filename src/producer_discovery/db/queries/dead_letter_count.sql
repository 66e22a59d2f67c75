SELECT count(*) AS n FROM public.dlq_messages
