-- Compare-and-swap: forget the token only while it is still the one that was refused.
DELETE FROM public.api_credentials
WHERE api = %(api)s AND account = %(account)s AND access_token = %(access_token)s
