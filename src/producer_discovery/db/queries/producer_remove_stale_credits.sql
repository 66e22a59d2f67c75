-- Credits of this track whose producer the latest identification no longer finds.
DELETE FROM public.track_producers
WHERE track_id = %(track_id)s::UUID AND NOT (producer_id = ANY(%(producer_ids)s::UUID[]))
