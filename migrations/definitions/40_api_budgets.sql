-- The shared API budgets: token buckets per API taken by every process, pauses (a 429's
-- Retry-After) and blocks (a source that refuses us, with a growing back-off), refused
-- credentials, and the response cache's expiry.

-- Expired responses are never served (cache_get checks expires_at); this deletes them.
CREATE OR REPLACE FUNCTION public.purge_expired_api_cache()
RETURNS INTEGER
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  v_deleted INTEGER;
BEGIN
  DELETE FROM public.api_response_cache WHERE expires_at < now();
  GET DIAGNOSTICS v_deleted = ROW_COUNT;
  RETURN v_deleted;
END;
$$;
GRANT EXECUTE ON FUNCTION public.purge_expired_api_cache() TO discovery_operator;

-- Takes one token of p_api's bucket (refilled at p_rate per second, holding at most p_burst).
-- Returns 0 when the call may go now, else the seconds to wait before asking again (a pause
-- set by pause_api() or a block set by block_api() counts). clock_timestamp(), not now():
-- callers run in autocommit but a bucket must never be computed from a transaction's start
-- time. The APIs it knows are the registry's sources that call one (source_is_registered);
-- any other is refused, never left unlimited.
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
GRANT EXECUTE ON FUNCTION public.take_api_token(text,double precision,double precision) TO discovery_worker;

