#!/bin/sh
# Runs once, when the primary's data volume is first initialised (docker-entrypoint-initdb.d):
# lets streaming standbys in (docker compose --profile ha, docs/operations.md). Without
# POSTGRES_REPLICATION_PASSWORD nothing is created and no standby can connect.
set -eu
if [ -z "${POSTGRES_REPLICATION_PASSWORD:-}" ]; then
  echo "10-replication.sh: POSTGRES_REPLICATION_PASSWORD is empty: no replication role" >&2
  exit 0
fi
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v password="$POSTGRES_REPLICATION_PASSWORD" <<'SQL'
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD :'password';
SQL
echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
