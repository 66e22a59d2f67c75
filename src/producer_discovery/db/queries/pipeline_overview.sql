-- Queues, processing states, dead letters, worker issues, throughput and health (migration 0062).
SELECT public.get_pipeline_overview() AS overview
