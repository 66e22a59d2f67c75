-- Who produced what, as the web, the CLI (`producers show`) and psql read it. The original
-- system's RPCs (get_artist_producers, get_producer_collaborations, …), each one query:
--   SELECT get_artist('…uuid…');             an artist, its albums and tracks with producers
--   SELECT * FROM get_artist_producers('…'); an artist's producers with credit counts
--   SELECT get_producer('…uuid…');           a producer: aliases, socials, credits, collaborators
--   SELECT * FROM get_producer_credits('…'); every credit with roles, sources, evidence
--   SELECT * FROM get_producer_collaborations('…'); co-producers and artists worked with
--   SELECT * FROM producer_leaderboard(50);  most credited producers first
--   SELECT get_producer_contact('…');        e-mail and bio: operators only
-- None of them but get_producer_contact returns contact details (e-mail, bio, metadata).

-- An artist's producers: songs credited, best and average confidence, roles and sources.
CREATE OR REPLACE FUNCTION public.get_artist_producers(p_artist_id UUID)
RETURNS TABLE(id UUID, name TEXT, image_url TEXT, tracks BIGINT, confidence NUMERIC,
              average_confidence NUMERIC, roles TEXT[], sources TEXT[])
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
  SELECT p.id, p.name, p.image_url,
         count(DISTINCT tp.track_id),
         round(max(tp.confidence), 2),
         round(avg(tp.confidence), 2),
         (SELECT array_agg(DISTINCT r ORDER BY r)
          FROM public.track_producers tp2
          JOIN public.tracks t2 ON t2.id = tp2.track_id
          JOIN public.albums al2 ON al2.id = t2.album_id,
          unnest(tp2.roles) AS r
          WHERE tp2.producer_id = p.id AND al2.artist_id = p_artist_id),
         (SELECT array_agg(DISTINCT s ORDER BY s)
          FROM public.track_producers tp2
          JOIN public.tracks t2 ON t2.id = tp2.track_id
          JOIN public.albums al2 ON al2.id = t2.album_id,
          unnest(string_to_array(tp2.source, '+')) AS s
          WHERE tp2.producer_id = p.id AND al2.artist_id = p_artist_id)
  FROM public.albums al
  JOIN public.tracks t ON t.album_id = al.id
  JOIN public.track_producers tp ON tp.track_id = t.id
  JOIN public.producers p ON p.id = tp.producer_id
  WHERE al.artist_id = p_artist_id
  GROUP BY p.id
  ORDER BY count(DISTINCT tp.track_id) DESC, max(tp.confidence) DESC, p.name;
$$;

-- One artist as a document: its albums (newest first) with their tracks and who produced
-- each, and its producers. NULL when there is no such artist.
CREATE OR REPLACE FUNCTION public.get_artist(p_artist_id UUID)
RETURNS JSONB
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
  SELECT jsonb_build_object(
    'id', a.id, 'name', a.name, 'image_url', a.image_url, 'spotify_id', a.spotify_id,
    'genres', COALESCE(a.metadata -> 'genres', '[]'::JSONB),
    'albums', COALESCE((
      SELECT jsonb_agg(jsonb_build_object(
               'id', al.id, 'name', al.name, 'release_date', al.release_date,
               'cover_url', al.cover_url, 'album_type', al.metadata ->> 'album_type',
               'tracks', COALESCE((
                 SELECT jsonb_agg(jsonb_build_object(
                          'id', t.id, 'name', t.name,
                          'track_number', (t.metadata ->> 'track_number')::INTEGER,
                          'producers', COALESCE((
                            SELECT jsonb_agg(jsonb_build_object(
                                     'id', p.id, 'name', p.name,
                                     'confidence', round(tp.confidence, 2),
                                     'roles', tp.roles, 'source', tp.source)
                                   ORDER BY tp.confidence DESC, p.name)
                            FROM public.track_producers tp
                            JOIN public.producers p ON p.id = tp.producer_id
                            WHERE tp.track_id = t.id), '[]'::JSONB))
                        ORDER BY (t.metadata ->> 'disc_number')::INTEGER NULLS LAST,
                                 (t.metadata ->> 'track_number')::INTEGER NULLS LAST, t.name)
                 FROM public.tracks t WHERE t.album_id = al.id), '[]'::JSONB))
             ORDER BY al.release_date DESC NULLS LAST, al.name)
      FROM public.albums al WHERE al.artist_id = a.id), '[]'::JSONB),
    'producers', COALESCE((
      SELECT jsonb_agg(to_jsonb(ap)) FROM public.get_artist_producers(a.id) ap), '[]'::JSONB))
  FROM public.artists a
  WHERE a.id = p_artist_id;
