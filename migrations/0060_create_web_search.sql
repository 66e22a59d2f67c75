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
-- It stays a versioned definition (not in definitions/): the indexes below are built from it,
-- so a change of its body is a new migration that redefines it and rebuilds them (REINDEX).
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
GRANT EXECUTE ON FUNCTION public.search_key(text) TO discovery_operator, discovery_reader, discovery_worker;

CREATE INDEX IF NOT EXISTS artists_search_key_trgm_idx
    ON public.artists USING gin (public.search_key(name) gin_trgm_ops);
CREATE INDEX IF NOT EXISTS producers_search_key_trgm_idx
    ON public.producers USING gin (public.search_key(name) gin_trgm_ops);
