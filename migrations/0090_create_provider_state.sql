-- What the workers learn about a provider account and share, so that N processes (and a
-- restarted one) do not each ask the provider again:
-- * public.api_credentials: one access token per provider account (Spotify's client-credentials
--   token), fetched by one process under a lock and used by all until shortly before it
--   expires. It is a secret: only discovery_worker may read it (not the operator, not the
--   reader, not PUBLIC). A 401 removes it for everyone, but only if it is still the token that
--   was refused (compare-and-swap on the value), so a newer token is never thrown away.
-- * public.api_facts: answers about an account with when they were learnt (Spotify's
--   "has extended quota"), re-learnt only after they are old or proven wrong.
-- `account` names the credentials and the server they belong to (client id and URL), never
-- the secret.

CREATE TABLE IF NOT EXISTS public.api_credentials (
    api TEXT NOT NULL,
    account TEXT NOT NULL,
    access_token TEXT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    fetched_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (api, account)
);

CREATE TABLE IF NOT EXISTS public.api_facts (
    api TEXT NOT NULL,
    account TEXT NOT NULL,
    fact TEXT NOT NULL,
    value JSONB NOT NULL,
    learnt_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (api, account, fact)
);

REVOKE ALL ON public.api_credentials, public.api_facts FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.api_credentials, public.api_facts
  TO discovery_worker;
GRANT SELECT ON public.api_facts TO discovery_operator;
