-- Sign-out: the operator session stops working everywhere.
SELECT public.web_session_revoke(%(id_hash)s::TEXT) AS revoked
