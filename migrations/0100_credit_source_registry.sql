-- The registry of sources in the database. The sources are described once, in Python
-- (src/producer_discovery/sources.py); the migration runner writes one row per source into
-- public.registered_sources after the migrations (register_sources, db/registered_sources.py),
-- and every SQL check that must know the sources reads these rows instead of listing names:
-- * take_api_token, pause_api and block_api accept exactly the sources that call an API (each
--   has a rate budget), no longer any name a bucket was created for;
-- * producer_source_ids.source must be a source whose credits name people (a trigger, where
--   0012 had a CHECK listing them);
-- * identification_plans.source (and record_identification_plan) must be a credit source that
--   calls an API (a trigger, where 0091 had a CHECK listing two of them).
-- Adding a source to the registry needs `migrate`, never a migration.

CREATE TABLE IF NOT EXISTS public.registered_sources (
    name TEXT PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]{0,31}$'),
    label TEXT NOT NULL CHECK (length(label) BETWEEN 1 AND 100),
    calls_api BOOLEAN NOT NULL,      -- it has a client and a rate budget
    credits_songs BOOLEAN NOT NULL,  -- identification asks it for a song's credits
    names_people BOOLEAN NOT NULL,   -- its credits carry the person's id at the source
    registered_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

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

ALTER TABLE public.producer_source_ids DROP CONSTRAINT IF EXISTS producer_source_ids_source_check;
DROP TRIGGER IF EXISTS producer_source_ids_registered_source ON public.producer_source_ids;
CREATE TRIGGER producer_source_ids_registered_source
  BEFORE INSERT OR UPDATE OF source ON public.producer_source_ids
  FOR EACH ROW EXECUTE FUNCTION public.require_registered_source('people');

ALTER TABLE public.identification_plans DROP CONSTRAINT IF EXISTS identification_plans_source_check;
DROP TRIGGER IF EXISTS identification_plans_registered_source ON public.identification_plans;
CREATE TRIGGER identification_plans_registered_source
  BEFORE INSERT OR UPDATE OF source ON public.identification_plans
  FOR EACH ROW EXECUTE FUNCTION public.require_registered_source('plans');

-- take_api_token: the body of 0051, the API checked against the registry.
CREATE OR REPLACE FUNCTION public.take_api_token(
  p_api TEXT,
  p_rate DOUBLE PRECISION,
  p_burst DOUBLE PRECISION DEFAULT 1
) RETURNS DOUBLE PRECISION
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  v_now TIMESTAMPTZ := clock_timestamp();
  v_bucket public.api_rate_limits%ROWTYPE;
  v_tokens DOUBLE PRECISION;
BEGIN
  IF NOT public.source_is_registered(p_api, 'api') THEN
    RAISE EXCEPTION 'take_api_token: unknown API % (not in the registry of sources)', left(p_api, 40)
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_rate IS NULL OR NOT (p_rate > 0 AND p_rate <= 1000)
     OR p_burst IS NULL OR NOT (p_burst >= 1 AND p_burst <= 1000) THEN
    RAISE EXCEPTION 'take_api_token: rate must be in (0, 1000] and burst in [1, 1000]'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  INSERT INTO public.api_rate_limits (api, tokens, refreshed_at)
  VALUES (p_api, p_burst, v_now)
  ON CONFLICT (api) DO NOTHING;
  SELECT * INTO v_bucket FROM public.api_rate_limits WHERE api = p_api FOR UPDATE;
  v_now := clock_timestamp();

  IF v_bucket.paused_until IS NOT NULL AND v_bucket.paused_until > v_now THEN
    RETURN extract(epoch FROM v_bucket.paused_until - v_now);
  END IF;

  v_tokens := least(p_burst, v_bucket.tokens
                    + extract(epoch FROM v_now - v_bucket.refreshed_at) * p_rate);
  IF v_tokens >= 1 THEN
    UPDATE public.api_rate_limits
    SET tokens = v_tokens - 1, refreshed_at = v_now, updated_at = v_now
    WHERE api = p_api;
    RETURN 0;
  END IF;
  UPDATE public.api_rate_limits
  SET tokens = v_tokens, refreshed_at = v_now, updated_at = v_now
  WHERE api = p_api;
  RETURN (1 - v_tokens) / p_rate;
END;
$$;

