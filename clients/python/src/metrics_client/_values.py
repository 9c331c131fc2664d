"""Turning what training code passes (Python numbers, numpy, torch, JAX, TensorFlow values) into numpy."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np


def to_numpy(value: Any) -> np.ndarray:
    """A numpy array of ``value``: torch tensors (``.detach().cpu().numpy()``), JAX and TF arrays, lists, numbers.

    The result never shares memory with ``value``: the caller may change its tensors in place
    right after the call while the SDK still encodes them in the background.
    """
    if isinstance(value, np.ndarray):
        return value.copy()
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # torch.Tensor
        return np.array(value.detach().cpu().numpy(), copy=True)
    if hasattr(value, "numpy") and callable(value.numpy):  # tf.Tensor, some others
        return np.array(value.numpy(), copy=True)
    if isinstance(value, (bytes, str)):
        raise TypeError(f"expected a number or an array, not {type(value).__name__}")
    return np.array(value, copy=True)  # JAX arrays, lists, numbers (via __array__)


def to_float(value: Any) -> float:
    """A Python float of a scalar value (number, 0-d or one-element array, torch/JAX scalar)."""
    if isinstance(value, numbers.Real):
        return float(value)
    try:
        array = to_numpy(value)
    except TypeError:
        raise TypeError(f"scalar_value must be a number or a one-element tensor, not {type(value).__name__}") from None
    if array.size != 1:
        raise ValueError(f"scalar_value must hold exactly one element, not shape {list(array.shape)}")
    item = array.reshape(-1)[0]
    if not isinstance(item, (numbers.Real, np.number, np.bool_)):
        raise TypeError(f"scalar_value must be numeric, not {array.dtype}")
    return float(item)


def to_step(value: Any) -> int:
    """The step as an int (None is step 0, as in TensorBoard's Event)."""
    if value is None:
        return 0
    if isinstance(value, bool):
        raise TypeError("global_step must be an integer, not bool")
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    try:
        array = to_numpy(value)
    except TypeError:
        array = None
    if array is not None and array.size == 1 and np.issubdtype(array.dtype, np.integer):
        return int(array.reshape(-1)[0])
    raise TypeError(f"global_step must be an integer, not {value!r}")


def to_walltime(value: Any, now: float) -> float:
    if value is None:
        return now
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return float(value)
    raise TypeError(f"walltime must be seconds since the epoch (a float), not {value!r}")
