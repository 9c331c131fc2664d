"""Real ingest and query processes on loopback against a real PostgreSQL, for the tests.

The database comes from METRICS_TEST_DATABASE_URL (a superuser URL: what .ci/run and ci.sh export). Each test session creates its own database and drops it after.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Callable, Optional

REPO = Path(__file__).resolve().parents[3]
PEPPER = "python-sdk-tests-pepper-0123456789"
PROJECT = "pytest"


def wait_until(condition: Callable[[], Any], timeout: float, what: str, interval: float = 0.05) -> Any:
    """Polls ``condition`` until it returns something truthy; TimeoutError naming ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dll(*parts: str) -> Path:
    path = REPO.joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: build it first (bash clients/python/ci.sh builds what the tests need)")
    return path


def cli_dll() -> Path:
    return dll("src", "Metrics.Cli", "bin", "Debug", "net10.0", "metrics.dll")


def run_cli(*args: str, env: Optional[dict] = None, timeout: float = 300) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("METRICS_")}
    clean.update(env or {})
    result = subprocess.run(["dotnet", str(cli_dll()), *args], env=clean, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"metrics {' '.join(args)} failed ({result.returncode}): {result.stdout}\n{result.stderr}")
    return result


def _psql(url: str, sql: str) -> str:
    result = subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-At", "-c", sql], capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        raise RuntimeError(f"psql failed: {result.stderr}")
    return result.stdout


class Database:
    def __init__(self) -> None:
        self.admin_url = os.environ.get("METRICS_TEST_DATABASE_URL", "")
        if not self.admin_url:
            raise RuntimeError("METRICS_TEST_DATABASE_URL is not set: run `bash clients/python/ci.sh`, which starts a private PostgreSQL")
        self.name = "pysdk_" + uuid.uuid4().hex[:10]
        _psql(self.admin_url, f"CREATE DATABASE {self.name}")
        parsed = urllib.parse.urlsplit(self.admin_url)
        self.url = urllib.parse.urlunsplit(parsed._replace(path="/" + self.name))
        run_cli("db", "migrate", "--database-url", self.url)

    def query(self, sql: str) -> str:
        return _psql(self.url, sql)

    def drop(self) -> None:
        _psql(self.admin_url, f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")


class Service:
    """One service process (``dotnet <dll>``), restartable on the same ports."""

    def __init__(self, name: str, assembly: Path, env: dict, log_dir: Path) -> None:
        self.name = name
        self.assembly = assembly
        self.grpc_port = free_port()
        self.http_port = free_port()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("METRICS_")}
        self.env.update(env)
        self.env.update({
            "METRICS_GRPC_PORT": str(self.grpc_port),
            "METRICS_HTTP_PORT": str(self.http_port),
            "METRICS_LISTEN": "loopback",
            "DOTNET_ENVIRONMENT": "Production",
            "Logging__LogLevel__Default": "Warning",
        })
        self.log_path = log_dir / f"{name}-{self.http_port}.log"
        self.process: Optional[subprocess.Popen] = None

    def start(self) -> None:
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(["dotnet", str(self.assembly)], env=self.env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        wait_until(self._ready, 120, f"{self.name} to answer /health/ready")

    def _ready(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"{self.name} exited: {self.log_path.read_text(errors='replace')[-4000:]}")
        tls = "METRICS_TLS_CERT" in self.env
        context = ssl._create_unverified_context() if tls else None  # only asks "is it up?"
        url = f"{'https' if tls else 'http'}://127.0.0.1:{self.http_port}/health/ready"
        try:
            with urllib.request.urlopen(url, timeout=2, context=context) as response:
                return response.status == 200
        except (urllib.error.URLError, ConnectionError, OSError):
            return False

    def kill9(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(30)
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(30)
        self.process = None


class Query:
    """A small client of the REST API."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url
        self.token = token

    def get(self, path: str, **params: Any) -> Any:
        # "-0" is a float -0.0 (a scalar value), not the integer 0.
        return json.loads(self.get_bytes(path, **params), parse_int=lambda s: -0.0 if s == "-0" else int(s))

    def get_bytes(self, path: str, **params: Any) -> bytes:
        query = urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
        request = urllib.request.Request(self.url + path + ("?" + query if query else ""),
                                         headers={"Authorization": f"Bearer {self.token}"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.read()

    def run(self, name: str) -> Optional[dict]:
        runs = self.get(f"/api/v1/projects/{PROJECT}/runs", name=name)["runs"]
        return runs[0] if runs else None

    def run_id(self, name: str) -> int:
        run = wait_until(lambda: self.run(name), 30, f"run {name}")
        return run["run_id"]

    def scalars(self, run_id: int, tag: str) -> dict:
        return self.get(f"/api/v1/runs/{run_id}/scalars", tag=tag, mode="all")

    def tensors(self, run_id: int, tag: str) -> dict:
        return self.get(f"/api/v1/runs/{run_id}/tensors", tag=tag, max_points=10000)

    def blobs(self, run_id: int, tag: str) -> dict:
        return self.get(f"/api/v1/runs/{run_id}/blobs", tag=tag, max_points=10000)


class Stack:
    """PostgreSQL database + ingest + query, with an admin token of project ``pytest``."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.database = Database()
        try:
            env = {"METRICS_DATABASE_URL": self.database.url, "METRICS_TOKEN_PEPPER": PEPPER}
            self.token = run_cli("token", "create", "--project", PROJECT, "--scope", "admin", env=env).stdout.strip()
            self.ingest = Service("ingest", dll("services", "ingest", "bin", "Debug", "net10.0", "Metrics.Ingest.dll"),
                                  {**env, "METRICS_TOKEN_CACHE_SECONDS": "0"}, work)
            self.query_service = Service("query", dll("services", "query", "bin", "Debug", "net10.0", "Metrics.Query.dll"),
                                         {**env, "METRICS_RATE_LIMIT_PER_SECOND": "100000",
                                          "METRICS_RATE_LIMIT_BURST": "100000"}, work)
            self.ingest.start()
            self.query_service.start()
        except BaseException:
            self.close()
            raise
        self.server = f"http://127.0.0.1:{self.ingest.grpc_port}"
        self.query_url = f"http://127.0.0.1:{self.query_service.http_port}"
        self.query = Query(self.query_url, self.token)

    def cli_env(self) -> dict:
        return {"METRICS_QUERY": self.query_url, "METRICS_TOKEN": self.token, "METRICS_PROJECT": PROJECT}

    def export(self, run: str, out: Path) -> Path:
        run_cli("export", "--query", self.query_url, "--token", self.token, "--project", PROJECT, "--run", run, "--out", str(out))
        return out

    def close(self) -> None:
        for service in (getattr(self, "ingest", None), getattr(self, "query_service", None)):
            if service is not None:
                service.stop()
        self.database.drop()


def inspect(logdir: Path) -> dict:
    """``metrics logdir inspect --json``: what TensorBoard reads from a logdir."""
    return json.loads(run_cli("logdir", "inspect", str(logdir), "--json").stdout)
