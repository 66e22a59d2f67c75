-- "Who should produce my next record?": producers not yet credited on an artist, ranked by
-- the artist's collaboration network, shared genres, recent work and confidence, each with
-- its reasons in words (docs/operations.md, "Recommended producers"). No contact data: the
-- reader may call these.

-- A list of names in words: "A", "A and B", "A, B and C", "A, B, C and 2 others".
CREATE OR REPLACE FUNCTION public.names_in_words(p_names TEXT[], p_shown INTEGER DEFAULT 3)
RETURNS TEXT
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
  SELECT CASE
    WHEN COALESCE(cardinality(p_names), 0) = 0 THEN ''
    WHEN cardinality(p_names) = 1 THEN p_names[1]
    WHEN cardinality(p_names) <= p_shown
      THEN array_to_string(p_names[1:cardinality(p_names) - 1], ', ')
           || ' and ' || p_names[cardinality(p_names)]
    ELSE array_to_string(p_names[1:p_shown], ', ') || ' and '
         || (cardinality(p_names) - p_shown)::TEXT
         || CASE WHEN cardinality(p_names) - p_shown = 1 THEN ' other' ELSE ' others' END
  END;
$$;
GRANT EXECUTE ON FUNCTION public.names_in_words(text[],integer) TO discovery_operator, discovery_reader;

