"""Cue picking and timing on synthetic surprise curves (100 rows a second)."""

import numpy as np
import pytest

from syncsheet.analysis.cues import pick_cues

FPS = 100


def _bed(seconds: float, seed: int) -> np.ndarray:
    """The music's usual surprise: mostly near zero with small scattered blips."""
    rng = np.random.default_rng(seed)
    s = rng.exponential(1.0, int(seconds * FPS))
    blips = rng.random(len(s)) < 0.15
    s[blips] += rng.uniform(5.0, 15.0, int(blips.sum()))
    return s


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_crackle_before_the_body_is_where_the_effect_starts(seed):
    s = _bed(20.0, seed)
    start = 1003
    s[start : start + 3] += [110.0, 140.0, 90.0]  # the first crackle
    s[start + 17 : start + 60] += 150.0  # the body, 0.14 s of near-silence later
    pos, _ = pick_cues(s)
    near = pos[np.abs(pos - start) < 80]
    assert len(near) == 1  # one effect, one cue
    assert abs(near[0] - start) <= 4  # 40 ms: within a frame at 24 fps


@pytest.mark.parametrize("seed", [4, 5])
def test_a_burst_long_before_the_effect_is_not_its_start(seed):
    s = _bed(20.0, seed)
    s[950:953] += 60.0  # something in the music half a second before
    start = 1003
    s[start : start + 40] += np.linspace(40.0, 120.0, 40)
    pos, _ = pick_cues(s)
    assert np.min(np.abs(pos - start)) <= 4
    assert not np.any((pos > 955) & (pos < start - 2))  # (the burst may be a cue of its own)


def test_a_soft_attack_is_timed_from_where_it_leaves_the_bed():
    s = _bed(20.0, 6)
    start = 1203
    s[start : start + 30] += np.linspace(15.0, 150.0, 30)  # a door: 0.3 s to its loudest
    s[start + 30 : start + 80] += 150.0
    pos, _ = pick_cues(s)
    near = pos[np.abs(pos - start) < 80]
    assert len(near) == 1 and abs(near[0] - start) <= 4