-- pause_api: the body of 0051, the API checked against the registry.
CREATE OR REPLACE FUNCTION public.pause_api(
  p_api TEXT,
  p_seconds DOUBLE PRECISION,
  p_reason TEXT DEFAULT NULL
) RETURNS TIMESTAMPTZ
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  v_until TIMESTAMPTZ;
BEGIN
  IF NOT public.source_is_registered(p_api, 'api') THEN
    RAISE EXCEPTION 'pause_api: unknown API % (not in the registry of sources)', left(p_api, 40)
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_seconds IS NULL OR p_seconds = 'NaN'::DOUBLE PRECISION OR p_seconds < 0 THEN
    RAISE EXCEPTION 'pause_api: seconds must be a number >= 0'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  v_until := clock_timestamp() + make_interval(secs => least(p_seconds, 3600));
  INSERT INTO public.api_rate_limits AS r (api, tokens, paused_until, pause_reason)
  VALUES (p_api, 0, v_until, left(p_reason, 200))
  ON CONFLICT (api) DO UPDATE SET
    paused_until = greatest(coalesce(r.paused_until, v_until), v_until),
    pause_reason = coalesce(left(p_reason, 200), r.pause_reason),
    tokens = 0,
    updated_at = clock_timestamp();
  SELECT paused_until INTO v_until FROM public.api_rate_limits WHERE api = p_api;
  RETURN v_until;
END;
$$;

-- block_api: the body of 0081, the API checked against the registry.
CREATE OR REPLACE FUNCTION public.block_api(
  p_api TEXT,
  p_reason TEXT,
  p_base_seconds DOUBLE PRECISION DEFAULT 60,
  p_cap_seconds DOUBLE PRECISION DEFAULT 3600
) RETURNS DOUBLE PRECISION
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  v_now TIMESTAMPTZ := clock_timestamp();
  v_row public.api_rate_limits%ROWTYPE;
  v_blocks INTEGER;
  v_seconds DOUBLE PRECISION;
BEGIN
  -- The APIs pause_api knows, and no pause longer than pause_api allows (an hour).
  IF NOT public.source_is_registered(p_api, 'api') THEN
    RAISE EXCEPTION 'block_api: unknown API % (not in the registry of sources)', left(p_api, 40)
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_base_seconds IS NULL OR NOT (p_base_seconds > 0 AND p_base_seconds <= 3600)
     OR p_cap_seconds IS NULL OR NOT (p_cap_seconds >= p_base_seconds AND p_cap_seconds <= 3600) THEN
    RAISE EXCEPTION 'block_api: base must be in (0, 3600] seconds and cap in [base, 3600]'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  INSERT INTO public.api_rate_limits (api, tokens, refreshed_at)
  VALUES (p_api, 0, v_now) ON CONFLICT (api) DO NOTHING;
  SELECT * INTO v_row FROM public.api_rate_limits WHERE api = p_api FOR UPDATE;
  IF v_row.blocks > 0 AND v_row.blocked_at + make_interval(secs => v_row.block_seconds) > v_now THEN
    -- Already blocked: a second process hitting the same wall does not grow the pause.
    RETURN extract(epoch FROM v_row.blocked_at + make_interval(secs => v_row.block_seconds) - v_now);
  END IF;
  IF v_row.blocked_at IS NULL OR v_row.blocked_at
       + make_interval(secs => 3 * coalesce(v_row.block_seconds, p_base_seconds)) < v_now THEN
    v_blocks := 1;
  ELSE
    v_blocks := least(v_row.blocks, 30) + 1;
  END IF;
  v_seconds := least(p_cap_seconds, p_base_seconds * 2 ^ (v_blocks - 1));
  UPDATE public.api_rate_limits SET
    blocks = v_blocks, blocked_at = v_now, block_seconds = v_seconds, tokens = 0,
    paused_until = greatest(coalesce(paused_until, v_now), v_now + make_interval(secs => v_seconds)),
    pause_reason = left(coalesce(p_reason, 'blocked'), 200), updated_at = v_now
  WHERE api = p_api;
  RETURN v_seconds;
END;
$$;

-- record_identification_plan: the body of 0091, the source checked against the registry.
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
  IF NOT public.source_is_registered(p_source, 'plans') THEN
    RAISE EXCEPTION 'record_identification_plan: unknown source %', left(p_source, 40)
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

-- Grants of the functions redefined above are kept by CREATE OR REPLACE. The workers read the
-- registry at start-up (db/queries/registered_apis.sql), the operator may read it.
GRANT SELECT ON public.registered_sources TO discovery_worker, discovery_operator;
