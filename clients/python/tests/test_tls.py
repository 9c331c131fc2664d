"""https:// servers: TLS with the roots grpc trusts (here a test CA through GRPC_DEFAULT_SSL_ROOTS_FILE_PATH)."""

from __future__ import annotations

import os
import subprocess
import sys

from stack import PEPPER, PROJECT, Service, dll


def _self_signed(folder):
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


def test_https_server_streams_over_tls(stack, tmp_path):
    cert, key = _self_signed(tmp_path)
    ingest = Service("ingest-tls", dll("services", "ingest", "bin", "Debug", "net10.0", "Metrics.Ingest.dll"),
                     {"METRICS_DATABASE_URL": stack.database.url, "METRICS_TOKEN_PEPPER": PEPPER,
                      "METRICS_TLS_CERT": str(cert), "METRICS_TLS_KEY": str(key)}, tmp_path)
    ingest.start()
    try:
        script = """
from metrics_client import SummaryWriter
with SummaryWriter("tls/run") as w:
    for step in range(100):
        w.add_scalar("loss", step, step)
    w.flush(timeout=60)
    assert w.statistics().acknowledged == w.statistics().last_sequence
"""
        env = {k: v for k, v in os.environ.items() if not k.startswith("METRICS_")}
        env.update({"METRICS_SERVER": f"https://localhost:{ingest.grpc_port}", "METRICS_TOKEN": stack.token,
                    "METRICS_PROJECT": PROJECT, "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH": str(cert),
                    "XDG_CACHE_HOME": str(tmp_path / "cache")})
        result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
    finally:
        ingest.stop()
    run_id = stack.query.run_id("tls/run")
    assert stack.query.scalars(run_id, "loss")["steps"] == list(range(100))