$$;

-- Every credit of a producer: the track, its album and artist, the fused roles, sources and
-- confidence, and the evidence (one entry per source that credited it).
CREATE OR REPLACE FUNCTION public.get_producer_credits(p_producer_id UUID)
RETURNS TABLE(track_id UUID, track TEXT, album_id UUID, album TEXT, release_date DATE,
              artist_id UUID, artist TEXT, roles TEXT[], sources TEXT[], confidence NUMERIC,
              evidence JSONB)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
  SELECT t.id, t.name, al.id, al.name, al.release_date, ar.id, ar.name, tp.roles,
         string_to_array(tp.source, '+'), round(tp.confidence, 2),
         COALESCE((SELECT jsonb_agg(jsonb_build_object(
                            'source', e.source, 'source_id', e.source_id, 'role', e.role,
                            'role_label', e.role_label, 'attributes', e.attributes,
                            'confidence', round(e.confidence, 2))
                          ORDER BY e.confidence DESC, e.source)
                   FROM public.track_producer_evidence e
                   WHERE e.track_id = tp.track_id AND e.producer_id = tp.producer_id),
                  '[]'::JSONB)
  FROM public.track_producers tp
  JOIN public.tracks t ON t.id = tp.track_id
  JOIN public.albums al ON al.id = t.album_id
  JOIN public.artists ar ON ar.id = al.artist_id
  WHERE tp.producer_id = p_producer_id
  ORDER BY ar.name, al.release_date DESC NULLS LAST, al.name,
           (t.metadata ->> 'disc_number')::INTEGER NULLS LAST,
           (t.metadata ->> 'track_number')::INTEGER NULLS LAST, t.name;
$$;

-- Who a producer worked with: the producers credited on the same tracks and the artists of
-- the tracks, with how many tracks they share.
CREATE OR REPLACE FUNCTION public.get_producer_collaborations(p_producer_id UUID)
RETURNS TABLE(kind TEXT, id UUID, name TEXT, shared_tracks BIGINT)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
  (SELECT 'producer'::TEXT, p.id, p.name, count(DISTINCT other.track_id)
   FROM public.track_producers mine
   JOIN public.track_producers other
     ON other.track_id = mine.track_id AND other.producer_id <> mine.producer_id
   JOIN public.producers p ON p.id = other.producer_id
   WHERE mine.producer_id = p_producer_id
   GROUP BY p.id
   ORDER BY count(DISTINCT other.track_id) DESC, p.name)
  UNION ALL
  (SELECT 'artist'::TEXT, ar.id, ar.name, count(DISTINCT mine.track_id)
   FROM public.track_producers mine
   JOIN public.tracks t ON t.id = mine.track_id
   JOIN public.albums al ON al.id = t.album_id
   JOIN public.artists ar ON ar.id = al.artist_id
   WHERE mine.producer_id = p_producer_id
   GROUP BY ar.id
   ORDER BY count(DISTINCT mine.track_id) DESC, ar.name);
$$;

