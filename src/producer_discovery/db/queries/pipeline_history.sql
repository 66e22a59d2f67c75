-- Per hour over the last %(hours)s hours: finished messages, errors, API calls, queue depths.
SELECT public.get_pipeline_history(%(hours)s) AS history
