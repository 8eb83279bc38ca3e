"""The bar model on downbeat scores with known bar lines (seeded noise)."""

import numpy as np
import pytest

from syncsheet.analysis.features import CHROMA_DECIM
from syncsheet.analysis.meter import METERS, assign_bars, downbeat_features


def _scores(lengths: list[int], seed: int, weak: dict[int, float] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Downbeat scores: 2 on bar lines, 0 elsewhere, plus noise; *weak* scales chosen bar lines."""
    rng = np.random.default_rng(seed)
    first = np.cumsum([0] + lengths)[:-1]
    d = rng.normal(0.0, 0.4, sum(lengths))
    d[first] += 2.0
    for bar, w in (weak or {}).items():
        d[first[bar]] -= 2.0 * (1.0 - w)
    return d, first


@pytest.mark.parametrize("seed", range(4))
def test_a_single_bar_of_three_between_bars_of_four_is_not_a_bar_of_seven(seed):
    # the bar line after the bar of 3 is only half as clear as the others (as where the tempo
    # also changes): a one-off 3+4 must still not become one bar of 7
    d, first = _scores([4] * 6 + [3] + [4] * 8, seed, weak={7: 0.5})
    _, beat = assign_bars(d)
    assert beat.max() == 4
    assert np.array_equal(np.flatnonzero(beat == 1), first)


@pytest.mark.parametrize("seed", range(4))
def test_a_section_of_seven_that_repeats_is_still_found(seed):
    d, first = _scores([4] * 8 + [7] * 3 + [4] * 8, seed)
    _, beat = assign_bars(d)
    assert beat.max() == 7
    assert np.array_equal(np.flatnonzero(beat == 1), first)


@pytest.mark.parametrize("meter", [2, 3, 4, 5, 6, 7])
def test_each_meter_and_its_phase_are_found_after_a_pickup(meter):
    # the excerpt starts one beat into a bar: its first beats are a pickup
    d, first = _scores([meter] * 12, seed=meter)
    bars, beat = assign_bars(d[1:])
    assert np.array_equal(np.flatnonzero(beat == 1), first[1:] - 1)
    assert beat.max() == meter and bars[0] == 1


@pytest.mark.parametrize("meter", [2, 3, 4, 5, 6, 7])
def test_a_forced_meter_keeps_every_bar_that_long(meter):
    d, _ = _scores([4] * 14, seed=10 + meter)  # evidence for 4 whatever is forced
    bars, beat = assign_bars(d, meter)
    assert beat.max() <= meter
    # beats count 1, 2, ... within each bar; only the pickup and the last bar may be short
    assert np.all((np.diff(beat) == 1) | (beat[1:] == 1))
    complete = np.bincount(bars)[2:-1]
    assert np.all(complete == meter)


@pytest.mark.parametrize("seed", range(3))
def test_a_lasting_change_from_four_to_three_is_followed(seed):
    d, first = _scores([4] * 8 + [3] * 10, seed)
    _, beat = assign_bars(d)
    assert np.array_equal(np.flatnonzero(beat == 1), first)


def _features(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Random but plausible per-hop feature arrays (flux, chroma, bands) of *n* hops."""
    rng = np.random.default_rng(seed)
    flux = rng.gamma(1.0, 1.0, (n, 3)).astype(np.float32)
    chroma = rng.random((n // CHROMA_DECIM, 12)).astype(np.float16)
    bands = rng.random((n, 14)).astype(np.float16)
    return flux, chroma, bands


def _wrong_grids(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Beat grids a beat tracker can hand over when it is wrong (positions in hops)."""
    good = np.arange(40.0, n - 40.0, 100.0)
    return {
        "half tempo": good[::2],
        "double tempo": np.sort(np.concatenate([good, good[:-1] + 50.0])),
        "off-beat": good + 50.0,
        "jittered": np.sort(good + rng.normal(0.0, 20.0, len(good))),
        "irregular": np.sort(rng.uniform(0.0, n, 30)),
        "past the end": np.concatenate([good, n + 100.0 * np.arange(1, 6)]),
        "before the start": good - 500.0,
        "repeated": np.repeat(good, 2),
        "three": good[:3],
        "two": good[:2],
        "one": good[:1],
        "none": good[:0],
    }


@pytest.mark.parametrize("meter", [None, 2, 3, 4, 5, 6, 7])
def test_wrong_beats_still_give_consistent_bars(meter):
    rng = np.random.default_rng(7)
    n = 4000
    flux, chroma, bands = _features(n, seed=3)
    for name, grid in _wrong_grids(n, rng).items():
        d = downbeat_features(grid, flux, chroma, bands)
        assert d.shape == grid.shape and np.all(np.isfinite(d)), name
        bars, beat = assign_bars(d, meter)
        assert len(bars) == len(beat) == len(grid), name
        if not len(grid):
            continue
        assert beat.min() >= 1 and beat.max() <= (meter or max(METERS)), name
        assert bars[0] == 1 and np.all(np.diff(bars) >= 0), name
        assert np.array_equal(np.diff(bars) == 1, beat[1:] == 1), name  # a new bar exactly at each beat 1


def test_silence_gives_bars_without_errors():
    n = 2000
    grid = np.arange(50.0, n - 50.0, 100.0)
    z = np.zeros((n, 3), np.float32)
    d = downbeat_features(grid, z, np.zeros((n // CHROMA_DECIM, 12), np.float16), np.zeros((n, 14), np.float16))
    assert np.all(d == 0)
    bars, beat = assign_bars(d)
    assert np.all((np.diff(beat) == 1) | (beat[1:] == 1)) and bars[0] == 1
