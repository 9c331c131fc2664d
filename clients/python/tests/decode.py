"""Independent decoders and reference computations the tests compare against."""

from __future__ import annotations

import io
import math
import struct
import wave
import zlib

import numpy as np


def decode_png(data: bytes) -> np.ndarray:
    """Pixels ``[height, width, channels]`` of an 8-bit non-interlaced PNG (any filter type)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "PNG signature"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length = struct.unpack(">I", data[pos:pos + 4])[0]
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        crc = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])[0]
        assert zlib.crc32(kind + body) & 0xFFFFFFFF == crc, f"CRC of {kind!r}"
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, color, _, _, interlace = header
    assert depth == 8 and interlace == 0
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[color]
    raw = zlib.decompress(idat)
    stride = width * channels
    out = np.zeros((height, stride), dtype=np.uint8)
    previous = np.zeros(stride, dtype=np.int64)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = np.frombuffer(raw, dtype=np.uint8, count=stride, offset=y * (stride + 1) + 1).astype(np.int64)
        row = np.zeros(stride, dtype=np.int64)
        for x in range(stride):
            left = row[x - channels] if x >= channels else 0
            up = previous[x]
            up_left = previous[x - channels] if x >= channels else 0
            if kind == 0:
                predictor = 0
            elif kind == 1:
                predictor = left
            elif kind == 2:
                predictor = up
            elif kind == 3:
                predictor = (left + up) // 2
            else:
                p = left + up - up_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - up_left)
                predictor = left if pa <= pb and pa <= pc else (up if pb <= pc else up_left)
            row[x] = (line[x] + predictor) & 0xFF
        out[y] = row
        previous = row
    return out.reshape(height, width, channels)


def decode_wav(data: bytes) -> tuple[int, np.ndarray]:
    with wave.open(io.BytesIO(data), "rb") as wav:
        assert wav.getnchannels() == 1 and wav.getsampwidth() == 2
        return wav.getframerate(), np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")


def float32(value: float) -> float:
    with np.errstate(over="ignore"):
        return float(np.float32(value))


def json_float(value) -> float:
    return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}.get(value, value) if isinstance(value, str) else float(value)


def bits(value: float) -> bytes:
    return struct.pack("<d", value)


def tensorflow_edges() -> np.ndarray:
    edges, v = [], 1e-12
    while v < 1e20:
        edges.append(v)
        v *= 1.1
    return np.array([-e for e in reversed(edges)] + [0.0] + edges)


def histogram_as_tensorboard_shows(values: np.ndarray, edges) -> list:
    """torch's buckets as TensorBoard reads them: the non-empty span of numpy.histogram's buckets, the
    outer edges replaced by the data's min and max, as float32 rows (left, right, count)."""
    counts, limits = np.histogram(values, bins=edges)
    used = [i for i, c in enumerate(counts) if c > 0]
    rows = []
    for i in range(used[0], used[-1] + 1):
        left = values.min() if i == used[0] else limits[i]
        right = values.max() if i == used[-1] else limits[i + 1]
        rows.append([float32(left), float32(right), float32(counts[i])])
    return rows


def pr_curve_reference(labels, predictions, thresholds: int) -> list:
    """TP, FP, TN, FN, precision, recall per threshold, counted point by point."""
    bucket = [math.floor(p * (thresholds - 1)) for p in predictions]
    positives = sum(1 for label in labels if label)
    negatives = len(labels) - positives
    columns = []
    for t in range(thresholds):
        tp = sum(1 for label, b in zip(labels, bucket) if label and b >= t)
        fp = sum(1 for label, b in zip(labels, bucket) if not label and b >= t)
        tn, fn = negatives - fp, positives - tp
        columns.append((tp, fp, tn, fn, tp / max(1e-7, tp + fp), tp / max(1e-7, tp + fn)))
    return [[float32(column[row]) for column in columns] for row in range(6)]
