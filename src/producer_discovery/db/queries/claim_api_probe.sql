-- May this request go through the API's block as a probe (migration 0131)?
SELECT public.claim_api_probe(%(api)s, %(every)s, %(within)s)
