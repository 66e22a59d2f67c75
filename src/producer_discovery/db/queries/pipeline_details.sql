-- What only the operator sees on the dashboard: dead letters and open worker issues.
SELECT public.get_pipeline_details() AS details
