-- Ownership and the privileges that follow it. The migration runner calls both functions after
-- every run that applied anything: claim_project_objects() hands what was created to
-- discovery_owner (the role SECURITY DEFINER functions run as) and takes EXECUTE away from
-- PUBLIC; grant_queue_privileges() grants every queue's tables to the stage and operator roles.
-- (Every file in this folder holds the one current definition of what it names: it is
-- re-applied whenever it changes; see producer_discovery/db/migrate.py.)

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

-- pgmq's insert-notification trigger updates pgmq.notify_insert_throttle; it runs as its
-- owner so that a role allowed to send need not be allowed to change the throttle table.
-- (A trigger function cannot be called directly.)
ALTER FUNCTION pgmq.notify_queue_listeners() SECURITY DEFINER;
ALTER FUNCTION pgmq.notify_queue_listeners() SET search_path = pg_catalog, pgmq, pg_temp;
