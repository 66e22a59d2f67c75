-- Identities: one person, one producer row. Three tables (the functions that use them are in
-- definitions/55_identities.sql):
--
-- producer_merges            every merge of two producer rows, automatic (producer
--                            identification, social enrichment) or by an operator: who or what
--                            decided it, on which evidence, when, and a snapshot of the merged
--                            row (its columns, source ids, credits and evidence, and the kept
--                            row's credits it changed) so that unmerge_producers() can undo it.
-- producer_merge_candidates  namesakes from different sources that nothing links nor tells
--                            apart: not merged automatically, listed for an operator.
-- producers_kept_apart       pairs an operator said are two people, for good: neither the
--                            automatic resolution nor an operator merge joins them.
CREATE TABLE public.producer_merges (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kept_id UUID NOT NULL,
    merged_id UUID NOT NULL,
    decided_by TEXT NOT NULL CHECK (decided_by IN ('identification', 'enrichment', 'operator')),
    decided_by_login TEXT NOT NULL DEFAULT session_user,
    reason TEXT CHECK (length(reason) <= 1000),
    evidence JSONB NOT NULL DEFAULT '{}'::JSONB,
    snapshot JSONB NOT NULL,
    merged_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    unmerged_at TIMESTAMPTZ,
    unmerged_by_login TEXT
);
CREATE INDEX producer_merges_kept_idx ON public.producer_merges (kept_id);
CREATE INDEX producer_merges_merged_idx ON public.producer_merges (merged_id);

CREATE TABLE public.producer_merge_candidates (
    producer_a UUID NOT NULL REFERENCES public.producers(id) ON DELETE CASCADE,
    producer_b UUID NOT NULL REFERENCES public.producers(id) ON DELETE CASCADE,
    normalized_name TEXT NOT NULL,
    noticed_by TEXT NOT NULL,
    noticed_on_track UUID,
    noticed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (producer_a, producer_b),
    CHECK (producer_a < producer_b)
);
CREATE INDEX producer_merge_candidates_b_idx ON public.producer_merge_candidates (producer_b);

CREATE TABLE public.producers_kept_apart (
    producer_a UUID NOT NULL REFERENCES public.producers(id) ON DELETE CASCADE,
    producer_b UUID NOT NULL REFERENCES public.producers(id) ON DELETE CASCADE,
    reason TEXT CHECK (length(reason) <= 1000),
    decided_by_login TEXT NOT NULL DEFAULT session_user,
    decided_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (producer_a, producer_b),
    CHECK (producer_a < producer_b)
);
CREATE INDEX producers_kept_apart_b_idx ON public.producers_kept_apart (producer_b);

REVOKE ALL ON public.producer_merges, public.producer_merge_candidates,
  public.producers_kept_apart FROM PUBLIC;
-- The merge log's snapshots hold contact details: the operator only.
GRANT SELECT ON public.producer_merges TO discovery_operator;
GRANT SELECT ON public.producer_merge_candidates, public.producers_kept_apart
  TO discovery_worker, discovery_operator, discovery_reader;
