-- PostgreSQL lets PUBLIC connect to a new database and create temporary tables in it. Only
-- the project's four group roles (and so the logins that are members of them) may connect;
-- nobody but the admin creates temporary tables.
DO $$
BEGIN
  EXECUTE format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO discovery_owner, discovery_worker, '
                 'discovery_operator, discovery_reader', current_database());
END;
$$;
