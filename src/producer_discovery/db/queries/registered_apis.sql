-- The APIs the registry of sources registered (migration 0100): each has a rate budget.
SELECT name FROM public.registered_sources WHERE calls_api ORDER BY name
