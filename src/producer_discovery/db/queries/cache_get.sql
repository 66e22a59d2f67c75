SELECT response
FROM public.api_response_cache
WHERE api = %(api)s AND resource = %(resource)s AND expires_at > now()
