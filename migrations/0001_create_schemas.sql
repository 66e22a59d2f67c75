-- Schemas and the extensions every later migration relies on.
-- pgmq is installed by the migration runner before this file (CREATE EXTENSION pgmq where the
-- server has it, else the SQL bundled in the `pgmq` Python package); pg_cron by definitions/95_schedules.sql.
CREATE EXTENSION IF NOT EXISTS "uuid-ossp";

CREATE SCHEMA IF NOT EXISTS monitoring;
CREATE SCHEMA IF NOT EXISTS queue_mgmt;
CREATE SCHEMA IF NOT EXISTS idempotency;

COMMENT ON SCHEMA monitoring IS 'Metrics and monitoring data';
COMMENT ON SCHEMA queue_mgmt IS 'Queue management and problematic messages';
COMMENT ON SCHEMA idempotency IS 'Operations already processed, so a redelivered message has its effect once';