-- The recommendations for one artist, best first (at most `max`, 1-100). The score is
--   (2·ln(1 + network) + ln(1 + network songs) + shared genres (at most 3)
--    + ln(1 + recent songs)) × (0.5 + confidence / 2)
-- where network = Σ, over the other artists the producer worked for who share producers
-- with this artist, the number of producers they share; network songs = the producer's songs
-- for those artists; shared genres = this artist's
-- genres found among the genres of the artists the producer worked for; recent songs = the
-- producer's songs released in the last 3 years; confidence = the mean fused confidence of
-- the producer's credits. Candidates are the producers of those network or same-genre
-- artists who are not credited on this artist. No rows for an unknown artist.
CREATE OR REPLACE FUNCTION public.recommended_producers(artist_id UUID, max INTEGER DEFAULT 10)
RETURNS TABLE(id UUID, name TEXT, score NUMERIC, reasons TEXT[], songs BIGINT, artists BIGINT,
              network_artists TEXT[], network_songs BIGINT, shared_producers BIGINT,
              shared_genres TEXT[], recent_songs BIGINT, confidence NUMERIC, image_url TEXT)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
  WITH me AS (
    SELECT a.id,
           CASE WHEN jsonb_typeof(a.metadata -> 'genres') = 'array'
                THEN ARRAY(SELECT jsonb_array_elements_text(a.metadata -> 'genres'))
                ELSE '{}'::TEXT[] END AS genres
    FROM public.artists a
    WHERE a.id = recommended_producers.artist_id
  ), worked AS MATERIALIZED (  -- one pass over the credits: per producer and artist, songs
    SELECT tp.producer_id, al.artist_id, count(*) AS songs,
           count(*) FILTER (WHERE al.release_date >= current_date - interval '3 years') AS recent,
           sum(tp.confidence) AS confidence
    FROM public.track_producers tp
    JOIN public.tracks t ON t.id = tp.track_id
    JOIN public.albums al ON al.id = t.album_id
    WHERE EXISTS (SELECT 1 FROM me)
    GROUP BY tp.producer_id, al.artist_id
  ), mine AS (
    SELECT w.producer_id FROM worked w JOIN me ON me.id = w.artist_id
  ), peer_links AS MATERIALIZED (  -- other artists credited to my producers: (artist, my producer)
    SELECT w.artist_id, w.producer_id
    FROM worked w
    JOIN mine USING (producer_id)
    WHERE w.artist_id <> (SELECT me.id FROM me)
  ), peers AS (
    SELECT pl.artist_id, count(*) AS shared FROM peer_links pl GROUP BY pl.artist_id
  ), genre_peers AS (  -- other artists with one of my genres, and which
    SELECT a.id AS artist_id,
           ARRAY(SELECT g FROM jsonb_array_elements_text(a.metadata -> 'genres') g
                 WHERE g = ANY (me.genres)) AS genres
    FROM me
    JOIN public.artists a ON a.id <> me.id
    WHERE cardinality(me.genres) > 0
      AND jsonb_typeof(a.metadata -> 'genres') = 'array'
      AND (a.metadata -> 'genres') ?| me.genres
  ), candidates AS (  -- what the producers not mine did: every artist they worked for
    SELECT w.*, pe.shared, gp.genres
    FROM worked w
    LEFT JOIN peers pe ON pe.artist_id = w.artist_id
    LEFT JOIN genre_peers gp ON gp.artist_id = w.artist_id
    WHERE NOT EXISTS (SELECT 1 FROM mine WHERE mine.producer_id = w.producer_id)
  ), stats AS (
    SELECT c.producer_id,
           sum(c.songs) AS songs,
           count(*) AS artists,
           COALESCE(sum(c.songs) FILTER (WHERE c.shared IS NOT NULL), 0) AS network_songs,
           COALESCE(sum(c.shared), 0) AS network,
           sum(c.recent) AS recent_songs,
           sum(c.confidence) / sum(c.songs) AS confidence
    FROM candidates c
    GROUP BY c.producer_id
    HAVING bool_or(c.shared IS NOT NULL OR c.genres IS NOT NULL)
  ), genres AS (
    SELECT c.producer_id, array_agg(DISTINCT g ORDER BY g) AS genres
    FROM candidates c, unnest(c.genres) g
    GROUP BY c.producer_id
  ), top AS (  -- the best `max`; what their reasons name is looked up for them alone
    SELECT s.*, COALESCE(g.genres, '{}'::TEXT[]) AS genres,
           round(((2 * ln(1 + s.network) + ln(1 + s.network_songs)
                   + least(COALESCE(cardinality(g.genres), 0), 3)
                   + ln(1 + s.recent_songs)) * (0.5 + s.confidence / 2))::NUMERIC, 2) AS score
    FROM stats s
    JOIN public.producers p ON p.id = s.producer_id
    LEFT JOIN genres g ON g.producer_id = s.producer_id
    ORDER BY score DESC, s.network_songs DESC, p.name, p.id
    LIMIT greatest(1, least(COALESCE(recommended_producers.max, 10), 100))
  ), top_network AS (  -- the network artists of the best, each with the producers it shares
    SELECT c.producer_id, c.artist_id, c.shared
    FROM candidates c
    JOIN top t ON t.producer_id = c.producer_id
    WHERE c.shared IS NOT NULL
  ), scored AS (
    SELECT t.*,
           COALESCE(n.artist_names, '{}'::TEXT[]) AS artist_names,
           COALESCE(sh.shared_producers, 0) AS shared_producers
    FROM top t
    LEFT JOIN (SELECT tn.producer_id, array_agg(ar.name ORDER BY tn.shared DESC, ar.name) AS artist_names
               FROM top_network tn JOIN public.artists ar ON ar.id = tn.artist_id
               GROUP BY tn.producer_id) n ON n.producer_id = t.producer_id
    LEFT JOIN (SELECT tn.producer_id, count(DISTINCT pl.producer_id) AS shared_producers
               FROM top_network tn JOIN peer_links pl ON pl.artist_id = tn.artist_id
               GROUP BY tn.producer_id) sh ON sh.producer_id = t.producer_id
  )
  SELECT p.id, p.name, sc.score,
         array_remove(ARRAY[
           CASE WHEN sc.network_songs > 0 THEN
             format('produced %s song%s for %s, who share%s %s producer%s with you',
                    sc.network_songs, CASE WHEN sc.network_songs = 1 THEN '' ELSE 's' END,
                    public.names_in_words(sc.artist_names),
                    CASE WHEN cardinality(sc.artist_names) = 1 THEN 's' ELSE '' END,
                    sc.shared_producers, CASE WHEN sc.shared_producers = 1 THEN '' ELSE 's' END)
           END,
           CASE WHEN cardinality(sc.genres) > 0 THEN
             format('worked for artists in your genre%s: %s',
                    CASE WHEN cardinality(sc.genres) = 1 THEN '' ELSE 's' END,
                    public.names_in_words(sc.genres, 4))
           END,
           CASE WHEN sc.recent_songs > 0 THEN
             format('%s song%s released in the last 3 years', sc.recent_songs,
                    CASE WHEN sc.recent_songs = 1 THEN '' ELSE 's' END)
           END,
           format('%s song%s credited, at %s%% confidence on average', sc.songs,
                  CASE WHEN sc.songs = 1 THEN '' ELSE 's' END,
                  round(sc.confidence * 100))
         ], NULL),
         sc.songs, sc.artists, sc.artist_names, sc.network_songs,
         sc.shared_producers, sc.genres, sc.recent_songs, round(sc.confidence, 2), p.image_url
  FROM scored sc
  JOIN public.producers p ON p.id = sc.producer_id
  ORDER BY sc.score DESC, sc.network_songs DESC, p.name, p.id;
$$;
GRANT EXECUTE ON FUNCTION public.recommended_producers(uuid,integer) TO discovery_operator, discovery_reader;

-- The web's and the CLI's document: {"artist": {"id", "name"}, "producers": [...]}, NULL for
-- an unknown artist.
CREATE OR REPLACE FUNCTION public.get_recommended_producers(p_artist_id UUID,
                                                            p_max INTEGER DEFAULT 10)
RETURNS JSONB
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
  SELECT jsonb_build_object(
    'artist', jsonb_build_object('id', a.id, 'name', a.name),
    'producers', COALESCE((
      SELECT jsonb_agg(to_jsonb(r) ORDER BY r.score DESC, r.network_songs DESC, r.name, r.id)
      FROM public.recommended_producers(a.id, p_max) r), '[]'::JSONB))
  FROM public.artists a
  WHERE a.id = p_artist_id;
$$;
GRANT EXECUTE ON FUNCTION public.get_recommended_producers(uuid,integer) TO discovery_operator, discovery_reader;
