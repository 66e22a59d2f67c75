-- One artist's plan on one source: the entries planned within the last max_age_seconds.
SELECT subject, subject_key, decision
FROM public.identification_plans
WHERE source = %(source)s
  AND artist_id = %(artist_id)s::UUID
  AND planned_at > now() - make_interval(secs => %(max_age_seconds)s)
