-- A fact learnt less than %(max_age_seconds)s ago.
SELECT value
FROM public.api_facts
WHERE api = %(api)s AND account = %(account)s AND fact = %(fact)s
  AND learnt_at > clock_timestamp() - make_interval(secs => %(max_age_seconds)s)
