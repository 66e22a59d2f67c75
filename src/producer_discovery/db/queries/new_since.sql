-- What arrived since a moment: {"albums": [...], "credits": [...], ...} (definitions/85_watch.sql).
SELECT public.get_new_since(%(since)s::TIMESTAMPTZ, %(max)s) AS new
