SELECT public.get_system_health() AS h
