"""Sliding-window mean and max in plain numpy.

The analysis keeps to numpy at run time (scipy.signal and scipy.ndimage alone take most of a
second to import, which is a large share of a three-minute song's analysis).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = ["window_mean", "window_max"]


def _pad(x: np.ndarray, before: int, after: int, axis: int, value: float | None) -> np.ndarray:
    width = [(0, 0)] * x.ndim
    width[axis] = (before, after)
    if value is None:
        return np.pad(x, width, mode="edge")
    return np.pad(x, width, mode="constant", constant_values=value)


def window_mean(x: np.ndarray, before: int, after: int) -> np.ndarray:
    """``mean(x[i - before : i + after + 1])`` for every i of a 1-D array.

    *after* may be negative (a window wholly before i); outside the array the end values repeat.
    """
    x = np.asarray(x, np.float64)
    n = len(x)
    size = before + after + 1
    if not n or size <= 0:
        return np.zeros(n)
    c = np.concatenate([[0.0], np.cumsum(x)])
    i = np.arange(n)
    lo, hi = i - before, i + after + 1
    total = c[np.clip(hi, 0, n)] - c[np.clip(lo, 0, n)]
    total += x[0] * np.clip(-lo, 0, size) - x[0] * np.clip(-hi, 0, size)  # hops before the start
    total += x[-1] * np.clip(hi - n, 0, size) - x[-1] * np.clip(lo - n, 0, size)  # after the end
    return total / size


def window_max(x: np.ndarray, before: int, after: int, axis: int = 0, fill: float | None = None) -> np.ndarray:
    """``max(x[i - before : i + after + 1])`` along *axis*.

    Outside the array the window sees *fill* (None repeats the edge values).
    """
    x = np.asarray(x)
    if x.shape[axis] == 0 or before + after == 0:
        return x.copy()
    if fill is not None and np.issubdtype(x.dtype, np.integer):
        fill = int(max(min(fill, np.iinfo(x.dtype).max), np.iinfo(x.dtype).min))
    p = _pad(x, before, after, axis, fill)
    return sliding_window_view(p, before + after + 1, axis=axis).max(axis=-1)
