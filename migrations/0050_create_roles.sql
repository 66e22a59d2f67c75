-- Least privilege (interface.md, "Database roles").
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

-- Hands every object of the project's schemas and of pgmq's to discovery_owner and takes
-- EXECUTE on functions away from PUBLIC. Objects that belong to an extension (uuid-ossp in
-- public; pgmq where it is installed as an extension) keep their owner: discovery_owner is
-- granted what it needs on them instead. Safe to run again; the migration runner runs it after
-- every migration, so what a later migration creates belongs to discovery_owner too.
CREATE OR REPLACE FUNCTION public.claim_project_objects()
RETURNS INTEGER
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_schemas TEXT[] := ARRAY['public', 'monitoring', 'queue_mgmt', 'idempotency', 'pgmq'];
  v_owner OID := 'discovery_owner'::regrole;
  v_object RECORD;
  v_count INTEGER := 0;
BEGIN
  FOR v_object IN
    SELECT n.nspname FROM pg_namespace n
    WHERE n.nspname = ANY(v_schemas) AND n.nspname <> 'public' AND n.nspowner <> v_owner
  LOOP
    EXECUTE format('ALTER SCHEMA %I OWNER TO discovery_owner', v_object.nspname);
    v_count := v_count + 1;
  END LOOP;

  -- Tables, views and composite types first: their owned sequences, indexes and row types
  -- follow them; then whatever sequences remain.
  FOR v_object IN
    SELECT c.oid, c.relkind, n.nspname, c.relname
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ANY(v_schemas) AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'c', 'S')
      AND NOT EXISTS (SELECT 1 FROM pg_depend d
                      WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                        AND d.deptype = 'e')
    ORDER BY (c.relkind = 'S'), c.oid
  LOOP
    CONTINUE WHEN (SELECT relowner FROM pg_class WHERE oid = v_object.oid) = v_owner;
    IF v_object.relkind = 'c' THEN
      EXECUTE format('ALTER TYPE %I.%I OWNER TO discovery_owner', v_object.nspname, v_object.relname);
    ELSIF v_object.relkind = 'S' THEN
      EXECUTE format('ALTER SEQUENCE %I.%I OWNER TO discovery_owner', v_object.nspname, v_object.relname);
    ELSIF v_object.relkind IN ('v', 'm') THEN
      EXECUTE format('ALTER %s %I.%I OWNER TO discovery_owner',
                     CASE v_object.relkind WHEN 'v' THEN 'VIEW' ELSE 'MATERIALIZED VIEW' END,
                     v_object.nspname, v_object.relname);
    ELSE
      EXECUTE format('ALTER TABLE %I.%I OWNER TO discovery_owner', v_object.nspname, v_object.relname);
    END IF;
    v_count := v_count + 1;
  END LOOP;

  FOR v_object IN
    SELECT p.oid, p.prokind, p.proowner,
           EXISTS (SELECT 1 FROM pg_depend d
                   WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
             AS in_extension
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = ANY(v_schemas)
  LOOP
    IF NOT v_object.in_extension AND v_object.proowner <> v_owner THEN
      EXECUTE format('ALTER %s %s OWNER TO discovery_owner',
                     CASE v_object.prokind WHEN 'a' THEN 'AGGREGATE' WHEN 'p' THEN 'PROCEDURE'
                                           ELSE 'FUNCTION' END,
                     v_object.oid::regprocedure);
      v_count := v_count + 1;
    END IF;
    IF v_object.prokind <> 'a' THEN
      EXECUTE format('REVOKE ALL ON %s %s FROM PUBLIC',
                     CASE v_object.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END,
                     v_object.oid::regprocedure);
    END IF;
    IF v_object.in_extension THEN
      EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO discovery_owner', v_object.oid::regprocedure);
    END IF;
  END LOOP;

  -- pgmq installed as an extension: its tables stay the extension's; discovery_owner may use
  -- them all (the SECURITY DEFINER functions read and move messages).
  FOR v_object IN
    SELECT n.nspname, c.relname, c.relkind
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ANY(v_schemas) AND c.relkind IN ('r', 'p', 'v', 'S')
      AND EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
  LOOP
    EXECUTE format('GRANT ALL ON %s %I.%I TO discovery_owner',
                   CASE WHEN v_object.relkind = 'S' THEN 'SEQUENCE' ELSE 'TABLE' END,
                   v_object.nspname, v_object.relname);
  END LOOP;
  RETURN v_count;
END;
$$;
REVOKE ALL ON FUNCTION public.claim_project_objects() FROM PUBLIC;

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

SELECT public.claim_project_objects();

-- pgmq's insert-notification trigger updates pgmq.notify_insert_throttle; it runs as its
-- owner so that a role allowed to send need not be allowed to change the throttle table.
-- (A trigger function cannot be called directly.)
ALTER FUNCTION pgmq.notify_queue_listeners() SECURITY DEFINER;
ALTER FUNCTION pgmq.notify_queue_listeners() SET search_path = pg_catalog, pgmq, pg_temp;

-- uuid-ossp's uuid_generate_v4() is the default of the catalogue's ids.
GRANT EXECUTE ON FUNCTION public.uuid_generate_v4() TO discovery_owner, discovery_worker;

GRANT USAGE ON SCHEMA public, monitoring, queue_mgmt, idempotency, pgmq
  TO discovery_owner, discovery_worker, discovery_operator;
GRANT USAGE ON SCHEMA public, monitoring TO discovery_reader;

-- discovery_worker -----------------------------------------------------------------------
GRANT EXECUTE ON FUNCTION
  public.validate_queue_message(TEXT, JSONB),
  public.acquire_processing_lock(TEXT, TEXT, INT, TEXT, TEXT, INT),
  public.heartbeat_processing_lock(TEXT, TEXT, TEXT),
  public.finish_processing(TEXT, TEXT, TEXT, TEXT, TEXT, JSONB, BOOLEAN),
  public.complete_message(TEXT, BIGINT, TEXT, TEXT, TEXT, TEXT, JSONB, JSONB),
  public.dead_letter_message(TEXT, BIGINT, TEXT, TEXT, TEXT, TEXT, JSONB),
  public.take_api_token(TEXT, DOUBLE PRECISION, DOUBLE PRECISION),
  public.pause_api(TEXT, DOUBLE PRECISION, TEXT),
  public.process_track_batch(JSONB[], UUID, UUID),
  public.merge_producers(UUID, UUID)
TO discovery_worker;

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

-- Queue tables: a stage reads, hides, archives and deletes its own messages and sends to the
-- next stage; metrics read every queue (pgmq.metrics_all). pgmq's functions run as their
-- caller, so archive() needs INSERT on the stage's archive table. Dead-lettering goes through
-- dead_letter_message(), so no role but the owner writes a _dlq queue.
-- grant_queue_privileges() is run again by any migration that creates a queue.
CREATE OR REPLACE FUNCTION public.grant_queue_privileges()
RETURNS INTEGER
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_queue TEXT;
  v_count INTEGER := 0;
BEGIN
  GRANT SELECT ON pgmq.meta TO discovery_worker, discovery_operator;
  FOR v_queue IN SELECT m.queue_name FROM pgmq.meta m ORDER BY m.queue_name LOOP
    EXECUTE format('GRANT SELECT ON pgmq.%I, pgmq.%I TO discovery_worker, discovery_operator',
                   'q_' || v_queue, 'q_' || v_queue || '_msg_id_seq');
    EXECUTE format('GRANT SELECT ON pgmq.%I TO discovery_operator', 'a_' || v_queue);
    IF v_queue NOT LIKE '%\_dlq' THEN
      EXECUTE format('GRANT INSERT, UPDATE, DELETE ON pgmq.%I TO discovery_worker', 'q_' || v_queue);
      EXECUTE format('GRANT USAGE ON SEQUENCE pgmq.%I TO discovery_worker', 'q_' || v_queue || '_msg_id_seq');
      -- archive() inserts and returns msg_id
      EXECUTE format('GRANT SELECT, INSERT ON pgmq.%I TO discovery_worker', 'a_' || v_queue);
    END IF;
    v_count := v_count + 1;
  END LOOP;
  RETURN v_count;
END;
$$;
REVOKE ALL ON FUNCTION public.grant_queue_privileges() FROM PUBLIC;
SELECT public.grant_queue_privileges();

-- discovery_operator ---------------------------------------------------------------------
GRANT EXECUTE ON FUNCTION
  public.start_artist_discovery(TEXT),
  public.start_bulk_artist_discovery(TEXT, INTEGER, INTEGER),
  public.get_system_health(),
  public.get_processing_stats(),
  public.get_worker_issue_stats(),
  public.find_inconsistent_states(),
  public.get_dlq_messages(),
  public.reset_entity_processing_state(TEXT, INTEGER),
  public.cleanup_stale_locks(INTEGER),
  public.maintenance_clear_stale_entities(),
  public.monitor_queues(),
  public.purge_old_monitoring_events(INTEGER),
  public.purge_expired_api_cache(),
  public.requeue_producer_enrichment(INTEGER),
  monitoring.aggregate_hourly_metrics(INTEGER),
  monitoring.aggregate_daily_metrics(INTEGER)
TO discovery_operator;
-- Reads everything (contact details included); writes nothing of the catalogue.
GRANT SELECT ON ALL TABLES IN SCHEMA public, monitoring, queue_mgmt, idempotency
  TO discovery_operator;
REVOKE SELECT ON public.schema_migrations FROM discovery_operator;

-- discovery_reader -----------------------------------------------------------------------
GRANT EXECUTE ON FUNCTION
  public.get_system_health(),
  public.get_processing_stats(),
  public.get_worker_issue_stats()
TO discovery_reader;
GRANT SELECT ON public.artists, public.albums, public.tracks, public.normalized_tracks,
  public.track_producers, public.track_producer_evidence, public.producer_source_ids,
  public.producer_popularity, public.queue_monitoring_view, monitoring.api_metrics
TO discovery_reader;
-- Producers without contact details: email, instagram_bio and metadata (which carries the
-- social profiles and their bios) are not granted.
GRANT SELECT (id, name, normalized_name, image_url, instagram_handle, enriched_at,
              enrichment_failed, enrichment_queued_at, created_at, updated_at)
  ON public.producers TO discovery_reader;
