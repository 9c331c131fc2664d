"""Every SummaryWriter method against real ingest and query processes: read back through REST equal
to what was logged."""

from __future__ import annotations

import math

import numpy as np
import pytest

from decode import (bits, decode_png, decode_wav, float32, histogram_as_tensorboard_shows, json_float,
                    pr_curve_reference, tensorflow_edges)
from metrics_client import SummaryWriter
from metrics_client._proto.tensorboard import graph_pb2


class TorchLikeTensor:
    """What the SDK relies on of a torch tensor: ``.detach().cpu().numpy()``."""

    def __init__(self, array):
        self._array = np.asarray(array)

    def detach(self):
        return self

    def cpu(self):
        return self

    def numpy(self):
        return self._array


class JaxLikeArray:
    """What the SDK relies on of a JAX array: ``__array__``."""

    def __init__(self, array):
        self._array = np.asarray(array)

    def __array__(self, dtype=None):
        return self._array if dtype is None else self._array.astype(dtype)


SPECIAL = [0.1, 1 / 3, math.nan, math.inf, -math.inf, -0.0, 1e-45, 5e-324, 1e39, -1e39, 123456789.123, 2.0 ** -130]


def _blob(stack, entry):
    return stack.query.get_bytes(entry["url"])


def test_add_scalar_is_bit_exact_float32_and_double_precision_as_given(stack, writer_args):
    with SummaryWriter("rt/scalars", **writer_args) as writer:
        for step, value in enumerate(SPECIAL):
            writer.add_scalar("simple", value, step)
            writer.add_scalar("new_style", value, step, new_style=True)
            writer.add_scalar("double", value, step, new_style=True, double_precision=True)
        writer.add_scalar("inputs", np.float32(0.25), 0)
        writer.add_scalar("inputs", np.array([0.5]), 1)
        writer.add_scalar("inputs", TorchLikeTensor(np.array(0.75, dtype=np.float64)), 2)
        writer.add_scalar("inputs", JaxLikeArray(np.array(1.25)), np.int64(3))
        writer.add_scalar("inputs", 7, 4, walltime=1700000000.5)
        writer.flush()
    run = stack.query.run_id("rt/scalars")
    for tag, expect in (("simple", float32), ("new_style", float32), ("double", float)):
        series = stack.query.scalars(run, tag)
        assert series["steps"] == list(range(len(SPECIAL)))
        got = [bits(json_float(v)) for v in series["values"]]
        assert got == [bits(expect(v)) for v in SPECIAL], tag
    inputs = stack.query.scalars(run, "inputs")
    assert inputs["steps"] == [0, 1, 2, 3, 4]
    assert inputs["values"] == [0.25, 0.5, 0.75, 1.25, 7.0]
    assert inputs["wall_times"][4] == 1700000000.5


def test_add_scalar_rejects_bad_input_in_the_caller(stack, writer_args):
    with SummaryWriter("rt/bad-input", **writer_args) as writer:
        with pytest.raises(TypeError, match="scalar_value"):
            writer.add_scalar("x", "1.0", 0)
        with pytest.raises(ValueError, match="one element"):
            writer.add_scalar("x", np.zeros(3), 0)
        with pytest.raises(TypeError, match="global_step"):
            writer.add_scalar("x", 1.0, "seven")
        with pytest.raises(TypeError, match="tag"):
            writer.add_scalar(3, 1.0, 0)
        with pytest.raises(ValueError, match="dataformats"):
            writer.add_image("img", np.zeros((3, 4, 4)), 0, dataformats="XYZ")
        with pytest.raises(NotImplementedError, match="add_images"):
            writer.add_video("v", np.zeros((1, 2, 3, 4, 4)))
        with pytest.raises(NotImplementedError, match="projector|TensorBoard"):
            writer.add_embedding(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="relative"):
        SummaryWriter("/elsewhere/run", **writer_args)


def test_add_scalars_writes_torchs_sub_runs(stack, writer_args):
    with SummaryWriter("rt/multi", **writer_args) as writer:
        for step in range(5):
            writer.add_scalars("loss/all", {"train": step * 0.5, "eval": step * 0.25}, step)
    for key, factor in (("train", 0.5), ("eval", 0.25)):
        run = stack.query.run_id(f"rt/multi/loss_all_{key}")
        series = stack.query.scalars(run, "loss/all")
        assert series["steps"] == [0, 1, 2, 3, 4]
        assert series["values"] == [float32(s * factor) for s in range(5)]


