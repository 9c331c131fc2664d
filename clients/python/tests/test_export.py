"""What Metrics exports for a run logged with the SDK reads in TensorBoard as the event files of
torch's writer for the same calls (the SDK's offline mode writes those files), and as the reference
fixture for the inputs of tests/fixtures/tensorboard/generators/basic.py."""

from __future__ import annotations

import copy
import json
import math

import numpy as np

from stack import REPO, inspect
from metrics_client import SummaryWriter
from metrics_client._proto.tensorboard import (graph_pb2, plugin_image_pb2, plugin_text_pb2, summary_pb2,
                                               tensor_pb2, tensor_shape_pb2, types_pb2)

FIXTURES = REPO / "tests" / "fixtures" / "tensorboard"
WALL = 1700000000.0


def _log_every_kind(writer: SummaryWriter) -> None:
    rng = np.random.default_rng(11)
    graph = graph_pb2.GraphDef()
    graph.node.add(name="x", op="Placeholder")
    graph.node.add(name="y", op="Sigmoid", input=["x"])
    writer.add_graph(graph, walltime=WALL)
    for step in range(40):
        wall = WALL + step
        writer.add_scalar("loss", math.exp(-step / 10) if step != 7 else math.nan, step, walltime=wall)
        writer.add_scalar("loss_v2", 1.0 / (step + 1), step, walltime=wall, new_style=True)
        writer.add_scalars("acc", {"train": step / 40, "eval": step / 50}, step, walltime=wall)
        if step % 10 == 0:
            writer.add_histogram("weights", rng.normal(step / 10, 1.0, 300), step, walltime=wall)
            writer.add_histogram("weights_auto", rng.normal(0, 1.0, 300), step, bins="auto", walltime=wall)
            writer.add_image("boundary", rng.random((3, 8, 8)), step, walltime=wall)
            writer.add_images("batch", rng.random((3, 1, 4, 4)), step, walltime=wall)
            writer.add_audio("clip", np.sin(np.linspace(0, 20, 400)) * 0.5, step, sample_rate=4000, walltime=wall)
            writer.add_text("notes", f"step {step} **ok** 学习", step, walltime=wall)
            writer.add_pr_curve("pr", rng.integers(0, 2, 50), rng.random(50), step, num_thresholds=20, walltime=wall)
    writer.add_hparams({"lr": 0.01, "optimizer": "adam"}, {"hparam/accuracy": 0.9}, run_name="hp")
    writer.add_custom_scalars({"acc": {"both": ["Multiline", ["acc/train", "acc/eval"]]}})


def _only_runs(json_doc: dict, prefix: str, drop_plugins=()) -> dict:
    """The part of a ``logdir inspect --json`` document under run ``prefix``, with run names relative to it
    and the wall times of the hparams sub-run zeroed (they are the time of the call)."""
    out = {"runs": sorted(r[len(prefix):] for r in json_doc["runs"] if r.startswith(prefix))}
    for kind in ("scalars", "tensors", "blobs"):
        out[kind] = {}
        for plugin, runs in json_doc.get(kind, {}).items():
            if plugin in drop_plugins:
                continue
            kept = {r[len(prefix):]: tags for r, tags in runs.items() if r.startswith(prefix)}
            if kept:
                out[kind][plugin] = copy.deepcopy(kept)
    for kind in ("scalars", "tensors", "blobs"):
        for runs in out[kind].values():
            for run, tags in runs.items():
                if run.endswith("/hp"):  # add_hparams has no walltime argument
                    for points in tags.values():
                        for point in points:
                            point[1] = 0.0
    out["graphs"] = {r[len(prefix):]: n for r, n in json_doc.get("graphs", {}).items() if r.startswith(prefix)}
    out["plugins"] = sorted({p for kind in ("scalars", "tensors", "blobs") for p in out[kind]} | ({"graphs"} if out["graphs"] else set()))
    return out


