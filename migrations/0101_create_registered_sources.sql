-- The registry of sources in the database. The sources are described once, in Python
-- (src/producer_discovery/sources.py); the migration runner writes one row per source into
-- public.registered_sources after the migrations (register_sources, db/registered_sources.py),
-- and every SQL check that must know the sources reads these rows instead of listing names
-- (definitions/15_sources.sql): take_api_token, pause_api and block_api accept exactly the
-- sources that call an API (each has a rate budget); producer_source_ids.source and
-- identification_plans.source are checked by triggers instead of the CHECKs listing names
-- that this migration drops. Adding a source to the registry needs `migrate`, never a migration.

CREATE TABLE IF NOT EXISTS public.registered_sources (
    name TEXT PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]{0,31}$'),
    label TEXT NOT NULL CHECK (length(label) BETWEEN 1 AND 100),
    calls_api BOOLEAN NOT NULL,      -- it has a client and a rate budget
    credits_songs BOOLEAN NOT NULL,  -- identification asks it for a song's credits
    names_people BOOLEAN NOT NULL,   -- its credits carry the person's id at the source
    registered_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

ALTER TABLE public.producer_source_ids DROP CONSTRAINT IF EXISTS producer_source_ids_source_check;
ALTER TABLE public.identification_plans DROP CONSTRAINT IF EXISTS identification_plans_source_check;

-- The workers read the registry at start-up (db/queries/registered_apis.sql), the operator may
-- read it.
GRANT SELECT ON public.registered_sources TO discovery_worker, discovery_operator;
