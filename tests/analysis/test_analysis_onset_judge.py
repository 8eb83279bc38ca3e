"""The learned onset judge: its tree ensemble in numpy, the measures it reads, its place in the pipeline."""

import sys
from pathlib import Path

import numpy as np
import pytest

from syncsheet.analysis import AnalysisSettings, analyze_samples, onset_judge
from syncsheet.analysis.features import FPS, extract
from syncsheet.analysis.forest import Forest

SR = 22050


def _two_trees() -> onset_judge.Forest:
    # tree 0: x0 <= 1 ? (x1 <= 0 ? 0.5 : -0.25) : 1.0   tree 1: x1 <= 2 ? -1.0 : 2.0
    return Forest({
        "feature": np.array([0, 1, 0, 0, 0, 1, 0, 0]),
        "threshold": np.array([1.0, 0.0, 0, 0, 0, 2.0, 0, 0]),
        "left": np.array([1, 3, -1, -1, -1, 6, -1, -1]),
        "right": np.array([2, 4, -1, -1, -1, 7, -1, -1]),
        "value": np.array([0, 0, 1.0, 0.5, -0.25, 0, -1.0, 2.0]),
        "roots": np.array([0, 5]),
        "baseline": np.array([0.1]),
    })


def test_the_forest_sums_its_leaves_over_a_logistic():
    x = np.array([[0.5, -1.0], [0.5, 3.0], [1.0, 0.0], [2.0, 5.0], [1.5, 2.0]])
    raw = 0.1 + np.array([0.5 - 1.0, -0.25 + 2.0, 0.5 - 1.0, 1.0 + 2.0, 1.0 - 1.0])
    np.testing.assert_allclose(_two_trees().probability(x), 1 / (1 + np.exp(-raw)))


def test_the_forest_gives_the_same_in_blocks():
    x = np.random.default_rng(0).normal(0, 2, (1000, 2))
    forest = _two_trees()
    np.testing.assert_array_equal(forest.probability(x, block=37), forest.probability(x))
    assert forest.probability(np.zeros((0, 2))).shape == (0,)


def test_the_forest_reports_each_block_and_a_cancel_stops_it():
    # a reel's onset candidates took 2.5 s to judge with no word of progress: a Cancel waited for it
    from syncsheet.errors import Cancelled

    x = np.random.default_rng(0).normal(0, 2, (1000, 2))
    seen = []
    _two_trees().probability(x, block=300, progress=lambda f, s: seen.append(f))
    assert seen == pytest.approx([0.3, 0.6, 0.9, 1.0])

    def cancel(fraction, stage):
        raise Cancelled("stop")

    with pytest.raises(Cancelled):
        _two_trees().probability(x, block=300, progress=cancel)


def _clicks(times: np.ndarray, seconds: float, gains=None) -> np.ndarray:
    """Noise bursts (4 ms decay) at the given times over a faint noise floor."""
    y = np.random.default_rng(1).normal(0, 1e-4, int(seconds * SR))
    burst = np.random.default_rng(2).normal(0, 1, int(0.02 * SR)) * np.exp(-np.arange(int(0.02 * SR)) / (0.004 * SR))
    for t, g in zip(times, np.full(len(times), 0.3) if gains is None else gains, strict=True):
        i = int(t * SR)
        y[i : i + len(burst)] += g * burst[: len(y) - i]
    return y


def test_the_measures_see_the_beat_grid():
    beats = np.arange(0.5, 9.5, 0.5)
    eighths = np.sort(np.concatenate([beats, beats[:-1] + 0.25]))
    y = _clicks(eighths, 10.0)
    f = extract([y], SR, len(y))
    lone = 4.5625 * FPS  # a candidate between sixteenths, on no place the music comes back to
    cand = np.sort(np.append(eighths * FPS, lone))
    regular = np.abs(cand - lone) > 1
    x = onset_judge.features(f, cand, regular, beats * FPS)
    assert x.shape == (len(cand), onset_judge.N_FEATURES) and np.isfinite(x).all()
    np.testing.assert_array_equal(x[:, 0], regular)
    recur = x[:, 18:20]  # an attack one and two beats away, either side
    assert (recur[regular][2:-2] == 1).all()
    assert (recur[~regular] == 0).all()
    on_grid = x[:, 12]  # distance from the sixteenth grid
    assert on_grid[regular].max() < 0.05 and on_grid[~regular][0] > 0.45
    assert onset_judge.features(f, np.zeros(0), np.zeros(0, bool), beats * FPS).shape == (0, onset_judge.N_FEATURES)
    assert onset_judge.features(f, cand, regular, np.zeros(0)).shape == x.shape  # no beats: no grid


