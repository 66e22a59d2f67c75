-- Producer identity, credit evidence and the shared API response cache.

-- Departure from the spec: producers.normalized_name was UNIQUE, but two different people can
-- share a name ("Alex Kim" the Seoul producer and "Alex Kim" the Glasgow one have different
-- Genius ids and MBIDs). Identity is by source ids first (producer_source_ids), then by the
-- normalized name; the name keeps a plain index for that lookup.
ALTER TABLE public.producers DROP CONSTRAINT producers_normalized_name_key;
CREATE INDEX producers_normalized_name_idx ON public.producers (normalized_name);

-- One row per (source, id) a producer is known by: Genius artist id, MusicBrainz MBID,
-- Discogs artist id. The primary key makes one source id name one producer.
CREATE TABLE public.producer_source_ids (
    source TEXT NOT NULL CHECK (source IN ('genius', 'musicbrainz', 'discogs')),
    source_id TEXT NOT NULL,
    producer_id UUID NOT NULL REFERENCES public.producers(id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (source, source_id)
);
CREATE INDEX producer_source_ids_producer_idx ON public.producer_source_ids (producer_id);

-- A credit's fused roles and when it was last recomputed (re-running a track updates it).
ALTER TABLE public.track_producers
    ADD COLUMN roles TEXT[] NOT NULL DEFAULT '{}',
    ADD COLUMN updated_at TIMESTAMPTZ DEFAULT now();

-- Why a credit exists: one row per source that credited the producer on the track.
CREATE TABLE public.track_producer_evidence (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    track_id UUID NOT NULL REFERENCES public.tracks(id) ON DELETE CASCADE,
    producer_id UUID NOT NULL REFERENCES public.producers(id) ON DELETE CASCADE,
    source TEXT NOT NULL,
    source_id TEXT,
    role TEXT NOT NULL,
    role_label TEXT,
    attributes JSONB NOT NULL DEFAULT '[]'::jsonb,
    confidence NUMERIC NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (track_id, producer_id, source, role)
);
CREATE INDEX track_producer_evidence_producer_idx ON public.track_producer_evidence (producer_id);

-- API responses shared by every process and re-run: the other tracks of an album, another
-- worker, tomorrow's refresh. Keyed by API and resource (path + query), with a TTL.
CREATE TABLE public.api_response_cache (
    api TEXT NOT NULL,
    resource TEXT NOT NULL,
    response JSONB NOT NULL,
    fetched_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (api, resource)
);
CREATE INDEX api_response_cache_expires_idx ON public.api_response_cache (expires_at);
