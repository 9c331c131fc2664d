"""TensorBoard summaries built as ``torch.utils.tensorboard`` builds them (same protos, same numbers).

Every function returns ``Summary.Value`` messages; the offline writer puts them in event files as
they are, the online writer converts them the way TensorBoard reads them (``_migrate``), so both
show what TensorBoard would show for torch's own event files.
"""

from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

import numpy as np

from ._encoding import encode_png, encode_wav, field_bytes, field_varint
from ._proto.tensorboard import (
    histogram_pb2,
    plugin_hparams_pb2,
    plugin_text_pb2,
    summary_pb2,
    tensor_pb2,
    tensor_shape_pb2,
    types_pb2,
)

Value = summary_pb2.Summary.Value

HPARAMS_EXPERIMENT_TAG = "_hparams_/experiment"
HPARAMS_SESSION_START_TAG = "_hparams_/session_start_info"
HPARAMS_SESSION_END_TAG = "_hparams_/session_end_info"
CUSTOM_SCALARS_TAG = "custom_scalars__config__"


def _shape(*dims: int) -> tensor_shape_pb2.TensorShapeProto:
    return tensor_shape_pb2.TensorShapeProto(dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=d) for d in dims])


def _metadata(plugin: str, content: bytes = b"") -> summary_pb2.SummaryMetadata:
    return summary_pb2.SummaryMetadata(plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name=plugin, content=content))


# Scalars ---------------------------------------------------------------------------------------


def scalar(tag: str, value: float, new_style: bool = False, double_precision: bool = False) -> Value:
    """``simple_value`` (float32), or with ``new_style`` a rank-0 DT_FLOAT/DT_DOUBLE tensor of plugin ``scalars``."""
    if not new_style:
        return Value(tag=tag, simple_value=value)
    if double_precision:
        tensor = tensor_pb2.TensorProto(dtype=types_pb2.DT_DOUBLE, double_val=[value], tensor_shape=_shape())
    else:
        tensor = tensor_pb2.TensorProto(dtype=types_pb2.DT_FLOAT, float_val=[value], tensor_shape=_shape())
    return Value(tag=tag, tensor=tensor, metadata=_metadata("scalars"))


# Histograms ------------------------------------------------------------------------------------


def tensorflow_bins() -> list[float]:
    """TensorFlow's default histogram edges: ±1e-12 · 1.1^k up to 1e20, and 0."""
    positive = []
    edge = 1e-12
    while edge < 1e20:
        positive.append(edge)
        edge *= 1.1
    return [-e for e in reversed(positive)] + [0.0] + positive


TENSORFLOW_BINS = tensorflow_bins()


def histogram_proto(values: np.ndarray, bins: Any, max_bins: int | None = None) -> histogram_pb2.HistogramProto:
    """A ``HistogramProto`` of ``values`` as torch makes it: ``numpy.histogram`` counts, optionally merged
    down to ``max_bins``, cut to the non-empty support with one empty bucket on its left."""
    values = values.reshape(-1).astype(np.float64)
    if values.size == 0:
        raise ValueError("the histogram input has no element")
    counts, limits = np.histogram(values, bins=bins)
    if max_bins is not None and len(counts) > max_bins:
        group = len(counts) // max_bins
        remainder = len(counts) % group
        if remainder:
            counts = np.concatenate([counts, np.zeros(group - remainder, dtype=counts.dtype)])
        counts = counts.reshape(-1, group).sum(axis=-1)
        merged = np.empty(counts.size + 1, dtype=limits.dtype)
        merged[:-1] = limits[:-1:group]
        merged[-1] = limits[-1]
        limits = merged
    nonzero = np.flatnonzero(counts > 0)
    if nonzero.size == 0:
        raise ValueError("the histogram is empty: every value lies outside the bins")
    first, last = int(nonzero[0]), int(nonzero[-1])
    # Only right edges are stored; an empty bucket on the left keeps the leftmost edge.
    kept_counts = counts[first - 1 : last + 1] if first > 0 else np.concatenate([[0], counts[: last + 1]])
    kept_limits = limits[first : last + 2]
    return histogram_pb2.HistogramProto(
        min=float(values.min()),
        max=float(values.max()),
        num=float(values.size),
        sum=float(values.sum()),
        sum_squares=float(values.dot(values)),
        bucket_limit=[float(x) for x in kept_limits],
        bucket=[float(x) for x in kept_counts],
    )


