-- The stored token of one account while it stays valid for at least %(margin_seconds)s more,
-- and the seconds it has left.
SELECT access_token,
       extract(epoch FROM expires_at - clock_timestamp())::float8 AS seconds_left
FROM public.api_credentials
WHERE api = %(api)s AND account = %(account)s
  AND expires_at > clock_timestamp() + make_interval(secs => %(margin_seconds)s)
