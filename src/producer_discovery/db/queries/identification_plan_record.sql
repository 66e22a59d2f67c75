-- Add or replace entries of one artist's plan (migration 0091).
SELECT public.record_identification_plan(%(source)s, %(artist_id)s::UUID, %(entries)s) AS written
