-- Shared API rate limits: quotas belong to the credentials, not to a process, so every worker
-- of every stage draws from one token bucket per API here, and any of them can pause an API
-- for everyone when the provider answers 429 with Retry-After.

CREATE TABLE public.api_rate_limits (
    api TEXT PRIMARY KEY,
    tokens DOUBLE PRECISION NOT NULL,
    refreshed_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    paused_until TIMESTAMPTZ,
    pause_reason TEXT,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
);

-- Takes one token of p_api's bucket (refilled at p_rate per second, holding at most p_burst).
-- Returns 0 when the call may go now, else the seconds to wait before asking again
-- (a pause set by pause_api() counts). clock_timestamp(), not now(): callers run in autocommit
-- but a bucket must never be computed from a transaction's start time.
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
  IF p_rate IS NULL OR p_rate <= 0 OR p_burst IS NULL OR p_burst < 1 THEN
    RAISE EXCEPTION 'take_api_token: rate must be > 0 and burst >= 1'
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

-- Pauses p_api for every process for p_seconds (a 429's Retry-After). A longer pause
-- already in force is kept.
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
  v_until TIMESTAMPTZ := clock_timestamp() + make_interval(secs => greatest(p_seconds, 0));
BEGIN
  INSERT INTO public.api_rate_limits AS r (api, tokens, paused_until, pause_reason)
  VALUES (p_api, 0, v_until, p_reason)
  ON CONFLICT (api) DO UPDATE SET
    paused_until = greatest(coalesce(r.paused_until, v_until), v_until),
    pause_reason = coalesce(p_reason, r.pause_reason),
    tokens = 0,
    updated_at = clock_timestamp();
  SELECT paused_until INTO v_until FROM public.api_rate_limits WHERE api = p_api;
  RETURN v_until;
END;
$$;
