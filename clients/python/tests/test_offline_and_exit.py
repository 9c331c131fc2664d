"""Offline event files, torch's default run name, environment configuration and the atexit drain."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys

import pytest

from stack import PROJECT, inspect, wait_until
from metrics_client import SummaryWriter, SummaryWriterError


def test_metrics_offline_writes_event_files_tensorboard_reads(tmp_path, monkeypatch):
    monkeypatch.setenv("METRICS_OFFLINE", "1")
    monkeypatch.setenv("METRICS_SERVER", "http://127.0.0.1:1")  # ignored offline
    run_dir = tmp_path / "logs" / "exp1"
    with SummaryWriter(str(run_dir), filename_suffix=".v2") as writer:
        assert writer.offline and writer.get_logdir() == str(run_dir)
        for step in range(20):
            writer.add_scalar("loss", 1.0 / (step + 1), step, walltime=1700000000.0 + step)
        writer.add_text("notes", "hello", 3, walltime=1700000000.0)
    (event_file,) = run_dir.iterdir()
    assert re.fullmatch(r"events\.out\.tfevents\.\d{10}\.%s\.%d\.\d+\.v2" % (re.escape(socket.gethostname()), os.getpid()),
                        event_file.name)
    read = inspect(tmp_path / "logs")
    assert read["runs"] == ["exp1"]
    points = read["scalars"]["scalars"]["exp1"]["loss"]
    assert [p[0] for p in points] == list(range(20))
    assert points[3] == [3, 1700000003.0, 0.25]
    assert read["tensors"]["text"]["exp1"]["notes/text_summary"] == [[3, 1700000000.0, ["hello"]]]


def test_offline_purge_step_is_a_restart_for_tensorboard(tmp_path):
    with SummaryWriter(str(tmp_path / "run"), offline=True) as first:
        for step in range(10):
            first.add_scalar("loss", 1.0, step, walltime=1.0)
    with SummaryWriter(str(tmp_path / "run"), offline=True, purge_step=5) as resumed:
        for step in range(5, 8):
            resumed.add_scalar("loss", 2.0, step, walltime=2.0)
    points = inspect(tmp_path)["scalars"]["scalars"]["run"]["loss"]
    assert [(p[0], p[2]) for p in points] == [(s, 1.0) for s in range(5)] + [(s, 2.0) for s in range(5, 8)]


def test_default_run_name_is_torchs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with SummaryWriter(comment="_lr0.1", offline=True) as writer:
        name = writer.get_logdir()
    assert re.fullmatch(r"runs/[A-Z][a-z]{2}\d{2}_\d{2}-\d{2}-\d{2}_%s_lr0\.1" % re.escape(socket.gethostname()), name)
    assert (tmp_path / name).is_dir()


def test_environment_configuration_and_atexit_drain(stack, tmp_path):
    script = """
from metrics_client import SummaryWriter
w = SummaryWriter("exit/drain")
for step in range(3000):
    w.add_scalar("loss", step, step)
# no close(): the atexit handler drains and waits for the acknowledgements
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith("METRICS_")}
    env.update({"METRICS_SERVER": stack.server, "METRICS_TOKEN": stack.token, "METRICS_PROJECT": PROJECT,
                "XDG_CACHE_HOME": str(tmp_path / "cache")})
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    run_id = stack.query.run_id("exit/drain")
    assert stack.query.scalars(run_id, "loss")["steps"] == list(range(3000))
    assert not list((tmp_path / "cache").rglob("*.seg"))


def test_wrong_project_is_refused(stack, writer_args):
    writer = SummaryWriter("exit/wrong-project", project="someone-else", **writer_args)
    writer.add_scalar("loss", 1.0, 0)
    writer.flush(timeout=0)
    wait_until(lambda: writer.statistics().fault, 30, "the writer to be refused")
    with pytest.raises(SummaryWriterError, match="PERMISSION_DENIED"):
        writer.add_scalar("loss", 1.0, 1)
    writer.close()