-- One producer as a document, without contact details: aliases, public social links (from
-- metadata.social, e-mail and bio left out), credits and collaborators. NULL when unknown.
CREATE OR REPLACE FUNCTION public.get_producer(p_producer_id UUID)
RETURNS JSONB
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
  SELECT jsonb_build_object(
    'id', p.id, 'name', p.name, 'image_url', p.image_url,
    'instagram_handle', p.instagram_handle,
    'aliases', COALESCE(p.metadata -> 'social' -> 'aliases', '[]'::JSONB),
    'socials', COALESCE((
      SELECT jsonb_object_agg(s.key, s.value ->> 'value')
      FROM jsonb_each(CASE WHEN jsonb_typeof(p.metadata -> 'social') = 'object'
                           THEN p.metadata -> 'social' ELSE '{}'::JSONB END) s
      WHERE jsonb_typeof(s.value) = 'object' AND s.value ? 'value'
        AND s.key NOT IN ('email', 'instagram_bio', 'image_url')), '{}'::JSONB),
    'source_ids', COALESCE((
      SELECT jsonb_object_agg(ids.source, ids.source_ids)
      FROM (SELECT si.source, jsonb_agg(si.source_id ORDER BY si.source_id) AS source_ids
            FROM public.producer_source_ids si WHERE si.producer_id = p.id
            GROUP BY si.source) ids), '{}'::JSONB),
    'enriched_at', p.enriched_at,
    'credits', COALESCE((
      SELECT jsonb_agg(to_jsonb(c)) FROM public.get_producer_credits(p.id) c), '[]'::JSONB),
    'collaborators', COALESCE((
      SELECT jsonb_agg(to_jsonb(c)) FROM public.get_producer_collaborations(p.id) c),
      '[]'::JSONB))
  FROM public.producers p
  WHERE p.id = p_producer_id;
$$;

-- A producer's contact details (e-mail, Instagram bio): only for operators.
CREATE OR REPLACE FUNCTION public.get_producer_contact(p_producer_id UUID)
RETURNS JSONB
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
  SELECT jsonb_build_object('email', p.email, 'instagram_bio', p.instagram_bio)
  FROM public.producers p
  WHERE p.id = p_producer_id;
$$;

-- The leaderboard: most credited songs first, optionally only on one artist's tracks
-- (case-insensitive name). Shared by the web, `producer-discovery producers` and psql.
CREATE OR REPLACE FUNCTION public.producer_leaderboard(
  p_limit INTEGER DEFAULT NULL,
  p_artist TEXT DEFAULT NULL
)
RETURNS TABLE(id UUID, name TEXT, tracks BIGINT, artists BIGINT, artist_names TEXT,
              best_confidence NUMERIC, instagram_handle TEXT, image_url TEXT)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
  SELECT p.id, p.name,
         count(DISTINCT tp.track_id),
         count(DISTINCT ar.id),
         string_agg(DISTINCT ar.name, ', ' ORDER BY ar.name),
         round(max(tp.confidence), 2),
         p.instagram_handle,
         p.image_url
  FROM public.producers p
  JOIN public.track_producers tp ON tp.producer_id = p.id
  JOIN public.tracks t ON t.id = tp.track_id
  JOIN public.albums al ON al.id = t.album_id
  JOIN public.artists ar ON ar.id = al.artist_id
  WHERE p_artist IS NULL OR lower(ar.name) = lower(p_artist)
  GROUP BY p.id
  ORDER BY count(DISTINCT tp.track_id) DESC, p.name
  LIMIT p_limit;
$$;

REVOKE ALL ON FUNCTION public.get_artist_producers(UUID) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.get_artist(UUID) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.get_producer_credits(UUID) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.get_producer_collaborations(UUID) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.get_producer(UUID) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.get_producer_contact(UUID) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.producer_leaderboard(INTEGER, TEXT) FROM PUBLIC;
DO $$
DECLARE
  v_role TEXT;
  v_function TEXT;
BEGIN
  FOREACH v_role IN ARRAY ARRAY['discovery_reader', 'discovery_operator'] LOOP
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = v_role) THEN
      FOREACH v_function IN ARRAY ARRAY[
        'public.get_artist_producers(UUID)', 'public.get_artist(UUID)',
        'public.get_producer_credits(UUID)', 'public.get_producer_collaborations(UUID)',
        'public.get_producer(UUID)', 'public.producer_leaderboard(INTEGER, TEXT)'] LOOP
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I', v_function, v_role);
      END LOOP;
    END IF;
  END LOOP;
  -- Contact details: operators, never readers.
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'discovery_operator') THEN
    GRANT EXECUTE ON FUNCTION public.get_producer_contact(UUID) TO discovery_operator;
  END IF;
END;
$$;
