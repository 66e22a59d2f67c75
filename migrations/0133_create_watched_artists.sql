-- Watched artists: every artist is watched (existing ones too, by the column's default), so
-- refresh_watched_artists() (definitions/85_watch.sql, pg_cron job artist-refresh) walks its
-- newest albums again once per settings.artist_refresh_interval and new releases reach the
-- pipeline without anyone discovering the artist again. An operator stops watching one with
-- unwatch_artist() (`producer-discovery unwatch ARTIST`). refreshed_at is when the artist's
-- last refresh was queued (NULL: never; its discovery, created_at, counts as the last walk).
ALTER TABLE public.artists
    ADD COLUMN watched BOOLEAN NOT NULL DEFAULT TRUE,
    ADD COLUMN refreshed_at TIMESTAMPTZ;
-- The refresh's "oldest first" among watched artists.
CREATE INDEX artists_refresh_due_idx ON public.artists ((COALESCE(refreshed_at, created_at)))
    WHERE watched;
-- get_new_since(): what arrived since a date.
CREATE INDEX albums_created_at_idx ON public.albums (created_at);
CREATE INDEX track_producers_created_at_idx ON public.track_producers (created_at);

INSERT INTO public.settings (key, value) VALUES ('artist_refresh_interval', '7 days')
ON CONFLICT (key) DO NOTHING;