def test_add_histogram_buckets_as_torch_and_tensorboard(stack, writer_args):
    rng = np.random.default_rng(3)
    values = rng.normal(0.5, 2.0, 1000)
    with SummaryWriter("rt/hist", **writer_args) as writer:
        writer.add_histogram("tf", TorchLikeTensor(values), 0)
        writer.add_histogram("auto", values, 0, bins="auto")
        writer.add_histogram("ten", values, 0, bins=10)
        writer.add_histogram_raw("raw", min=-1.0, max=3.0, num=6, sum=6.0, sum_squares=14.0,
                                 bucket_limits=[0.0, 1.0, 2.0, 3.0], bucket_counts=[1, 2, 0, 3], global_step=4)
    run = stack.query.run_id("rt/hist")
    expected = {
        "tf": histogram_as_tensorboard_shows(values, tensorflow_edges()),
        "auto": histogram_as_tensorboard_shows(values, np.histogram_bin_edges(values, "auto")),
        "ten": histogram_as_tensorboard_shows(values, np.histogram_bin_edges(values, 10)),
    }
    for tag, rows in expected.items():
        got = stack.query.tensors(run, tag)
        assert got["plugin_name"] == "histograms"
        assert got["values"][0] == rows, tag
        assert sum(r[2] for r in got["values"][0]) == 1000
    raw = stack.query.tensors(run, "raw")
    assert raw["steps"] == [4]
    assert raw["values"][0] == [[-1.0, 0.0, 1.0], [0.0, 1.0, 2.0], [1.0, 2.0, 0.0], [2.0, 3.0, 3.0]]


def test_add_image_and_add_images_pixels(stack, writer_args):
    rng = np.random.default_rng(5)
    chw = rng.random((3, 4, 5))
    hwc_rgba = rng.integers(0, 256, (6, 7, 4), dtype=np.uint8)
    gray = rng.random((3, 2))
    batch = rng.random((3, 1, 2, 2))
    with SummaryWriter("rt/images", **writer_args) as writer:
        writer.add_image("chw", TorchLikeTensor(chw), 1)
        writer.add_image("rgba", hwc_rgba, 2, dataformats="HWC")
        writer.add_image("gray", gray, 3, dataformats="HW")
        writer.add_images("batch", batch, 4)
    run = stack.query.run_id("rt/images")

    def pixels(tag):
        listing = stack.query.blobs(run, tag)
        (png,) = listing["images"][0]
        image = decode_png(_blob(stack, png))
        assert png["content_type"] == "image/png"
        assert (png["width"], png["height"]) == (image.shape[1], image.shape[0])
        return image

    def as_uint8(a):  # torch's scaling of float images
        return (a.astype(np.float32) * 255).clip(0, 255).astype(np.uint8)

    np.testing.assert_array_equal(pixels("chw"), as_uint8(chw.transpose(1, 2, 0)))
    np.testing.assert_array_equal(pixels("rgba"), hwc_rgba)
    np.testing.assert_array_equal(pixels("gray"), np.stack([as_uint8(gray)] * 3, axis=2))
    grid = pixels("batch")
    assert grid.shape == (2, 6, 3)
    for i in range(3):
        np.testing.assert_array_equal(grid[:, 2 * i:2 * i + 2, 0], as_uint8(batch[i, 0]))


def test_add_audio_wav_samples(stack, writer_args):
    t = np.linspace(0, 1, 800, endpoint=False)
    samples = 1.2 * np.sin(2 * np.pi * 5 * t)  # beyond [-1, 1]: clipped
    with SummaryWriter("rt/audio", **writer_args) as writer:
        writer.add_audio("voice", samples.reshape(1, -1), 3, sample_rate=8000)
    run = stack.query.run_id("rt/audio")
    listing = stack.query.blobs(run, "voice")
    assert listing["steps"] == [3]
    (clip,) = listing["audio"][0]
    assert clip["content_type"] == "audio/wav"
    rate, pcm = decode_wav(_blob(stack, clip))
    assert rate == 8000
    np.testing.assert_array_equal(pcm, (np.clip(samples, -1, 1) * 32767).astype(np.int16))