-- Pauses p_api for every process for p_seconds (a 429's Retry-After), at most an hour: a
-- Retry-After longer than that is asked again an hour later, and no caller can stop an API
-- for longer. A longer pause already in force is kept. Only the registry's APIs.
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
GRANT EXECUTE ON FUNCTION public.pause_api(text,double precision,text) TO discovery_worker;

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
  -- The outage a block belongs to began at its streak's first block; it lasts, however
  -- often the block doubles, until a worker's request is answered again (source_answered).
  UPDATE public.api_rate_limits SET
    blocks = v_blocks, blocked_at = v_now, block_seconds = v_seconds, tokens = 0,
    outage_started_at = CASE WHEN v_blocks = 1 THEN v_now
                             ELSE coalesce(outage_started_at, v_now) END,
    paused_until = greatest(coalesce(paused_until, v_now), v_now + make_interval(secs => v_seconds)),
    pause_reason = left(coalesce(p_reason, 'blocked'), 200), updated_at = v_now
  WHERE api = p_api;
  RETURN v_seconds;
END;
$$;
GRANT EXECUTE ON FUNCTION public.block_api(text,text,double precision,double precision) TO discovery_worker;

-- What is left of a block in force on p_api (seconds, reason); no row when there is none.
CREATE OR REPLACE FUNCTION public.api_block(p_api TEXT)
RETURNS TABLE(remaining_seconds DOUBLE PRECISION, reason TEXT)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
  SELECT extract(epoch FROM r.blocked_at + make_interval(secs => r.block_seconds)
                            - clock_timestamp())::DOUBLE PRECISION,
         r.pause_reason
  FROM public.api_rate_limits r
  WHERE r.api = p_api AND r.blocks > 0
    AND r.blocked_at + make_interval(secs => r.block_seconds) > clock_timestamp();
$$;
GRANT EXECUTE ON FUNCTION public.api_block(text) TO discovery_operator, discovery_worker;

-- The outage of p_api in progress: seconds since it began (block_api's streak), what is
-- left of the block in force (0 once the block has passed but nobody was answered yet), and
-- whether its last block was for refused credentials (its reason ends "credentials refused",
-- as ApiClient.rejected() words it); no row when p_api is not out. Producer identification
-- waits for a source blocked, not refused, for less than settings.source_wait_seconds
-- (identification/waiting.py).
CREATE OR REPLACE FUNCTION public.api_outage(p_api TEXT)
RETURNS TABLE(out_seconds DOUBLE PRECISION, blocked_seconds DOUBLE PRECISION,
              credentials_refused BOOLEAN)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
  SELECT extract(epoch FROM clock_timestamp() - r.outage_started_at)::DOUBLE PRECISION,
         greatest(0, CASE WHEN r.blocks > 0 THEN
                    extract(epoch FROM r.blocked_at + make_interval(secs => r.block_seconds)
                                       - clock_timestamp())
                  ELSE 0 END)::DOUBLE PRECISION,
         coalesce(r.pause_reason LIKE '%credentials refused', FALSE)
  FROM public.api_rate_limits r
  WHERE r.api = p_api AND r.outage_started_at IS NOT NULL;
$$;
GRANT EXECUTE ON FUNCTION public.api_outage(text) TO discovery_operator, discovery_worker;

-- Whether the caller may send one request to p_api through the block in force, as a probe:
-- at most one every p_every seconds among all processes, and only while the outage is younger
-- than p_within seconds (while songs wait for the source: settings.source_wait_seconds), so a
-- long outage costs the provider no more than the block allows. FALSE when p_api is not
-- blocked. A probe answered ends the block (source_answered(p_api, TRUE)).
CREATE OR REPLACE FUNCTION public.claim_api_probe(
  p_api TEXT,
  p_every DOUBLE PRECISION,
  p_within DOUBLE PRECISION
) RETURNS BOOLEAN
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  v_now TIMESTAMPTZ := clock_timestamp();
BEGIN
  IF p_every IS NULL OR NOT (p_every >= 1 AND p_every <= 3600)
     OR p_within IS NULL OR NOT (p_within >= 0 AND p_within <= 3600) THEN
    RAISE EXCEPTION 'claim_api_probe: every must be in [1, 3600] seconds and within in [0, 3600]'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  UPDATE public.api_rate_limits SET probed_at = v_now
  WHERE api = p_api AND outage_started_at IS NOT NULL
    AND outage_started_at > v_now - make_interval(secs => p_within)
    AND blocks > 0 AND blocked_at + make_interval(secs => block_seconds) > v_now
    AND coalesce(pause_reason NOT LIKE '%credentials refused', TRUE)
    AND (probed_at IS NULL OR probed_at <= v_now - make_interval(secs => p_every));
  RETURN FOUND;
END;
$$;
GRANT EXECUTE ON FUNCTION public.claim_api_probe(text,double precision,double precision) TO discovery_worker;

-- A worker's request to p_api was answered. When p_api was out (an outage begun by
-- block_api) and no block is in force any more, or the request was a probe let through the
-- block (p_probe: claim_api_probe), the outage ends here: a probe's block ends with it,
-- recovered_at is set and TRUE returned, so that the caller refills the gaps it left at once
-- (refill_identification_gaps); otherwise nothing changes and FALSE is returned (a request
-- sent before a block began and answered after it ends nothing). Only the registry's APIs.
CREATE OR REPLACE FUNCTION public.source_answered(p_api TEXT, p_probe BOOLEAN DEFAULT FALSE)
RETURNS BOOLEAN
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  v_now TIMESTAMPTZ := clock_timestamp();
  v_began TIMESTAMPTZ;
BEGIN
  IF NOT public.source_is_registered(p_api, 'api') THEN
    RAISE EXCEPTION 'source_answered: unknown API % (not in the registry of sources)', left(p_api, 40)
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT outage_started_at INTO v_began FROM public.api_rate_limits
  WHERE api = p_api AND outage_started_at IS NOT NULL
    AND (coalesce(p_probe, FALSE)
         OR NOT (blocks > 0 AND blocked_at + make_interval(secs => block_seconds) > v_now))
  FOR UPDATE;
  IF NOT FOUND THEN
    RETURN FALSE;
  END IF;
  -- A block in force ends now (what is left of a longer pause_api pause stays); its length
  -- becomes what it lasted, so a block soon after still doubles it (block_api).
  UPDATE public.api_rate_limits
  SET outage_started_at = NULL, recovered_at = v_now, updated_at = v_now,
      paused_until = CASE WHEN blocks > 0
                           AND paused_until <= blocked_at + make_interval(secs => block_seconds)
                          THEN least(paused_until, v_now) ELSE paused_until END,
      block_seconds = CASE WHEN blocks > 0
                            AND blocked_at + make_interval(secs => block_seconds) > v_now
                           THEN extract(epoch FROM v_now - blocked_at) ELSE block_seconds END
  WHERE api = p_api;
  INSERT INTO public.monitoring_events (event_type, details)
  VALUES ('source_returned', jsonb_build_object(
    'api', p_api, 'out_seconds', round(extract(epoch FROM v_now - v_began)::NUMERIC, 1)));
  RETURN TRUE;
END;
$$;
GRANT EXECUTE ON FUNCTION public.source_answered(text,boolean) TO discovery_worker;

-- A provider refused our credentials: a critical issue until an operator resolves it.
CREATE OR REPLACE FUNCTION public.report_refused_credentials(
  p_worker_name TEXT,
  p_api TEXT,
  p_message TEXT
) RETURNS VOID
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
  IF p_worker_name IS NULL OR length(p_worker_name) > 200 OR p_api IS NULL
     OR p_api !~ '^[a-z][a-z0-9_]{0,31}$' THEN
    RAISE EXCEPTION 'report_refused_credentials: a worker name (at most 200 characters) and '
                    'an API name are required'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  INSERT INTO monitoring.worker_issues (worker_name, issue_type, severity, message, details)
  VALUES (p_worker_name, 'credentials_rejected', 'critical',
          left(coalesce(p_message, p_api || ' refused our credentials'), 2000),
          jsonb_build_object('api', p_api));
END;
$$;
GRANT EXECUTE ON FUNCTION public.report_refused_credentials(text,text,text) TO discovery_worker;
