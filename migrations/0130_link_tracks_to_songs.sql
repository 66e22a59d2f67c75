-- Every edition of a song is linked to it: tracks.normalized_track_id (so "every edition of a
-- song" is a join), and what the edition ranking needs that the tracks did not store:
-- tracks.edition_qualifier, the kind of version a title names ("live", "demo", "remaster",
-- "remix", "acoustic", "instrumental", …; NULL for the plain studio version), classified by
-- track discovery from the track's and its album's titles (text.edition_qualifier). The
-- ranking itself is song_best_edition() (definitions/30_processing.sql).
ALTER TABLE public.tracks
    ADD COLUMN normalized_track_id UUID REFERENCES public.normalized_tracks(id) ON DELETE SET NULL,
    ADD COLUMN edition_qualifier TEXT CHECK (length(edition_qualifier) <= 40);
CREATE INDEX tracks_normalized_track_id_idx ON public.tracks (normalized_track_id);

-- Backfill. The representatives are linked exactly; the other editions where the title,
-- stripped of a trailing "(…)", "[…]" or " - …" marker, lower-cased and without punctuation,
-- is the song's normalized name (the worker's title policy is in Python; a track this misses
-- is linked the next time track discovery sees its album).
UPDATE public.tracks t SET normalized_track_id = nt.id
FROM public.normalized_tracks nt
WHERE nt.representative_track_id = t.id;

UPDATE public.tracks t SET normalized_track_id = nt.id
FROM public.albums al, public.normalized_tracks nt
WHERE t.normalized_track_id IS NULL
  AND al.id = t.album_id
  AND nt.artist_id = al.artist_id
  AND nt.normalized_name = btrim(regexp_replace(regexp_replace(lower(
        regexp_replace(regexp_replace(t.name, '\s+[-–—]\s+.*$', ''), '\s*[(\[].*$', '')),
        '[^[:alnum:][:space:]]+', '', 'g'), '\s+', ' ', 'g'));

-- The qualifier of stored tracks, approximated from the titles with the same words the
-- worker looks for; track discovery overwrites it with its own classification.
UPDATE public.tracks t SET edition_qualifier = CASE
    WHEN t.name ~* '\m(live|demo)\M' THEN lower(substring(t.name FROM '(?i)\m(live|demo)\M'))
    WHEN t.name ~* '\m(remix|acoustic|instrumental|unplugged|karaoke)\M'
      THEN lower(substring(t.name FROM '(?i)\m(remix|acoustic|instrumental|unplugged|karaoke)\M'))
    WHEN t.name ~* '\mremaster' THEN 'remaster'
    WHEN al.name ~* '\m(live|demos?)\M' THEN lower(rtrim(substring(al.name FROM '(?i)\m(live|demos?)\M'), 'sS'))
    ELSE NULL END
FROM public.albums al
WHERE al.id = t.album_id;