def test_add_text_pr_curve_custom_scalars_and_graph(stack, writer_args):
    graph = graph_pb2.GraphDef()
    for name, op, inputs in (("x", "Placeholder", []), ("w", "VariableV2", []), ("mm", "MatMul", ["x", "w"])):
        graph.node.add(name=name, op=op, input=inputs)
    labels = [1, 0, 1, 1, 0, 0, 1, 0]
    predictions = [0.9, 0.1, 0.6, 0.4, 0.35, 0.8, 0.05, 0.5]
    with SummaryWriter("rt/misc", **writer_args) as writer:
        writer.add_text("notes", "step 1 **ok** 学习", 1)
        writer.add_pr_curve("pr", np.array(labels), np.array(predictions), 2, num_thresholds=5)
        writer.add_custom_scalars({"losses": {"all": ["Multiline", ["loss/train", "loss/eval"]]}})
        writer.add_graph(graph)
    run = stack.query.run_id("rt/misc")
    text = stack.query.tensors(run, "notes/text_summary")
    assert (text["plugin_name"], text["steps"], text["values"]) == ("text", [1], [["step 1 **ok** 学习"]])
    pr = stack.query.tensors(run, "pr")
    assert pr["plugin_name"] == "pr_curves" and pr["shapes"] == [[6, 5]]
    assert pr["values"][0] == pr_curve_reference(labels, predictions, 5)
    tags = stack.query.get(f"/api/v1/runs/{run}/tags")
    plugins = {p["plugin_name"]: [t["tag"] for t in p["tags"]] for p in tags["plugins"]}
    assert plugins["custom_scalars"] == ["custom_scalars__config__"]
    (graph_blob,) = stack.query.blobs(run, "__run_graph__")["blobs"][0]
    assert graph_pb2.GraphDef.FromString(_blob(stack, graph_blob)) == graph


def test_add_hparams_sub_run_as_torch(stack, writer_args):
    with SummaryWriter("rt/hp", **writer_args) as writer:
        writer.add_hparams({"lr": 0.01, "optimizer": "adam", "batchnorm": True, "layers": np.int64(3)},
                           {"hparam/accuracy": 0.875, "hparam/loss": TorchLikeTensor(np.array(0.5))}, run_name="trial-1")
    run_id = stack.query.run_id("rt/hp/trial-1")
    run = stack.query.get(f"/api/v1/runs/{run_id}")
    assert run["hparams"] == {"lr": 0.01, "optimizer": "adam", "batchnorm": True, "layers": 3.0}
    assert run["hparam_metrics"] == ["hparam/accuracy", "hparam/loss"]
    assert stack.query.scalars(run_id, "hparam/accuracy")["values"] == [0.875]
    assert stack.query.scalars(run_id, "hparam/loss")["values"] == [0.5]
    tags = stack.query.get(f"/api/v1/runs/{run_id}/tags")
    hparam_tags = next(p for p in tags["plugins"] if p["plugin_name"] == "hparams")["tags"]
    assert sorted(t["tag"] for t in hparam_tags) == [
        "_hparams_/experiment", "_hparams_/session_end_info", "_hparams_/session_start_info"]
    table = stack.query.get("/api/v1/projects/pytest/hparams", prefix="rt/hp/")
    (row,) = table["runs"]
    assert row["metrics"]["hparam/accuracy"]["value"] == 0.875


def test_add_figure_renders_matplotlib_figures(stack, writer_args):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure = plt.figure(figsize=(2, 1.5), dpi=50)
    plt.plot([0, 1, 2], [0, 1, 0], color="red")
    with SummaryWriter("rt/figure", **writer_args) as writer:
        writer.add_figure("plot", figure, 0)
        writer.add_figure("two", [plt.figure(figsize=(1, 1), dpi=40) for _ in range(2)], 1)
    assert not plt.fignum_exists(figure.number)  # close=True
    run = stack.query.run_id("rt/figure")
    (png,) = stack.query.blobs(run, "plot")["images"][0]
    image = decode_png(_blob(stack, png))
    assert image.shape == (75, 100, 4)
    assert ((image[:, :, 0] > 200) & (image[:, :, 1] < 80)).any()  # the red line
    (png,) = stack.query.blobs(run, "two")["images"][0]
    assert decode_png(_blob(stack, png)).shape == (40, 80, 4)


def test_blobs_over_one_mebibyte_travel_as_chunks(stack, writer_args):
    noise = np.random.default_rng(9).integers(0, 256, (700, 700, 3), dtype=np.uint8)  # PNG of about 1.5 MB
    with SummaryWriter("rt/large", **writer_args) as writer:
        writer.add_image("noise", noise, 0, dataformats="HWC")
        writer.add_scalar("after", 1.0, 0)
    run = stack.query.run_id("rt/large")
    (png,) = stack.query.blobs(run, "noise")["images"][0]
    assert png["size"] > 1 << 20
    np.testing.assert_array_equal(decode_png(_blob(stack, png)), noise)
    assert stack.query.scalars(run, "after")["values"] == [1.0]
