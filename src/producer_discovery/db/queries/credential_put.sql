INSERT INTO public.api_credentials (api, account, access_token, expires_at, fetched_at)
VALUES (%(api)s, %(account)s, %(access_token)s,
        clock_timestamp() + make_interval(secs => %(expires_in)s), clock_timestamp())
ON CONFLICT (api, account) DO UPDATE SET
    access_token = EXCLUDED.access_token,
    expires_at = EXCLUDED.expires_at,
    fetched_at = EXCLUDED.fetched_at