def histogram(tag: str, values: np.ndarray, bins: Any, max_bins: int | None = None) -> Value:
    if isinstance(bins, str) and bins == "tensorflow":
        bins = TENSORFLOW_BINS
    return Value(tag=tag, histo=histogram_proto(values, bins, max_bins))


def histogram_raw(tag: str, minimum: float, maximum: float, num: float, total: float, sum_squares: float,
                  bucket_limits: Sequence[float], bucket_counts: Sequence[float]) -> Value:
    return Value(tag=tag, histo=histogram_pb2.HistogramProto(
        min=minimum, max=maximum, num=num, sum=total, sum_squares=sum_squares,
        bucket_limit=list(bucket_limits), bucket=list(bucket_counts)))


# Images ----------------------------------------------------------------------------------------


def to_hwc(array: np.ndarray, dataformats: str) -> np.ndarray:
    """An image of ``dataformats`` (CHW, HWC, HW, NCHW, NHWC…) as ``[height, width, channels]``;
    batches become one grid of 8 columns, one channel becomes three (torch's ``convert_to_HWC``)."""
    formats = dataformats.upper()
    if len(set(formats)) != len(formats) or not set(formats) <= set("NCHW") or not {"H", "W"} <= set(formats):
        raise ValueError(f"dataformats must be a permutation of a subset of NCHW holding H and W, not {dataformats!r}")
    if array.ndim != len(formats):
        raise ValueError(f"an image of dataformats {dataformats!r} has {len(formats)} dimensions, not shape {list(array.shape)}")
    if len(formats) == 4:
        nchw = array.transpose([formats.index(c) for c in "NCHW"])
        return image_grid(nchw).transpose(1, 2, 0)
    if len(formats) == 3:
        if "C" not in formats:
            raise ValueError(f"a three-dimensional image needs a C axis, not dataformats {dataformats!r}")
        hwc = array.transpose([formats.index(c) for c in "HWC"])
        if hwc.shape[2] == 1:
            hwc = np.concatenate([hwc, hwc, hwc], axis=2)
        return hwc
    if "N" in formats or "C" in formats:
        raise ValueError(f"a two-dimensional image is HW, not {dataformats!r}")
    hw = array.transpose([formats.index(c) for c in "HW"])
    return np.stack([hw, hw, hw], axis=2)


def image_grid(images: np.ndarray, columns: int = 8) -> np.ndarray:
    """``[N, C, H, W]`` images tiled row by row into one ``[C, H·rows, W·cols]`` canvas."""
    if images.shape[1] == 1:
        images = np.concatenate([images, images, images], axis=1)
    count, channels, height, width = images.shape
    if channels not in (3, 4):
        raise ValueError(f"images must have 1, 3 or 4 channels, not {channels}")
    columns = min(count, columns)
    rows = math.ceil(count / columns) if count else 0
    canvas = np.zeros((channels, height * rows, width * columns), dtype=images.dtype)
    for i in range(count):
        row, column = divmod(i, columns)
        canvas[:, row * height : (row + 1) * height, column * width : (column + 1) * width] = images[i]
    return canvas


def to_uint8(hwc: np.ndarray) -> np.ndarray:
    """uint8 as is; anything else is taken to lie in [0, 1], scaled by 255, clipped and truncated (torch)."""
    scale = 1 if hwc.dtype == np.uint8 else 255
    return (hwc.astype(np.float32) * scale).clip(0, 255).astype(np.uint8)


def check_image_channels(hwc: np.ndarray) -> None:
    if hwc.shape[2] not in (1, 3, 4):
        raise ValueError(f"an image must have 1, 3 or 4 channels, not {hwc.shape[2]} (check dataformats)")


def image(tag: str, hwc: np.ndarray) -> Value:
    pixels = to_uint8(hwc)
    height, width, channels = pixels.shape
    return Value(tag=tag, image=summary_pb2.Summary.Image(
        height=height, width=width, colorspace=channels, encoded_image_string=encode_png(pixels)))


# Audio -----------------------------------------------------------------------------------------


def audio_samples(array: np.ndarray) -> np.ndarray:
    """Mono samples in [-1, 1] (clipped) as int16, torch's scaling (× 32767, truncated)."""
    samples = np.squeeze(array)
    if samples.ndim != 1:
        raise ValueError(f"audio must be one channel of samples (squeezable to one dimension), not shape {list(array.shape)}")
    if samples.size == 0:
        raise ValueError("audio needs at least one sample")
    samples = samples.astype(np.float64).clip(-1, 1)
    return (samples * np.iinfo(np.int16).max).astype("<i2")


