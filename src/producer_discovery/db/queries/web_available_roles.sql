-- The least-privilege roles the web app can switch to: those that exist and that the app's
-- login is a member of (a superuser is a member of every role).
SELECT r.rolname, pg_has_role(current_user, r.oid, 'MEMBER') AS usable
FROM pg_catalog.pg_roles r
WHERE r.rolname = ANY(%(roles)s::TEXT[])
