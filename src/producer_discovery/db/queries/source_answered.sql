-- A request to an API was answered (a probe through its block: probe): TRUE when that ended
-- its outage (migration 0131).
SELECT public.source_answered(%(api)s, %(probe)s)
