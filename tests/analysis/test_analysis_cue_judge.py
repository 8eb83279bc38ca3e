"""The learned cue judge: what it reads, which cues it keeps, and the strong cues it may not veto."""

import numpy as np
import pytest
from analysis_synth import add, beat_times, impact, music

from syncsheet.analysis import analyze_samples, cue_judge, cuenet, onset_judge
from syncsheet.analysis.features import FPS, extract

SR = 22050
FRAME = 1 / 24


def test_one_cue_per_effect_the_most_probable_and_a_sure_one_first():
    cand = np.array([1.0, 1.2, 3.0, 3.3, 6.0, 9.0]) * FPS
    prob = np.array([0.5, 0.9, 0.6, 0.4, 0.2, 0.35])
    assert cue_judge.select(cand, prob, 0.3).tolist() == [1, 2, 5]  # 6 s under the threshold; 1.0 s and 3.3 s
    # are the same effects as 1.2 s and 3.0 s, which are more probable
    sure = np.array([True, False, False, False, False, False])
    assert cue_judge.select(cand, prob, 0.3, sure=sure).tolist() == [0, 2, 5]
    assert cue_judge.select(cand, prob, 0.3, apart_s=0.1).tolist() == [0, 1, 2, 3, 5]
    assert cue_judge.select(np.zeros(0), np.zeros(0), 0.3).tolist() == []


@pytest.mark.parametrize("judge", [cue_judge, onset_judge])
def test_the_shipped_judges_read_only_the_measures_there_are(judge):
    forest = judge.load()
    assert forest.feature.max() < judge.N_FEATURES
    inner = forest.left >= 0
    assert (forest.left[inner] > np.flatnonzero(inner)).all()  # children after their parent: no loops
    p = forest.probability(np.zeros((3, judge.N_FEATURES)))
    assert ((p > 0) & (p < 1)).all()


def test_the_measures_say_which_detector_and_how_far_the_other_one_is():
    ref = beat_times(120, 12.0)
    y = music(ref, 12.0, SR)
    f = extract([y], SR, len(y))
    rows = len(f.fine)
    surp, fsurp, weight = np.ones(rows, np.float32), np.zeros(rows, np.float32), np.ones(rows, np.float32)
    act = np.zeros((rows, 2), np.float32)
    act[600:610, 0] = 0.9  # the network hears a start at 6.0 s
    cand = np.array([3.0, 6.0, 6.1, 10.0]) * FPS
    network = np.array([False, True, False, False])
    score = np.array([4.0, 0.9, 8.0, 2.5])
    onsets = ref * FPS
    x = cue_judge.features(f, surp, fsurp, weight, act, cand, network, score, onsets, ref * FPS)
    assert x.shape == (4, cue_judge.N_FEATURES) and np.isfinite(x).all()
    np.testing.assert_array_equal(x[:, 0], network)
    np.testing.assert_allclose(x[:, 1], [4.0, 0.0, 8.0, 2.5])  # the detector's score
    np.testing.assert_allclose(x[1, 2], 8.0)  # the network's start has a detector cue 0.1 s away
    np.testing.assert_allclose(x[:, 7], [3.0, 0.1, 0.1, 4.0], atol=1e-6)  # the other detector's nearest
    assert x[1, 4] > 0.8 and x[0, 4] == 0  # the network's probability near each
    np.testing.assert_allclose(x[1:3, 14], [0.5, 0.3], atol=0.01)  # beats at 5.75 and 6.25 s: 6.0 s is halfway
    empty = cue_judge.features(f, surp, fsurp, weight, act, np.zeros(0), np.zeros(0, bool), np.zeros(0), onsets,
                               ref * FPS)
    assert empty.shape == (0, cue_judge.N_FEATURES)
    bare = cue_judge.features(f, surp, fsurp, weight, act, cand, network, score, np.zeros(0), np.zeros(0))
    assert np.isfinite(bare).all()  # no onsets, no beats: no grid, no entry


def test_a_strong_detector_cue_stands_whatever_the_judge_says(monkeypatch, deaf_judge):
    ref = beat_times(120, 20.0)
    y = music(ref, 20.0, SR).astype(np.float64)
    hit = 11.13
    add(y, hit, impact(SR), SR, 0.5)
    monkeypatch.setattr(cue_judge, "load", lambda: deaf_judge)
    fx = [c for c in analyze_samples(y.astype(np.float32), SR).cues if c.kind not in ("stop", "restart")]
    assert any(abs(c.time - hit) <= FRAME for c in fx)
    # it is the strong rule that keeps it: without it this judge keeps nothing
    monkeypatch.setattr(cuenet, "STRONG", np.inf)
    assert not [c for c in analyze_samples(y.astype(np.float32), SR).cues if c.kind not in ("stop", "restart")]
