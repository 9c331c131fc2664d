"""Summary values as TensorBoard reads them (data_compat + dataclass_compat), i.e. as protocol points.

The server stores what TensorBoard's data provider would serve from torch's event files, the same
conversion ``metrics upload`` applies (src/Metrics.TensorBoard/Internal/SummaryMigration.cs).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Union

import numpy as np

from ._proto.metrics.v1 import ingest_pb2
from ._proto.tensorboard import (
    histogram_pb2,
    plugin_audio_pb2,
    plugin_histogram_pb2,
    plugin_image_pb2,
    plugin_scalar_pb2,
    summary_pb2,
    tensor_pb2,
    tensor_shape_pb2,
    types_pb2,
)

SCALAR = ingest_pb2.DATA_CLASS_SCALAR
TENSOR = ingest_pb2.DATA_CLASS_TENSOR
BLOBS = ingest_pb2.DATA_CLASS_BLOB_SEQUENCE

_TENSOR_PLUGINS = {"histograms", "text", "hparams", "pr_curves", "custom_scalars"}
_BLOB_PLUGINS = {"images", "audio"}


@dataclass(frozen=True)
class Point:
    """One protocol point: its series metadata and a float (scalar), TensorProto (tensor) or blobs."""

    tag: str
    plugin_name: str
    plugin_content: bytes
    data_class: int
    display_name: str
    description: str
    value: Union[float, tensor_pb2.TensorProto, list]

    def series_metadata(self) -> ingest_pb2.SeriesMetadata:
        return ingest_pb2.SeriesMetadata(
            tag=self.tag, plugin_name=self.plugin_name, plugin_content=self.plugin_content,
            data_class=self.data_class, display_name=self.display_name, description=self.description)


def float32(value: float) -> float:
    """``value`` rounded to float32 (what a ``simple_value`` keeps); out-of-range values become ±inf."""
    with np.errstate(over="ignore"):
        return float(np.float32(value))


def histogram_tensor(histo: histogram_pb2.HistogramProto) -> tensor_pb2.TensorProto:
    """TensorBoard's v1 → v2 histogram: the non-empty buckets as float32 ``[k, 3]`` (left, right, count),
    the outer edges being the min and the max."""
    counts = list(histo.bucket)
    limits = list(histo.bucket_limit)
    nonzero = [i for i, c in enumerate(counts) if c > 0]
    rows = []
    if nonzero:
        first, last = nonzero[0], nonzero[-1]
        for i in range(first, last + 1):
            left = histo.min if i == first else (limits[i - 1] if i - 1 < len(limits) else float("nan"))
            right = histo.max if i == last else (limits[i] if i < len(limits) else float("nan"))
            rows.append((left, right, counts[i]))
    content = np.array(rows, dtype="<f4").reshape(-1, 3).tobytes()
    return tensor_pb2.TensorProto(
        dtype=types_pb2.DT_FLOAT, tensor_content=content,
        tensor_shape=tensor_shape_pb2.TensorShapeProto(dim=[
            tensor_shape_pb2.TensorShapeProto.Dim(size=len(rows)), tensor_shape_pb2.TensorShapeProto.Dim(size=3)]))


def null_tensor() -> tensor_pb2.TensorProto:
    """The empty DT_FLOAT ``[0]`` tensor TensorBoard gives hparams summaries without data."""
    return tensor_pb2.TensorProto(dtype=types_pb2.DT_FLOAT, tensor_shape=tensor_shape_pb2.TensorShapeProto(
        dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=0)]))


def _scalar_of(tensor: tensor_pb2.TensorProto) -> float:
    if tensor.dtype == types_pb2.DT_DOUBLE:
        if tensor.double_val:
            return float(tensor.double_val[0])
        return struct.unpack("<d", tensor.tensor_content[:8])[0]
    if tensor.dtype == types_pb2.DT_FLOAT:
        if tensor.float_val:
            return float32(tensor.float_val[0])
        return float(struct.unpack("<f", tensor.tensor_content[:4])[0])
    raise ValueError(f"a scalars summary must be a DT_FLOAT or DT_DOUBLE tensor, not dtype {tensor.dtype}")


def migrate(value: summary_pb2.Summary.Value) -> Point | None:
    """The point TensorBoard's data provider would serve for ``value``, or None when it serves none."""
    metadata = value.metadata
    display = metadata.display_name or value.tag
    description = metadata.summary_description
    kind = value.WhichOneof("value")
    if kind == "simple_value":
        return Point(value.tag, "scalars", plugin_scalar_pb2.ScalarPluginData().SerializeToString(), SCALAR,
                     display, description, float32(value.simple_value))
    if kind == "histo":
        return Point(value.tag, "histograms", plugin_histogram_pb2.HistogramPluginData().SerializeToString(), TENSOR,
                     display, description, histogram_tensor(value.histo))
    if kind == "image":
        image = value.image
        content = plugin_image_pb2.ImagePluginData(converted_to_tensor=True).SerializeToString()
        blobs = [str(image.width).encode("ascii"), str(image.height).encode("ascii"), image.encoded_image_string]
        return Point(value.tag, "images", content, BLOBS, display, description, blobs)
    if kind == "audio":
        content = plugin_audio_pb2.AudioPluginData(
            encoding=plugin_audio_pb2.AudioPluginData.WAV, converted_to_tensor=True).SerializeToString()
        return Point(value.tag, "audio", content, BLOBS, display, description, [value.audio.encoded_audio_string])
    plugin = metadata.plugin_data.plugin_name
    content = metadata.plugin_data.content
    display, description = metadata.display_name, metadata.summary_description
    if plugin == "scalars" and kind == "tensor":
        return Point(value.tag, plugin, content, SCALAR, display, description, _scalar_of(value.tensor))
    if plugin in _TENSOR_PLUGINS:
        tensor = value.tensor if kind == "tensor" else null_tensor()
        return Point(value.tag, plugin, content, TENSOR, display, description, tensor)
    if plugin in _BLOB_PLUGINS and kind == "tensor":
        blobs = list(value.tensor.string_val)
        if plugin == "audio" and len(value.tensor.tensor_shape.dim) > 1:
            stride = int(np.prod([d.size for d in value.tensor.tensor_shape.dim[1:]]))
            blobs = blobs[::stride] if stride else []
        return Point(value.tag, plugin, content, BLOBS, display, description, blobs)
    return None
