#!/usr/bin/env bash
# Container HEALTHCHECK for the Metrics services. The aspnet base image has neither curl nor
# wget, so this speaks just enough HTTP/1.1 over bash's /dev/tcp: healthy = GET <path> -> 200.
# Plain HTTP only: with METRICS_TLS_CERT set, rely on the orchestrator's probes instead
# (see docs/operations.md). Usage: healthcheck.sh DEFAULT_PORT [PATH]
set -euo pipefail
port="${METRICS_HTTP_PORT:-${1:?usage: healthcheck.sh DEFAULT_PORT [PATH]}}"
path="${2:-/health/ready}"
exec 3<>"/dev/tcp/127.0.0.1/${port}"
printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n' "${path}" "${port}" >&3
IFS= read -r -t 5 status <&3
[[ "${status}" == HTTP/1.?" 200 "* ]]
