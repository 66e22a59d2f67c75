-- Whether this login may read producers' contact details (discovery_operator: yes;
-- discovery_reader: no, migration 0050 grants it every column but email, bio and metadata).
SELECT has_column_privilege('public.producers', 'email', 'SELECT') AS visible
