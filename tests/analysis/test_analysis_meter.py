"""The bar model on downbeat scores with known bar lines (seeded noise)."""

import numpy as np
import pytest

from syncsheet.analysis.meter import assign_bars


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
