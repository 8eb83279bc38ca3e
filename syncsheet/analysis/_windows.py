"""Sliding-window mean, max and min in plain numpy.

The analysis keeps to numpy at run time: scipy.signal and scipy.ndimage take most of a second to
import, and even scipy.fft 0.3 s, a large share of a three-minute song's analysis.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = ["window_mean", "window_max", "window_extreme", "max_near", "span_means", "USUAL_SPAN_S", "local_percentile",
           "local_mean", "nearest"]

#: Seconds of music a detector's "usual" level is taken over, centred on each moment: the span of
#: the excerpts every model and threshold learned from (32-36 s), so such a file is measured whole,
#: as they were, and a longer one passage by passage (a film reel's cues differ from one another).
USUAL_SPAN_S = 40.0


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
    x = np.asarray(x)
    n = len(x)
    size = before + after + 1
    if not n or size <= 0:
        return np.zeros(n)
    pb, pa = max(before, 0), max(after, 0)
    p = np.pad(x.astype(np.float64, copy=False), (pb + 1, pa), mode="edge")
    p[0] = 0.0
    c = np.cumsum(p, out=p)  # c[j] = sum of the padded values before index j
    # window of i covers padded indices [i + pb + 1 - before, i + pb + 1 + after]
    lo = pb - before
    return (c[lo + size : lo + size + n] - c[lo : lo + n]) / size


def _along(x: np.ndarray, axis: int, start: int, stop: int | None) -> np.ndarray:
    """``x[start:stop]`` along *axis*."""
    index = [slice(None)] * x.ndim
    index[axis] = slice(start, stop)
    return x[tuple(index)]


def _spread(op: np.ufunc, p: np.ndarray, length: int, axis: int) -> np.ndarray:
    """``op`` over every *length* consecutive values of *p* along *axis* (the result is shorter by
    ``length - 1``): by doubling spans, a few whole-array passes instead of one per position. (A
    reduction over a sliding window view's short, strided last axis took twenty times as long.)"""
    span = 1
    while 2 * span <= length:  # p's value j covers span values from j
        p = op(_along(p, axis, 0, -span), _along(p, axis, span, None))
        span *= 2
    rest = length - span
    return op(_along(p, axis, 0, p.shape[axis] - rest), _along(p, axis, rest, None)) if rest else p


def window_max(x: np.ndarray, before: int, after: int, axis: int = 0, fill: float | None = None) -> np.ndarray:
    """``max(x[i - before : i + after + 1])`` along *axis*.

    Outside the array the window sees *fill* (None repeats the edge values).
    """
    x = np.asarray(x)
    if x.shape[axis] == 0 or before + after == 0:
        return x.copy()
    if fill is not None and np.issubdtype(x.dtype, np.integer):
        fill = int(max(min(fill, np.iinfo(x.dtype).max), np.iinfo(x.dtype).min))
    return _spread(np.maximum, _pad(x, before, after, axis, fill), before + after + 1, axis)


def window_extreme(op: np.ufunc, x: np.ndarray, half: int) -> np.ndarray:
    """``op`` (np.minimum or np.maximum) over ±*half* columns of each row, the edge columns
    repeated."""
    return _spread(op, np.pad(x, ((0, 0), (half, half)), mode="edge"), 2 * half + 1, 1)


def max_near(x: np.ndarray, pos: np.ndarray, radius: int) -> np.ndarray:
    """``max(x[round(p) - radius : round(p) + radius + 1])`` for each (fractional) position *p*,
    the window clipped to the array."""
    idx = np.clip(np.round(np.asarray(pos, float)).astype(int), 0, len(x) - 1)
    near = np.clip(idx[:, None] + np.arange(-radius, radius + 1)[None, :], 0, len(x) - 1)
    return x[near].max(axis=1)


def span_means(x: np.ndarray, starts: np.ndarray, ends: np.ndarray, group: int = 64) -> np.ndarray:
    """Mean of rows of *x* over [start, end) for each pair (empty spans give the row at start).

    Cumulative sums are taken over the rows a few dozen spans cover at a time, not over the whole
    array: a float64 running sum of a 2 h reel's chroma alone would be 70 MB.
    """
    s = np.clip(np.asarray(starts, int), 0, len(x) - 1)
    e = np.clip(np.maximum(np.asarray(ends, int), s + 1), 1, len(x))
    out = np.empty((len(s),) + x.shape[1:])
    for g in range(0, len(s), group):
        gs, ge = s[g : g + group], e[g : g + group]
        lo, hi = int(gs.min()), int(ge.max())
        c = np.zeros((hi - lo + 1,) + x.shape[1:])
        np.cumsum(x[lo:hi], axis=0, dtype=np.float64, out=c[1:])
        out[g : g + group] = c[ge - lo] - c[gs - lo]
    count = e - s
    return out / (count[:, None] if x.ndim == 2 else count)


def local_percentile(x: np.ndarray, q: float, span: int, step: int, group: int = 64) -> np.ndarray:
    """The *q*-th percentile of *x* over the *span* values centred on each index (the span shifted
    inside the array at its ends), taken every *step* indices and interpolated between.

    An array no longer than *span* gets its own percentile everywhere, as :func:`numpy.percentile`
    over all of it. Spans are read *group* at a time, so memory stays bounded on a long reel.
    """
    x = np.asarray(x)
    n = len(x)
    if n <= span or span < 1:
        return np.full(n, float(np.percentile(x, q)) if n else 0.0)
    centres = np.unique(np.append(np.arange(0, n, max(1, step)), n - 1))
    starts = np.clip(centres - span // 2, 0, n - span)
    view = sliding_window_view(x, span)
    vals = np.concatenate([np.percentile(view[starts[i : i + group]], q, axis=1)
                           for i in range(0, len(starts), group)])
    return np.interp(np.arange(n), centres, vals)


def local_mean(x: np.ndarray, span: int) -> np.ndarray:
    """The mean of *x* (along its first axis) over the *span* rows centred on each row, the span
    shifted inside the array at its ends; an array no longer than *span* gets its own mean everywhere
    (``x.mean(axis=0)``, in *x*'s precision)."""
    x = np.asarray(x)
    n = len(x)
    if n <= span or span < 1:
        return np.broadcast_to(x.mean(axis=0), x.shape).copy() if n else x.copy()
    c = np.zeros((n + 1, *x.shape[1:]))
    np.cumsum(x, axis=0, dtype=np.float64, out=c[1:])
    lo = np.clip(np.arange(n) - span // 2, 0, n - span)
    return ((c[lo + span] - c[lo]) / span).astype(x.dtype)


def nearest(points: np.ndarray, at: np.ndarray) -> np.ndarray:
    """The nearest of the sorted *points* to each of *at* (inf where there are none)."""
    if not len(points):
        return np.full(len(at), np.inf)
    j = np.clip(np.searchsorted(points, at), 1, max(len(points) - 1, 1))
    a, b = points[j - 1], points[np.minimum(j, len(points) - 1)]
    return np.where(np.abs(at - a) <= np.abs(b - at), a, b)