def audio(tag: str, samples: np.ndarray, sample_rate: int) -> Value:
    return Value(tag=tag, audio=summary_pb2.Summary.Audio(
        sample_rate=sample_rate, num_channels=1, length_frames=samples.shape[-1],
        encoded_audio_string=encode_wav(samples, sample_rate), content_type="audio/wav"))


# Text ------------------------------------------------------------------------------------------


def text(tag: str, text_string: str) -> Value:
    """torch's layout: tag ``<tag>/text_summary``, a DT_STRING ``[1]`` tensor, plugin ``text``."""
    tensor = tensor_pb2.TensorProto(dtype=types_pb2.DT_STRING, string_val=[text_string.encode("utf-8")], tensor_shape=_shape(1))
    return Value(tag=tag + "/text_summary", tensor=tensor,
                 metadata=_metadata("text", plugin_text_pb2.TextPluginData(version=0).SerializeToString()))


# Hyperparameters ---------------------------------------------------------------------------------


def hparam_kind(name: str, value: Any) -> tuple[str, Any]:
    """('number'|'string'|'bool', value) of one hyperparameter; TypeError for anything else."""
    if isinstance(value, (bool, np.bool_)):
        return "bool", bool(value)
    if isinstance(value, str):
        return "string", value
    if isinstance(value, (int, float, np.number)):
        return "number", float(value)
    try:
        array = np.asarray(value.detach().cpu().numpy() if hasattr(value, "detach") else value)
    except Exception:  # noqa: BLE001 - anything unconvertible is reported below
        array = None
    if array is not None and array.size == 1 and np.issubdtype(array.dtype, np.number):
        return "number", float(array.reshape(-1)[0])
    raise TypeError(f"hyperparameter {name!r} must be an int, float, str, bool or one-element tensor, not {type(value).__name__}")


def hparams(hparam_dict: Mapping[str, Any], metric_dict: Mapping[str, Any],
            hparam_domain_discrete: Mapping[str, Sequence[Any]] | None = None) -> list[Value]:
    """The experiment, session start and session end summaries of torch's ``hparams``."""
    session = plugin_hparams_pb2.SessionStartInfo()
    infos = []
    discrete = dict(hparam_domain_discrete or {})
    for name, domain in discrete.items():
        if name not in hparam_dict:
            raise ValueError(f"hparam_domain_discrete names {name!r}, which is not in hparam_dict")
        if not isinstance(domain, (list, tuple)) or not domain:
            raise TypeError(f"hparam_domain_discrete[{name!r}] must be a non-empty list of values")
    for name, raw in hparam_dict.items():
        kind, value = hparam_kind(name, raw)
        info = plugin_hparams_pb2.HParamInfo(name=name)
        if kind == "number":
            session.hparams[name].number_value = value
            info.type = plugin_hparams_pb2.DATA_TYPE_FLOAT64
        elif kind == "string":
            session.hparams[name].string_value = value
            info.type = plugin_hparams_pb2.DATA_TYPE_STRING
        else:
            session.hparams[name].bool_value = value
            info.type = plugin_hparams_pb2.DATA_TYPE_BOOL
        for item in discrete.get(name, ()):
            item_kind, item_value = hparam_kind(name, item)
            if item_kind != kind:
                raise TypeError(f"hparam_domain_discrete[{name!r}] holds a {item_kind}, the value is a {kind}")
            entry = info.domain_discrete.values.add()
            setattr(entry, {"number": "number_value", "string": "string_value", "bool": "bool_value"}[kind], item_value)
        infos.append(info)
    metrics = [plugin_hparams_pb2.MetricInfo(name=plugin_hparams_pb2.MetricName(tag=tag)) for tag in metric_dict]
    experiment = plugin_hparams_pb2.HParamsPluginData(
        version=0, experiment=plugin_hparams_pb2.Experiment(hparam_infos=infos, metric_infos=metrics))
    start = plugin_hparams_pb2.HParamsPluginData(version=0, session_start_info=session)
    end = plugin_hparams_pb2.HParamsPluginData(
        version=0, session_end_info=plugin_hparams_pb2.SessionEndInfo(status=plugin_hparams_pb2.STATUS_SUCCESS))
    return [
        Value(tag=HPARAMS_EXPERIMENT_TAG, metadata=_metadata("hparams", experiment.SerializeToString())),
        Value(tag=HPARAMS_SESSION_START_TAG, metadata=_metadata("hparams", start.SerializeToString())),
        Value(tag=HPARAMS_SESSION_END_TAG, metadata=_metadata("hparams", end.SerializeToString())),
    ]


