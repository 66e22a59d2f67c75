INSERT INTO public.api_response_cache (api, resource, response, fetched_at, expires_at)
VALUES (%(api)s, %(resource)s, %(response)s, now(), now() + make_interval(secs => %(ttl_seconds)s))
ON CONFLICT (api, resource) DO UPDATE SET
    response = EXCLUDED.response,
    fetched_at = EXCLUDED.fetched_at,
    expires_at = EXCLUDED.expires_at
