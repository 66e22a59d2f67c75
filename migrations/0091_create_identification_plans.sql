-- Identification planned by artist. A credit source that identifies many songs at
-- once (one MusicBrainz query OR-ing the barcodes of an artist's albums, one OR-ing their
-- songs' ISRCs, a Discogs listing of the artist's releases) shares what it decided through
-- this table, so every song's own producer_identification message reuses it instead of
-- asking again:
--   subject 'artist', key ''            the artist on the source ({"mbid": …} on MusicBrainz)
--   subject 'album',  key albums.id     the album's release there, or null: not there
--   subject 'song',   key tracks.id     the representative track's recordings and the
--                                       document to read them from
-- Entries are added as albums and songs appear (album discovery runs concurrently), never
-- recomputed wholesale; readers ignore entries older than they trust (planned_at). The
-- first message that needs an entry computes it under a session advisory lock
-- ("identification_plan <source> <artist id>", db/identification_plans.py).

CREATE TABLE IF NOT EXISTS public.identification_plans (
    source TEXT NOT NULL CHECK (source IN ('musicbrainz', 'discogs')),
    artist_id UUID NOT NULL REFERENCES public.artists(id) ON DELETE CASCADE,
    subject TEXT NOT NULL CHECK (subject IN ('artist', 'album', 'song')),
    subject_key TEXT NOT NULL,
    decision JSONB NOT NULL,
    planned_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (source, artist_id, subject, subject_key)
);

-- Least privilege (0050): the workers read plans and write them through the function; the
-- operator may read them. Nothing for PUBLIC or the reader.
GRANT SELECT ON public.identification_plans TO discovery_worker, discovery_operator;
