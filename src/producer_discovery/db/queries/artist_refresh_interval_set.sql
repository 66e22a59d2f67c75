-- ARTIST_REFRESH_INTERVAL given to `migrate`: what refresh_watched_artists() reads.
INSERT INTO public.settings (key, value) VALUES ('artist_refresh_interval', %(interval)s)
ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value
