-- A critical worker issue: a provider refused our credentials (migration 0081).
SELECT public.report_refused_credentials(%(worker_name)s, %(api)s, %(message)s)
