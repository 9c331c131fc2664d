#!/bin/sh
# A streaming standby of the compose primary (docker compose --profile ha, docs/operations.md):
# on an empty volume, cloned with pg_basebackup (-R writes primary_conninfo and standby.signal,
# -C -S a physical replication slot, so the primary keeps the WAL the standby has not received);
# then PostgreSQL starts in hot standby and follows the primary. Arguments go to postgres.
set -eu
: "${POSTGRES_REPLICATION_PASSWORD:?set POSTGRES_REPLICATION_PASSWORD in .env (and on the primary before its first start)}"
: "${PRIMARY_PORT:=5432}"
export PGPASSWORD="$POSTGRES_REPLICATION_PASSWORD"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_isready -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -q; do sleep 1; done
  pg_basebackup -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U replicator -D "$PGDATA" \
    -X stream -R -C -S "$STANDBY_SLOT" --checkpoint=fast
fi
exec postgres -c hot_standby=on -c hot_standby_feedback=on "$@"
