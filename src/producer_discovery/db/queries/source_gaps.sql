-- Per API: out since, block left, songs waiting for it, gaps its outages left, refills due.
SELECT source, out_since, blocked_seconds, songs_waiting, gaps_pending, refill_due
FROM public.get_source_gaps()