def test_export_reads_as_torchs_event_files_for_the_same_calls(stack, writer_args, tmp_path):
    offline_root = tmp_path / "offline"
    with SummaryWriter(str(offline_root / "cmp" / "run"), offline=True) as offline:
        _log_every_kind(offline)
    with SummaryWriter("cmp/run", **writer_args) as online:
        _log_every_kind(online)
    out = tmp_path / "export"
    for run in ("cmp/run", "cmp/run/acc_train", "cmp/run/acc_eval", "cmp/run/hp"):
        stack.export(run, out)
    exported = inspect(out)
    written = inspect(offline_root)
    # Offline, custom_scalars has no data class and TensorBoard's data provider skips it; online the
    # layout is stored as a tensor so the exported run keeps it.
    assert exported["tensors"]["custom_scalars"]["cmp/run"]["custom_scalars__config__"]
    got = _only_runs(exported, "cmp/run", drop_plugins={"custom_scalars"})
    expected = _only_runs(written, "cmp/run")
    assert got["runs"] == ["", "/acc_eval", "/acc_train", "/hp"]
    assert set(got["plugins"]) >= {"scalars", "histograms", "images", "audio", "text", "pr_curves", "hparams", "graphs"}
    for kind in ("scalars", "tensors", "blobs"):
        assert got[kind].keys() == expected[kind].keys(), kind
        for plugin in got[kind]:
            assert json.dumps(got[kind][plugin], sort_keys=True) == json.dumps(expected[kind][plugin], sort_keys=True), (kind, plugin)
    assert got["graphs"] == expected["graphs"] == {"": 2}


def _fixture_png() -> bytes:
    return bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                         "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201ff5b5f5d"
                         "0a0000000049454e44ae426082")


def _log_basic_fixture_inputs(writer: SummaryWriter, run: str) -> None:
    """The inputs of generators/basic.py, logged through the SDK."""
    png = _fixture_png()
    if run == "train":
        graph = graph_pb2.GraphDef()
        nodes = [("x", "Placeholder", []), ("w", "VariableV2", []), ("mm", "MatMul", ["x", "w"]), ("act", "Sigmoid", ["mm"])]
        for name, op, inputs in nodes:
            graph.node.add(name=name, op=op, input=inputs)
        writer.add_graph(graph, walltime=WALL)
    text_metadata = summary_pb2.SummaryMetadata(plugin_data=summary_pb2.SummaryMetadata.PluginData(
        plugin_name="text", content=plugin_text_pb2.TextPluginData(version=0).SerializeToString()))
    image_metadata = summary_pb2.SummaryMetadata(display_name="sample", plugin_data=summary_pb2.SummaryMetadata.PluginData(
        plugin_name="images", content=plugin_image_pb2.ImagePluginData(converted_to_tensor=True).SerializeToString()))
    for step in range(300):
        wall = WALL + step * 0.5
        loss = math.exp(-step / 100.0) if step != 150 else math.nan
        writer.add_scalar("loss", loss, step, walltime=wall, new_style=True)
        if step % 2 == 0:
            writer.add_scalar("lr", 0.1 / (1 + step), step, walltime=wall)
        if step % 10 == 0:
            text = tensor_pb2.TensorProto(dtype=types_pb2.DT_STRING, tensor_shape=tensor_shape_pb2.TensorShapeProto(),
                                          string_val=[("step %d **ok** 学习" % step).encode("utf-8")])
            writer.add_summary(summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag="notes", metadata=text_metadata, tensor=text)]),
                               step, walltime=wall)
        if step % 50 == 0:
            images = tensor_pb2.TensorProto(
                dtype=types_pb2.DT_STRING, string_val=[b"1", b"1", png, png],
                tensor_shape=tensor_shape_pb2.TensorShapeProto(dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=4)]))
            value = summary_pb2.Summary.Value(tag="images/sample", metadata=image_metadata, tensor=images)
            writer.add_summary(summary_pb2.Summary(value=[value]), step, walltime=wall)


def test_basic_fixture_inputs_export_as_the_reference(stack, writer_args, tmp_path):
    runs = ["train", "eval", "nested/deep"]
    for run in runs:
        with SummaryWriter(f"fixture/{run}", **writer_args) as writer:
            _log_basic_fixture_inputs(writer, run)
    out = tmp_path / "export"
    for run in runs:
        stack.export(f"fixture/{run}", out)
    got = _only_runs(inspect(out), "fixture/")
    expected = json.loads((FIXTURES / "basic.expected.json").read_text(encoding="utf-8"))
    assert got["runs"] == expected["runs"]
    assert got["scalars"] == expected["scalars"]
    assert got["tensors"]["text"] == expected["tensors"]["text"]
    assert got["blobs"]["images"] == expected["blobs"]["images"]
    assert got["blobs"]["graphs"] == expected["blobs"]["graphs"]
    assert got["graphs"] == expected["graphs"]
