-- A new operator session of the web app (definitions/80_web.sql).
SELECT public.web_session_open(%(id_hash)s::TEXT, %(seconds)s::INTEGER)
