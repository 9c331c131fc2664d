"""examples/python/train_spirals.py against the real stack stores every kind of summary."""

from __future__ import annotations

import os
import subprocess
import sys

from stack import PROJECT, REPO


def test_example_training_job_logs_every_kind(stack, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("METRICS_")}
    env.update({"METRICS_SERVER": stack.server, "METRICS_TOKEN": stack.token, "METRICS_PROJECT": PROJECT,
                "XDG_CACHE_HOME": str(tmp_path)})
    result = subprocess.run([sys.executable, str(REPO / "examples" / "python" / "train_spirals.py"),
                             "--run", "example/spirals", "--steps", "60"], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    run_id = stack.query.run_id("example/spirals")
    tags = stack.query.get(f"/api/v1/runs/{run_id}/tags")
    plugins = {p["plugin_name"]: {t["tag"] for t in p["tags"]} for p in tags["plugins"]}
    assert {"loss/train", "loss/eval", "accuracy/eval"} <= plugins["scalars"]
    assert "weights/dense0/w" in plugins["histograms"]
    assert plugins["images"] == {"decision_boundary"}
    assert plugins["audio"] == {"accuracy_tone"}
    assert {"about/text_summary", "progress/text_summary"} == plugins["text"]
    assert plugins["pr_curves"] == {"eval/pr"}
    assert plugins["graphs"] == {"__run_graph__"}
    assert stack.query.scalars(run_id, "loss/train")["steps"] == list(range(60))
    hparams = stack.query.get(f"/api/v1/runs/{stack.query.run_id('example/spirals/hparams')}")
    assert hparams["hparams"] == {"lr": 0.02, "hidden": 16.0, "optimizer": "adam"}
    assert stack.query.run_id("example/spirals/loss_train")