def test_a_higher_sensitivity_reports_more_onsets():
    rng = np.random.default_rng(5)
    times = np.sort(rng.uniform(0.3, 7.5, 40))
    y = _clicks(times, 8.0, 0.3 * 10 ** rng.uniform(-2, 0, 40))  # 0 to -40 dB
    counts = [len(analyze_samples(y, SR, AnalysisSettings(sensitivity=s)).onsets) for s in (0.0, 0.5, 1.0)]
    assert counts[0] <= counts[1] <= counts[2] and counts[0] < counts[2]


def test_the_training_export_is_the_fitted_model():
    pytest.importorskip("sklearn")
    from sklearn.ensemble import HistGradientBoostingClassifier

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    from train_onset_judge import export

    rng = np.random.default_rng(3)
    x = rng.normal(size=(600, 5))
    y = (x[:, 0] + 0.5 * x[:, 3] ** 2 + rng.normal(0, 0.5, 600) > 0.5).astype(int)
    model = HistGradientBoostingClassifier(max_iter=30, max_leaf_nodes=7, random_state=0).fit(x, y)
    got = Forest(export(model)).probability(x)
    np.testing.assert_allclose(got, model.predict_proba(x)[:, 1], atol=1e-9)


def test_the_measures_are_the_same_read_in_blocks(monkeypatch):
    rng = np.random.default_rng(4)
    times = np.sort(rng.uniform(0.2, 5.8, 30))
    y = _clicks(times, 6.0, 0.3 * 10 ** rng.uniform(-1.5, 0, 30))
    f = extract([y], SR, len(y))
    cand = np.sort(rng.uniform(0, f.n - 1, 50))
    regular = rng.uniform(size=50) > 0.5
    beats = np.arange(0.25, 6.0, 0.5) * FPS
    whole = onset_judge.features(f, cand, regular, beats)
    monkeypatch.setattr(onset_judge, "_BLOCK", 7)
    np.testing.assert_array_equal(onset_judge.features(f, cand, regular, beats), whole)


def test_a_clear_pick_is_reported_whatever_the_judge_says(monkeypatch, deaf_judge):
    rng = np.random.default_rng(6)
    times = np.sort(rng.uniform(0.5, 7.5, 12))
    times = times[np.r_[True, np.diff(times) > 0.1]]
    y = _clicks(times, 8.0)  # clicks 70 dB over the floor: far past the sure margin
    monkeypatch.setattr(onset_judge, "load", lambda: deaf_judge)
    est = np.array([o.time for o in analyze_samples(y, SR).onsets])
    assert all(np.abs(est - t).min() <= 0.02 for t in times)
    # it is the margin rule that keeps them: without it this judge reports nothing
    monkeypatch.setattr(onset_judge, "SURE_MARGIN", np.inf)
    assert not analyze_samples(y, SR).onsets


def test_the_judge_keeps_the_probable_and_the_clear_picks_past_the_start():
    cand = np.array([2.0, 100.0, 200.0, 300.0, 400.0])
    x = np.zeros((5, onset_judge.N_FEATURES), np.float32)
    x[:, 0] = [1, 1, 1, 0, 1]  # regular picks, but for the fourth
    x[:, 1] = [50.0, 5.0, 1.0, 9.0, 0.5]  # margins
    prob = np.array([0.1, 0.1, 0.1, 0.1, 0.9])
    np.testing.assert_array_equal(onset_judge.keep(cand, x, prob, 0.45), [False, True, False, False, True])
    # the first is in the audio's first hops (a cut into sound): its margin is no measure of a note
    lower = onset_judge.keep(cand, x, prob, 0.45, sure_margin=0.8)
    np.testing.assert_array_equal(lower, [False, True, True, False, True])
