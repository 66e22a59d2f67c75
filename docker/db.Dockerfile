# PostgreSQL 15 with pg_cron from Debian's packages; pgmq is installed by `producer-discovery
# migrate` (CREATE EXTENSION where present, else the SQL bundled in the pgmq Python package).
FROM postgres:15-bookworm
RUN apt-get update \
 && apt-get install -y --no-install-recommends postgresql-15-cron \
 && rm -rf /var/lib/apt/lists/*
