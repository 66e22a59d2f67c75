INSERT INTO public.api_facts (api, account, fact, value, learnt_at)
VALUES (%(api)s, %(account)s, %(fact)s, %(value)s, clock_timestamp())
ON CONFLICT (api, account, fact) DO UPDATE SET
    value = EXCLUDED.value,
    learnt_at = EXCLUDED.learnt_at
