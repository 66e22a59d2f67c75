-- The other producers stored under one of these normalized names, with what links them to
-- %(producer_id)s: the artists both are credited on, and the producers credited with both
-- (on any of their tracks). Oldest first.
WITH mine AS (
  SELECT DISTINCT tp.track_id, al.artist_id
  FROM public.track_producers tp
  JOIN public.tracks t ON t.id = tp.track_id
  JOIN public.albums al ON al.id = t.album_id
  WHERE tp.producer_id = %(producer_id)s::UUID
), my_collaborators AS (
  SELECT DISTINCT c.producer_id FROM public.track_producers c
  WHERE c.track_id IN (SELECT mine.track_id FROM mine)
    AND c.producer_id <> %(producer_id)s::UUID
)
SELECT p.id::TEXT AS producer_id, p.normalized_name,
       (SELECT count(DISTINCT al.artist_id)
        FROM public.track_producers tp
        JOIN public.tracks t ON t.id = tp.track_id
        JOIN public.albums al ON al.id = t.album_id
        WHERE tp.producer_id = p.id
          AND al.artist_id IN (SELECT mine.artist_id FROM mine)) AS shared_artists,
       (SELECT count(DISTINCT c.producer_id)
        FROM public.track_producers tp
        JOIN public.track_producers c ON c.track_id = tp.track_id AND c.producer_id <> p.id
        WHERE tp.producer_id = p.id
          AND c.producer_id IN (SELECT m.producer_id FROM my_collaborators m)) AS shared_collaborators
FROM public.producers p
WHERE p.normalized_name = ANY(%(names)s::TEXT[]) AND p.id <> %(producer_id)s::UUID
ORDER BY p.created_at, p.id
