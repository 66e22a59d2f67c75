-- Whether an operator session of the web app is still open.
SELECT public.web_session_valid(%(id_hash)s::TEXT) AS valid
