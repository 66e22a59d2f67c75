-- What the catalogue holds (the demo's summary): artists, songs, producers, credits.
SELECT (SELECT count(*) FROM public.artists) AS artists,
       (SELECT count(*) FROM public.tracks) AS songs,
       (SELECT count(*) FROM public.producers) AS producers,
       (SELECT count(*) FROM public.track_producers) AS credits
