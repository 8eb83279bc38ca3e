"""The synthesised cartoon effects the cue judge also learns from (``benchmarks/toon_sfx.py``)."""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import toon_sfx  # noqa: E402


@pytest.mark.parametrize("family", sorted(toon_sfx.FAMILIES))
def test_each_family_gives_a_trimmed_effect_that_differs_from_draw_to_draw(family):
    a = toon_sfx.effect(family, np.random.default_rng(1))
    b = toon_sfx.effect(family, np.random.default_rng(2))
    again = toon_sfx.effect(family, np.random.default_rng(1))
    for x in (a, b):
        assert np.isfinite(x).all()
        assert np.abs(x).max() == pytest.approx(1.0)
        assert abs(x[0]) > 0.1  # it starts where the benchmark's builder starts an effect
        assert 0.03 < len(x) / toon_sfx.SR < 2.0
        assert x[-1] == 0.0  # faded out
    np.testing.assert_array_equal(a, again)  # seeded
    assert len(a) != len(b) or not np.allclose(a, b)


def test_the_folds_split_the_families_and_the_bank_says_what_mix_needs():
    left, right = toon_sfx.FOLDS
    assert not left & right and left | right == set(toon_sfx.FAMILIES)
    bank = toon_sfx.bank(np.random.default_rng(0), 2, left)
    assert [name for name, _, _ in bank][:2] == ["boing0", "boing1"]
    assert len(bank) == 2 * len(left)
    for _, x, rms in bank:
        assert rms == pytest.approx(np.sqrt(np.mean(x[: toon_sfx.SR // 2] ** 2)))
