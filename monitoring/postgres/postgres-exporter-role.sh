#!/bin/sh
# The role postgres-exporter signs in as: `postgres_exporter`, a member of pg_monitor (it reads
# the statistics views and settings, and nothing of the application's data), with the password
# POSTGRES_EXPORTER_PASSWORD. The official image's entrypoint runs this when it creates the
# database (docker-compose.production.yml mounts it into /docker-entrypoint-initdb.d); on a
# database that already exists, run it by hand (docs/operations.md, "Monitoring"). Running it again sets
# the password again. The password travels in the environment, never on a command line.
set -eu
: "${POSTGRES_EXPORTER_PASSWORD:?set POSTGRES_EXPORTER_PASSWORD}"
psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'SQL'
\getenv exporter_password POSTGRES_EXPORTER_PASSWORD
SELECT 'CREATE ROLE postgres_exporter'
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'postgres_exporter') \gexec
ALTER ROLE postgres_exporter WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION
  PASSWORD :'exporter_password';
GRANT pg_monitor TO postgres_exporter;
SQL
