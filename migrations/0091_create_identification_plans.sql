-- Identification planned by artist (issue 13). A credit source that identifies many songs at
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

-- Add or replace entries of one artist's plan: p_entries is a JSON array of
-- {"subject", "key", "decision"}. Returns the number of entries written.
CREATE OR REPLACE FUNCTION public.record_identification_plan(
  p_source TEXT,
  p_artist_id UUID,
  p_entries JSONB
) RETURNS INTEGER
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  v_count INTEGER;
BEGIN
  IF p_source IS NULL OR p_source NOT IN ('musicbrainz', 'discogs') THEN
    RAISE EXCEPTION 'record_identification_plan: unknown source %', p_source
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_artist_id IS NULL OR p_entries IS NULL OR jsonb_typeof(p_entries) <> 'array' THEN
    RAISE EXCEPTION 'record_identification_plan: an artist id and an array of entries are required'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF EXISTS (SELECT 1 FROM jsonb_array_elements(p_entries) e
             WHERE jsonb_typeof(e) <> 'object' OR e->>'subject' IS NULL OR e->>'key' IS NULL
                OR e->'decision' IS NULL OR jsonb_typeof(e->'decision') <> 'object') THEN
    RAISE EXCEPTION 'record_identification_plan: each entry needs a subject, a key and a decision object'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  INSERT INTO public.identification_plans AS p (source, artist_id, subject, subject_key, decision)
  SELECT p_source, p_artist_id, e->>'subject', e->>'key', e->'decision'
  FROM jsonb_array_elements(p_entries) e
  ON CONFLICT (source, artist_id, subject, subject_key) DO UPDATE SET
    decision = EXCLUDED.decision,
    planned_at = now();
  GET DIAGNOSTICS v_count = ROW_COUNT;
  RETURN v_count;
END;
$$;

-- Least privilege (0050): the workers read plans and write them through the function; the
-- operator may read them. Nothing for PUBLIC or the reader.
GRANT SELECT ON public.identification_plans TO discovery_worker, discovery_operator;
GRANT EXECUTE ON FUNCTION public.record_identification_plan(TEXT, UUID, JSONB) TO discovery_worker;
