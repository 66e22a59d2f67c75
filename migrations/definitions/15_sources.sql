-- The registry of sources as SQL checks read it (public.registered_sources, which the migration
-- runner fills from src/producer_discovery/sources.py after every run).

-- Whether p_name is registered as p_as: 'api' (calls an API), 'people' (its credits carry the
-- person's id there) or 'plans' (a credit source that calls an API: it may plan by artist).
CREATE OR REPLACE FUNCTION public.source_is_registered(p_name TEXT, p_as TEXT)
RETURNS BOOLEAN
LANGUAGE sql
STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
  SELECT EXISTS (
    SELECT 1 FROM public.registered_sources s
    WHERE s.name = p_name
      AND CASE p_as
            WHEN 'api' THEN s.calls_api
            WHEN 'people' THEN s.names_people
            WHEN 'plans' THEN s.credits_songs AND s.calls_api
            ELSE FALSE
          END);
$$;

-- The registered sources become exactly p_sources, a JSON array of {name, label, calls_api,
-- credits_songs, names_people} (the migration runner's, from the registry); returns the names
-- added and removed. Rows written elsewhere keep their source name when it is removed.
CREATE OR REPLACE FUNCTION public.register_sources(p_sources JSONB)
RETURNS JSONB
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  v_added TEXT[];
  v_removed TEXT[];
BEGIN
  IF p_sources IS NULL OR jsonb_typeof(p_sources) <> 'array' OR EXISTS (
       SELECT 1 FROM jsonb_array_elements(p_sources) e
       WHERE jsonb_typeof(e) <> 'object'
          OR coalesce(e->>'name', '') !~ '^[a-z][a-z0-9_]{0,31}$'
          OR coalesce(e->>'label', '') = ''
          OR jsonb_typeof(e->'calls_api') IS DISTINCT FROM 'boolean'
          OR jsonb_typeof(e->'credits_songs') IS DISTINCT FROM 'boolean'
          OR jsonb_typeof(e->'names_people') IS DISTINCT FROM 'boolean') THEN
    RAISE EXCEPTION 'register_sources: an array of {name, label, calls_api, credits_songs, '
                    'names_people} is required'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT coalesce(array_agg(s.name ORDER BY s.name), '{}') INTO v_removed
  FROM public.registered_sources s
  WHERE s.name NOT IN (SELECT e->>'name' FROM jsonb_array_elements(p_sources) e);
  DELETE FROM public.registered_sources s WHERE s.name = ANY(v_removed);
  SELECT coalesce(array_agg(e->>'name' ORDER BY e->>'name'), '{}') INTO v_added
  FROM jsonb_array_elements(p_sources) e
  WHERE NOT EXISTS (SELECT 1 FROM public.registered_sources s WHERE s.name = e->>'name');
  INSERT INTO public.registered_sources AS s (name, label, calls_api, credits_songs, names_people)
  SELECT e->>'name', e->>'label', (e->>'calls_api')::BOOLEAN, (e->>'credits_songs')::BOOLEAN,
         (e->>'names_people')::BOOLEAN
  FROM jsonb_array_elements(p_sources) e
  ON CONFLICT (name) DO UPDATE SET
    label = EXCLUDED.label,
    calls_api = EXCLUDED.calls_api,
    credits_songs = EXCLUDED.credits_songs,
    names_people = EXCLUDED.names_people;
  RETURN jsonb_build_object('added', to_jsonb(v_added), 'removed', to_jsonb(v_removed));
END;
$$;

-- A row's source must be registered as TG_ARGV[0] (source_is_registered): the tables'
-- CHECKs, now read from the registry. check_violation, as the CHECKs raised.
CREATE OR REPLACE FUNCTION public.require_registered_source()
RETURNS TRIGGER
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
  IF NOT public.source_is_registered(NEW.source, TG_ARGV[0]) THEN
    RAISE EXCEPTION '%.source: % is not a source registered for %', TG_TABLE_NAME,
                    left(NEW.source, 40), TG_ARGV[0]
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$;

CREATE OR REPLACE TRIGGER producer_source_ids_registered_source
  BEFORE INSERT OR UPDATE OF source ON public.producer_source_ids
  FOR EACH ROW EXECUTE FUNCTION public.require_registered_source('people');

CREATE OR REPLACE TRIGGER identification_plans_registered_source
  BEFORE INSERT OR UPDATE OF source ON public.identification_plans
  FOR EACH ROW EXECUTE FUNCTION public.require_registered_source('plans');
