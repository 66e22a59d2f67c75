-- The web's search (0060) calls pg_trgm and unaccent from public.search_key, which is inlined
-- into the name indexes of artists and producers: every role that writes or searches those
-- names needs EXECUTE on the two extensions' functions, which 0050's closed defaults (nothing
-- for PUBLIC) do not give. Granted by name to the project's roles only, never to PUBLIC.
DO $$
DECLARE
  v_function REGPROCEDURE;
BEGIN
  FOR v_function IN
    SELECT p.oid::REGPROCEDURE
    FROM pg_depend d
    JOIN pg_extension e ON e.oid = d.refobjid AND d.refclassid = 'pg_extension'::REGCLASS
    JOIN pg_proc p ON p.oid = d.objid AND d.classid = 'pg_proc'::REGCLASS
    WHERE e.extname IN ('pg_trgm', 'unaccent')
  LOOP
    EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', v_function);
    EXECUTE format(
      'GRANT EXECUTE ON FUNCTION %s TO discovery_owner, discovery_worker, discovery_operator, '
      'discovery_reader', v_function);
  END LOOP;
END;
$$;
