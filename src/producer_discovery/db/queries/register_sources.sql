SELECT public.register_sources(%(sources)s::JSONB)
