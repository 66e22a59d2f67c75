-- The outage of an API in progress (migration 0131): seconds since it began and what is left
-- of its block, whether it was refused credentials; or no row when it is not out.
SELECT out_seconds, blocked_seconds, credentials_refused FROM public.api_outage(%(api)s)
