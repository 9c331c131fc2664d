#!/bin/sh
# TensorBoard in one of two modes:
# - METRICS_TENSORBOARD_PROVIDER=host:port (the query service's METRICS_TENSORBOARD_PORT): read
#   straight from PostgreSQL through TensorBoard's data-provider gRPC API. TensorBoard's client
#   only talks to loopback (gRPC local credentials), so a forwarder listens on 127.0.0.1:6806.
# - unset: the exporter's logdir, /logdir/${METRICS_PROJECT}.
set -eu
if [ -n "${METRICS_TENSORBOARD_PROVIDER:-}" ]; then
  python /opt/metrics/loopback_forward.py 6806 "${METRICS_TENSORBOARD_PROVIDER}" &
  exec tensorboard --grpc_data_provider=127.0.0.1:6806 --bind_all --port 6006 "$@"
fi
exec tensorboard --logdir "/logdir/${METRICS_PROJECT}" --bind_all --port 6006 "$@"
