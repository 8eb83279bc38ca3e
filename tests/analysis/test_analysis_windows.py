"""The sliding-window helpers against plain per-element loops."""

import numpy as np
import pytest

from syncsheet.analysis._windows import (
    local_mean,
    local_percentile,
    max_near,
    span_means,
    window_extreme,
    window_max,
    window_mean,
)


def _loop(fn, x, lo, hi):
    """fn over x[i - lo : i + hi + 1] per column, the edge columns repeated."""
    p = np.pad(x, ((0, 0), (lo, hi)), mode="edge")
    return np.stack([fn(p[:, j : j + lo + hi + 1], axis=1) for j in range(x.shape[1])], axis=1)


@pytest.mark.parametrize("half", [1, 2, 3, 7, 10])
def test_window_extreme_is_the_min_or_max_over_the_window(half):
    x = np.random.default_rng(half).integers(0, 255, (6, 40)).astype(np.uint8)
    assert np.array_equal(window_extreme(np.maximum, x, half), _loop(np.max, x, half, half))
    assert np.array_equal(window_extreme(np.minimum, x, half), _loop(np.min, x, half, half))


def test_window_max_and_mean_and_max_near():
    x = np.random.default_rng(1).normal(size=50)
    assert np.allclose(window_max(x[None, :], 2, 3, axis=1)[0], _loop(np.max, x[None, :], 2, 3)[0])
    assert np.allclose(window_mean(x, 2, 3), _loop(np.mean, x[None, :], 2, 3)[0])
    assert np.allclose(max_near(x, np.array([0.2, 10.6, 49.0]), 2),
                       [x[0:3].max(), x[9:14].max(), x[47:50].max()])


@pytest.mark.parametrize(("before", "after"), [(0, 1), (2, 2), (3, 0), (5, 9), (16, 15)])
@pytest.mark.parametrize("axis", [0, 1])
def test_window_max_along_either_axis_with_a_fill_or_the_edges(before, after, axis):
    rng = np.random.default_rng(before * 31 + after)
    x = rng.integers(0, 255, (37, 23)).astype(np.uint8)
    y = rng.normal(size=(37, 23))
    y[rng.random(y.shape) < 0.05] = np.nan  # a NaN reaches every window it is in, as max gives it
    t = (lambda a: a.T) if axis == 0 else (lambda a: a)
    assert np.array_equal(window_max(x, before, after, axis=axis), t(_loop(np.max, t(x), before, after)))
    assert np.array_equal(window_max(y, before, after, axis=axis), t(_loop(np.max, t(y), before, after)),
                          equal_nan=True)
    width = [(0, 0), (0, 0)]
    width[axis] = (before, after)
    z = np.pad(y, width, constant_values=-np.inf)
    want = np.stack([np.max(np.take(z, range(i, i + before + after + 1), axis=axis), axis=axis)
                     for i in range(y.shape[axis])], axis=axis)
    assert np.array_equal(window_max(y, before, after, axis=axis, fill=-np.inf), want, equal_nan=True)


def test_span_means_is_the_mean_over_each_span_and_the_start_row_for_an_empty_one():
    x = np.random.default_rng(2).normal(size=(300, 4)).astype(np.float32)
    starts = np.array([0, 10, 10, 150, 299])
    ends = np.array([5, 10, 200, 151, 400])  # an empty span, a long one, one past the end
    got = span_means(x, starts, ends, group=2)  # several groups
    want = [x[0:5].mean(0), x[10], x[10:200].mean(0), x[150], x[299]]
    assert np.allclose(got, want, atol=1e-6)


def test_local_statistics_are_the_whole_arrays_when_short_and_the_span_around_each_row_when_long():
    rng = np.random.default_rng(3)
    short = rng.random(300).astype(np.float32)
    assert np.array_equal(local_percentile(short, 90, 400, 50), np.full(300, float(np.percentile(short, 90))))
    assert np.array_equal(local_mean(short, 400), np.full(300, short.mean()))
    long = np.concatenate([rng.random(1000), 10 + rng.random(1000)])  # two passages
    p = local_percentile(long, 50, 400, 1)
    for i in (0, 150, 700, 1000, 1500, 1999):
        lo = min(max(i - 200, 0), 2000 - 400)
        assert p[i] == pytest.approx(np.percentile(long[lo : lo + 400], 50))
    assert p[:800].max() < 1 and p[1200:].min() > 10  # each passage its own
    m = local_mean(long, 400)
    assert m[100] == pytest.approx(long[:400].mean()) and m[1000] == pytest.approx(long[800:1200].mean())
