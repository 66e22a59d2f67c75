-- Watch (TRUE) or stop watching (FALSE) one artist named by id or name: the changed row, none
-- for an unknown artist (definitions/85_watch.sql).
SELECT artist_id, name, watched, refreshed_at
FROM public.set_artist_watched(%(artist)s, %(watched)s)
