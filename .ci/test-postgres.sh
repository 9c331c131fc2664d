# Sourced by .ci/run and clients/python/ci.sh: a private PostgreSQL cluster for tests, owned by an
# unprivileged user (PostgreSQL refuses root), on a free loopback port. Installs Debian's
# postgresql with apt-get when its binaries are missing (as root). Exports
# METRICS_TEST_DATABASE_URL; the caller runs stop_test_postgres when done (e.g. in its EXIT trap).

start_test_postgres() {
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    echo "Installing PostgreSQL..."
    [ "$(id -u)" = 0 ] || { echo "PostgreSQL is not installed: sudo apt-get install -y postgresql"; return 1; }
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql \
      || { echo "could not install postgresql"; return 1; }
  fi
  test_pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  test_pgdir=$(mktemp -d /tmp/metrics-test-pg.XXXXXX)
  chmod 755 "$test_pgdir"
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown postgres "$test_pgdir"
  fi
  local port=$((20000 + RANDOM % 30000))
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
  _as_test_pg "$test_pgbin/initdb" -D "$test_pgdir/data" -U postgres --auth=trust -E UTF8 --locale=C >/dev/null || return 1
  _as_test_pg "$test_pgbin/pg_ctl" -D "$test_pgdir/data" -l "$test_pgdir/log" -w -t 60 \
    -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections=400 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=256MB" \
    start >/dev/null || { cat "$test_pgdir/log"; return 1; }
  export METRICS_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
  echo "PostgreSQL for tests: $METRICS_TEST_DATABASE_URL"
}

stop_test_postgres() {
  [ -n "${test_pgdir:-}" ] || return 0
  _as_test_pg "$test_pgbin/pg_ctl" -D "$test_pgdir/data" -m immediate stop >/dev/null 2>&1
  rm -rf "$test_pgdir"
  test_pgdir=""
}

_as_test_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