# PR curves -------------------------------------------------------------------------------------


def pr_curve_data(labels: np.ndarray, predictions: np.ndarray, num_thresholds: int, weights: Any) -> np.ndarray:
    """``[6, num_thresholds]``: TP, FP, TN, FN, precision, recall per threshold (TensorBoard's pr_curve)."""
    minimum_count = 1e-7
    weights = 1.0 if weights is None else weights
    buckets = np.int32(np.floor(predictions * (num_thresholds - 1)))
    positive = labels.astype(np.float64)
    edges = (0, num_thresholds - 1)
    tp_buckets, _ = np.histogram(buckets, bins=num_thresholds, range=edges, weights=positive * weights)
    fp_buckets, _ = np.histogram(buckets, bins=num_thresholds, range=edges, weights=(1.0 - positive) * weights)
    tp = np.cumsum(tp_buckets[::-1])[::-1]
    fp = np.cumsum(fp_buckets[::-1])[::-1]
    tn = fp[0] - fp
    fn = tp[0] - tp
    precision = tp / np.maximum(minimum_count, tp + fp)
    recall = tp / np.maximum(minimum_count, tp + fn)
    return np.stack((tp, fp, tn, fn, precision, recall))


def pr_curve(tag: str, labels: np.ndarray, predictions: np.ndarray, num_thresholds: int, weights: Any) -> Value:
    num_thresholds = min(num_thresholds, 127)
    return pr_curve_from_data(tag, pr_curve_data(labels, predictions, num_thresholds, weights))


def pr_curve_from_data(tag: str, data: np.ndarray) -> Value:
    num_thresholds = data.shape[1]
    # PrCurvePluginData {int32 version = 1; uint32 num_thresholds = 2;}
    content = field_varint(2, num_thresholds)
    tensor = tensor_pb2.TensorProto(dtype=types_pb2.DT_FLOAT, float_val=data.reshape(-1).tolist(),
                                    tensor_shape=_shape(*data.shape))
    return Value(tag=tag, tensor=tensor, metadata=_metadata("pr_curves", content))


# Custom scalars --------------------------------------------------------------------------------


def custom_scalars_layout(layout: Mapping[str, Mapping[str, Sequence[Any]]]) -> bytes:
    """TensorBoard's custom_scalars ``Layout`` message, encoded by hand (its proto is not in proto/).

    ``layout`` is torch's: ``{category: {chart title: ["Multiline", [tags]] | ["Margin", [value, lower, upper]]}}``.
    """
    categories = b""
    for category, charts in layout.items():
        encoded_charts = b""
        for title, spec in charts.items():
            if not isinstance(spec, (list, tuple)) or len(spec) != 2 or spec[0] not in ("Multiline", "Margin"):
                raise ValueError(f"chart {title!r} of {category!r} must be ['Multiline', [tags]] or ['Margin', [value, lower, upper]]")
            kind, tags = spec
            if kind == "Multiline":
                content = b"".join(field_bytes(1, str(t).encode("utf-8")) for t in tags)  # MultilineChartContent.tag
                chart_content = field_bytes(2, content)
            else:
                if len(tags) != 3:
                    raise ValueError(f"Margin chart {title!r} needs [value, lower, upper] tags, not {list(tags)}")
                series = b"".join(field_bytes(i + 1, str(t).encode("utf-8")) for i, t in enumerate(tags))
                chart_content = field_bytes(3, field_bytes(1, series))  # MarginChartContent.series
            encoded_charts += field_bytes(2, field_bytes(1, str(title).encode("utf-8")) + chart_content)
        categories += field_bytes(2, field_bytes(1, str(category).encode("utf-8")) + encoded_charts)
    return categories


def custom_scalars(layout: Mapping[str, Mapping[str, Sequence[Any]]]) -> Value:
    tensor = tensor_pb2.TensorProto(dtype=types_pb2.DT_STRING, string_val=[custom_scalars_layout(layout)], tensor_shape=_shape(1))
    return Value(tag=CUSTOM_SCALARS_TAG, tensor=tensor, metadata=_metadata("custom_scalars"))
