-- Least privilege (docs/database-roles.md).
--
-- Four NOLOGIN group roles, cluster-wide, created idempotently (two databases of one cluster
-- may be migrated at the same moment, so a concurrent CREATE ROLE is tolerated):
--   discovery_owner    owns every object of the project's schemas and of pgmq's; the
--                      SECURITY DEFINER functions run as it. Not a superuser, no login.
--   discovery_worker   what the five stages execute (runtime.py, db/queries/*.sql).
--   discovery_operator what discover, status, health, dlq and producers execute.
--   discovery_reader   the catalogue, producers without contact details, the queue and
--                      health views.
-- Operators grant these to their own logins (the embedded database and docker compose create
-- one login per role: README, "Database roles").
-- Nothing in public, monitoring, queue_mgmt, idempotency or pgmq is granted to PUBLIC any
-- more, and default privileges keep later migrations closed; claim_project_objects() (run by
-- the migration runner after every migration) hands what a later migration creates to
-- discovery_owner.

DO $$
DECLARE
  v_role TEXT;
BEGIN
  FOREACH v_role IN ARRAY ARRAY['discovery_owner', 'discovery_worker', 'discovery_operator',
                                'discovery_reader']
  LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = v_role) THEN
      BEGIN
        EXECUTE format('CREATE ROLE %I NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS',
                       v_role);
      EXCEPTION WHEN duplicate_object OR unique_violation THEN
        NULL;  -- another database of this cluster created it a moment ago
      END;
    ELSIF EXISTS (SELECT 1 FROM pg_catalog.pg_roles
                  WHERE rolname = v_role
                    AND (rolcanlogin OR rolsuper OR rolcreaterole OR rolcreatedb OR rolbypassrls))
    THEN
      EXECUTE format('ALTER ROLE %I NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS',
                     v_role);
    END IF;
  END LOOP;
  -- A non-superuser admin (a managed database's) must be a member to hand objects over.
  IF NOT (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user)
     AND NOT pg_catalog.pg_has_role(current_user, 'discovery_owner', 'MEMBER') THEN
    EXECUTE format('GRANT discovery_owner TO %I', current_user);
  END IF;
END;
$$;

-- PUBLIC keeps nothing. PostgreSQL 15 gives PUBLIC USAGE on schema public, EXECUTE on every
-- new function, and pgmq's installer does not restrict its schema's contents.
REVOKE ALL ON SCHEMA public FROM PUBLIC;
DO $$
DECLARE
  v_schema TEXT;
BEGIN
  FOREACH v_schema IN ARRAY ARRAY['public', 'monitoring', 'queue_mgmt', 'idempotency', 'pgmq'] LOOP
    EXECUTE format('REVOKE ALL ON SCHEMA %I FROM PUBLIC', v_schema);
    EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA %I FROM PUBLIC', v_schema);
    EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA %I FROM PUBLIC', v_schema);
    EXECUTE format('REVOKE ALL ON ALL FUNCTIONS IN SCHEMA %I FROM PUBLIC', v_schema);
  END LOOP;
END;
$$;
-- Later migrations (run by this admin, or as discovery_owner) create nothing PUBLIC can run.
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
ALTER DEFAULT PRIVILEGES FOR ROLE discovery_owner REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
-- A queue this admin creates by hand (SELECT pgmq.create('…') in psql) is usable at once by
-- the SECURITY DEFINER functions, which run as discovery_owner; the stage roles get it from
-- SELECT grant_queue_privileges().
ALTER DEFAULT PRIVILEGES IN SCHEMA pgmq GRANT ALL ON TABLES TO discovery_owner;
ALTER DEFAULT PRIVILEGES IN SCHEMA pgmq GRANT ALL ON SEQUENCES TO discovery_owner;

-- uuid-ossp's uuid_generate_v4() is the default of the catalogue's ids.
GRANT EXECUTE ON FUNCTION public.uuid_generate_v4() TO discovery_owner, discovery_worker;

GRANT USAGE ON SCHEMA public, monitoring, queue_mgmt, idempotency, pgmq
  TO discovery_owner, discovery_worker, discovery_operator;
GRANT USAGE ON SCHEMA public, monitoring TO discovery_reader;

GRANT SELECT, INSERT, UPDATE ON public.artists, public.albums, public.producers,
  public.api_response_cache TO discovery_worker;
GRANT SELECT ON public.tracks, public.normalized_tracks TO discovery_worker;
GRANT SELECT, INSERT ON public.producer_source_ids TO discovery_worker;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.track_producers, public.track_producer_evidence
  TO discovery_worker;
-- producer_refresh_enrichment.sql reopens a producer's social_enrichment status.
GRANT SELECT, UPDATE ON public.processing_status TO discovery_worker;
GRANT INSERT ON monitoring.pipeline_metrics TO discovery_worker;
GRANT INSERT ON queue_mgmt.problematic_messages TO discovery_worker;
GRANT USAGE ON SEQUENCE queue_mgmt.problematic_messages_id_seq TO discovery_worker;
GRANT SELECT ON idempotency.processed_operations TO discovery_worker;

-- The pgmq functions the runtime calls (pgmq's PGMQueue: read, send, send_batch, archive,
-- set_vt, delete; metrics for drain and run) and the helpers they call as the caller.
-- Not create*, drop_queue, purge_queue, pop, *_notify_insert, topics.
DO $$
DECLARE
  v_function REGPROCEDURE;
BEGIN
  FOR v_function IN
    SELECT p.oid::regprocedure FROM pg_proc p
    WHERE p.pronamespace = 'pgmq'::regnamespace
      AND p.proname IN ('read', 'send', 'send_batch', '_send_batch', '_validate_batch_params',
                        'archive', 'set_vt', 'delete', 'metrics', 'metrics_all', 'list_queues',
                        'format_table_name')
  LOOP
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO discovery_worker', v_function);
  END LOOP;
  FOR v_function IN
    SELECT p.oid::regprocedure FROM pg_proc p
    WHERE p.pronamespace = 'pgmq'::regnamespace
      AND p.proname IN ('metrics', 'metrics_all', 'list_queues', 'format_table_name')
  LOOP
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO discovery_operator', v_function);
  END LOOP;
END;
$$;
-- Reads everything (contact details included); writes nothing of the catalogue.
GRANT SELECT ON ALL TABLES IN SCHEMA public, monitoring, queue_mgmt, idempotency
  TO discovery_operator;
REVOKE SELECT ON public.schema_migrations FROM discovery_operator;
GRANT SELECT ON public.artists, public.albums, public.tracks, public.normalized_tracks,
  public.track_producers, public.track_producer_evidence, public.producer_source_ids
TO discovery_reader;
-- Producers without contact details: email, instagram_bio and metadata (which carries the
-- social profiles and their bios) are not granted.
GRANT SELECT (id, name, normalized_name, image_url, instagram_handle, enriched_at,
              enrichment_failed, enrichment_queued_at, created_at, updated_at)
  ON public.producers TO discovery_reader;
