#!/usr/bin/env bash
# The Python SDK's tests: installs Debian's python3 packages when missing, builds the .NET
# processes the tests start (ingest, query, the metrics CLI) when absent, makes a venv with the
# SDK installed, and runs pytest. The database comes from METRICS_TEST_DATABASE_URL (what .ci/run
# exports), else a private PostgreSQL cluster this script starts and stops (.ci/test-postgres.sh).
# Usage: bash clients/python/ci.sh [pytest arguments...]
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
python=/usr/bin/python3

missing=()
"$python" -c 'import grpc' 2>/dev/null || missing+=(python3-grpcio)
"$python" -c 'import google.protobuf' 2>/dev/null || missing+=(python3-protobuf)
"$python" -c 'import numpy' 2>/dev/null || missing+=(python3-numpy)
"$python" -c 'import pytest' 2>/dev/null || missing+=(python3-pytest)
"$python" -c 'import matplotlib' 2>/dev/null || missing+=(python3-matplotlib)  # add_figure's test
"$python" -c 'import ensurepip' 2>/dev/null || missing+=(python3-venv)
# pip builds the package offline (--no-build-isolation) with the system's setuptools and wheel.
"$python" -c 'import setuptools' 2>/dev/null || missing+=(python3-setuptools)
"$python" -c 'import wheel' 2>/dev/null || missing+=(python3-wheel)
command -v protoc >/dev/null 2>&1 || missing+=(protobuf-compiler)
# protoc's well-known types (google/protobuf/struct.proto, imported by the hparams proto) come
# with libprotobuf-dev, which protobuf-compiler only recommends.
[ -f /usr/include/google/protobuf/struct.proto ] || missing+=(libprotobuf-dev)
command -v psql >/dev/null 2>&1 || missing+=(postgresql-client)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "Installing ${missing[*]}..."
  if [ "$(id -u)" = 0 ]; then sudo=(); else sudo=(sudo); fi
  "${sudo[@]}" apt-get update -qq && DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    || { echo "could not install ${missing[*]}"; exit 1; }
fi

# The processes the tests start (dotnet test Metrics.sln builds them too; build what is absent).
build() {
  [ -f "$root/$2" ] || dotnet build "$root/$1" -c Debug -v q -nologo || { echo "could not build $1"; exit 1; }
}
build services/ingest/Metrics.Ingest.csproj services/ingest/bin/Debug/net10.0/Metrics.Ingest.dll
build services/query/Metrics.Query.csproj services/query/bin/Debug/net10.0/Metrics.Query.dll
build src/Metrics.Cli/Metrics.Cli.csproj src/Metrics.Cli/bin/Debug/net10.0/metrics.dll

if [ -z "${METRICS_TEST_DATABASE_URL:-}" ]; then
  . "$root/.ci/test-postgres.sh"
  start_test_postgres || exit 1
fi
venv="$(mktemp -d "${TMPDIR:-/tmp}/metrics-python-ci.XXXXXX")"
trap 'rm -rf "$venv"; [ -z "${test_pgdir:-}" ] || stop_test_postgres' EXIT
"$python" -m venv --system-site-packages "$venv/venv" || exit 1
# Build in a copy: pip's setuptools build leaves build/ and *.egg-info beside the sources.
cp -r "$here" "$venv/src"
rm -rf "$venv/src/build" "$venv/src/src/"*.egg-info
"$venv/venv/bin/pip" install -q --no-build-isolation --no-index --no-deps "$venv/src" || exit 1
cd "$here" && "$venv/venv/bin/python" -m pytest -p no:cacheprovider "$@"
