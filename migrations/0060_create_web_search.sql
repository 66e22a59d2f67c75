-- Search over artists and producers for the web, the CLI (`producers search`) and psql:
-- case-, accent-, apostrophe- and punctuation-insensitive and typo-tolerant (pg_trgm).
--   SELECT * FROM search_artists('nova reyes');   SELECT * FROM search_producers('beyonce');
-- pg_trgm and unaccent are contrib extensions shipped with PostgreSQL (Debian's postgresql-15
-- and the postgres:15 image both have them).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS unaccent;

-- The key names are compared by: unaccented, lower case, apostrophes and punctuation
-- dropped, spaces collapsed ("Beyoncé" → "beyonce", "Guns N' Roses" → "guns n roses").
-- unaccent() itself is only STABLE (its dictionary could change), so this wrapper names the
-- dictionary explicitly and is declared IMMUTABLE to be usable in an index.
CREATE OR REPLACE FUNCTION public.search_key(p_text TEXT)
RETURNS TEXT
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
STRICT
SET search_path = pg_catalog, public, pg_temp
AS $$
  SELECT btrim(regexp_replace(
           regexp_replace(lower(public.unaccent('public.unaccent'::regdictionary, p_text)),
                          '[''’`´]', '', 'g'),
           '[^[:alnum:]]+', ' ', 'g'));
$$;

CREATE INDEX IF NOT EXISTS artists_search_key_trgm_idx
    ON public.artists USING gin (public.search_key(name) gin_trgm_ops);
CREATE INDEX IF NOT EXISTS producers_search_key_trgm_idx
    ON public.producers USING gin (public.search_key(name) gin_trgm_ops);

-- Artists whose name matches the query: best match first (exact, then prefix, then
-- containing, then trigram similarity, which forgives a typo or two).
CREATE OR REPLACE FUNCTION public.search_artists(p_query TEXT, p_limit INTEGER DEFAULT 20)
RETURNS TABLE(id UUID, name TEXT, image_url TEXT, albums BIGINT, tracks BIGINT, score REAL)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
  WITH q AS (SELECT public.search_key(p_query) AS key),
  hits AS (
    SELECT a.id, a.name, a.image_url,
           CASE WHEN public.search_key(a.name) = q.key THEN 3.0
                WHEN public.search_key(a.name) LIKE q.key || '%' THEN 2.0
                WHEN public.search_key(a.name) LIKE '%' || q.key || '%' THEN 1.5
                ELSE 0 END
           + greatest(similarity(public.search_key(a.name), q.key),
                      word_similarity(q.key, public.search_key(a.name)))::REAL AS score
    FROM public.artists a, q
    WHERE q.key <> ''
      AND (public.search_key(a.name) LIKE '%' || q.key || '%'
           OR public.search_key(a.name) % q.key
           OR q.key <% public.search_key(a.name))
    ORDER BY score DESC, a.name
    LIMIT greatest(1, least(coalesce(p_limit, 20), 100))
  )
  SELECT h.id, h.name, h.image_url,
         (SELECT count(*) FROM public.albums al WHERE al.artist_id = h.id),
         (SELECT count(*) FROM public.normalized_tracks nt WHERE nt.artist_id = h.id),
         h.score::REAL
  FROM hits h
  ORDER BY h.score DESC, h.name;
$$;

-- Producers whose name matches the query (the original system's search_producers RPC):
-- best match first, with how many songs and artists they are credited on.
CREATE OR REPLACE FUNCTION public.search_producers(p_query TEXT, p_limit INTEGER DEFAULT 20)
RETURNS TABLE(id UUID, name TEXT, image_url TEXT, instagram_handle TEXT, tracks BIGINT,
              artists BIGINT, score REAL)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
  WITH q AS (SELECT public.search_key(p_query) AS key),
  hits AS (
    SELECT p.id, p.name, p.image_url, p.instagram_handle,
           CASE WHEN public.search_key(p.name) = q.key THEN 3.0
                WHEN public.search_key(p.name) LIKE q.key || '%' THEN 2.0
                WHEN public.search_key(p.name) LIKE '%' || q.key || '%' THEN 1.5
                ELSE 0 END
           + greatest(similarity(public.search_key(p.name), q.key),
                      word_similarity(q.key, public.search_key(p.name)))::REAL AS score
    FROM public.producers p, q
    WHERE q.key <> ''
      AND (public.search_key(p.name) LIKE '%' || q.key || '%'
           OR public.search_key(p.name) % q.key
           OR q.key <% public.search_key(p.name))
    ORDER BY score DESC, p.name
    LIMIT greatest(1, least(coalesce(p_limit, 20), 100))
  )
  SELECT h.id, h.name, h.image_url, h.instagram_handle,
         (SELECT count(DISTINCT tp.track_id) FROM public.track_producers tp
          WHERE tp.producer_id = h.id),
         (SELECT count(DISTINCT al.artist_id)
          FROM public.track_producers tp
          JOIN public.tracks t ON t.id = tp.track_id
          JOIN public.albums al ON al.id = t.album_id
          WHERE tp.producer_id = h.id),
         h.score::REAL
  FROM hits h
  ORDER BY h.score DESC, h.name;
$$;

-- Read-only, no contact details: anyone allowed to read the catalogue may call these
-- (granted only where the roles of the roles migration exist).
REVOKE ALL ON FUNCTION public.search_key(TEXT) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.search_artists(TEXT, INTEGER) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.search_producers(TEXT, INTEGER) FROM PUBLIC;
DO $$
DECLARE
  v_role TEXT;
BEGIN
  FOREACH v_role IN ARRAY ARRAY['discovery_reader', 'discovery_operator'] LOOP
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = v_role) THEN
      EXECUTE format('GRANT EXECUTE ON FUNCTION public.search_artists(TEXT, INTEGER) TO %I', v_role);
      EXECUTE format('GRANT EXECUTE ON FUNCTION public.search_producers(TEXT, INTEGER) TO %I', v_role);
    END IF;
  END LOOP;
  -- search_key is in the indexes of artists and producers, which the workers write.
  FOREACH v_role IN ARRAY ARRAY['discovery_reader', 'discovery_operator', 'discovery_worker'] LOOP
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = v_role) THEN
      EXECUTE format('GRANT EXECUTE ON FUNCTION public.search_key(TEXT) TO %I', v_role);
    END IF;
  END LOOP;
END;
$$;
