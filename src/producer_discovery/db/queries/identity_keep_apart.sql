-- Two producers are two people, for good (definitions/55_identities.sql).
SELECT public.keep_producers_apart(%(a)s::UUID, %(b)s::UUID, %(reason)s::TEXT) AS recorded
