-- The do-not-collect list: people erased with forget_producer() (definitions/50_producers.sql,
-- `producer-discovery producers forget`), by their normalized name and by every source id
-- they were known by. Producer identification creates no producer and attaches no source id
-- that is listed here, so a later identification, gap refill or enrichment refresh never
-- brings them back. No display name, e-mail or profile is kept.
CREATE TABLE public.forgotten_producer_names (
    normalized_name TEXT PRIMARY KEY CHECK (normalized_name <> ''),
    forgotten_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE public.forgotten_producer_source_ids (
    source TEXT NOT NULL,
    source_id TEXT NOT NULL,
    forgotten_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (source, source_id)
);
REVOKE ALL ON public.forgotten_producer_names, public.forgotten_producer_source_ids FROM PUBLIC;
GRANT SELECT ON public.forgotten_producer_names, public.forgotten_producer_source_ids
  TO discovery_worker, discovery_operator;
