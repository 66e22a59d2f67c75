-- Producers stored under one of these normalized names, oldest first, with the ids they are
-- known by ({"genius": ["2400105"], ...}) and how many tracks of this track's artist they are
-- credited on (to tell apart namesakes for a credit that carries no id), and how many of the
-- track's other producers (%(collaborators)s, normalized names) were credited with them.
SELECT p.id::TEXT AS producer_id,
       COALESCE((SELECT jsonb_object_agg(ids.source, ids.source_ids)
                 FROM (SELECT s.source, jsonb_agg(s.source_id) AS source_ids
                       FROM public.producer_source_ids s
                       WHERE s.producer_id = p.id
                       GROUP BY s.source) AS ids), '{}'::JSONB) AS ids,
       (SELECT count(*)
        FROM public.track_producers tp
        JOIN public.tracks t ON t.id = tp.track_id
        JOIN public.albums al ON al.id = t.album_id
        WHERE tp.producer_id = p.id
          AND al.artist_id = (SELECT this_album.artist_id
                              FROM public.tracks this_track
                              JOIN public.albums this_album ON this_album.id = this_track.album_id
                              WHERE this_track.id = %(track_id)s::UUID)) AS artist_credits,
       (SELECT count(DISTINCT c.producer_id)
        FROM public.track_producers tp
        JOIN public.track_producers c ON c.track_id = tp.track_id AND c.producer_id <> p.id
        JOIN public.producers cp ON cp.id = c.producer_id
        WHERE tp.producer_id = p.id
          AND cp.normalized_name = ANY(%(collaborators)s::TEXT[])) AS shared_collaborators
FROM public.producers p
WHERE p.normalized_name = ANY(%(names)s::TEXT[])
ORDER BY p.created_at, p.id
