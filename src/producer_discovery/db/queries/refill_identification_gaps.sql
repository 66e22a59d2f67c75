-- Send again the songs whose gap a source that is back left (NULL: every source); how many.
SELECT public.refill_identification_gaps(%(source)s)
