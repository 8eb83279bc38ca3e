"""The learned downbeat activation's numpy inference and its per-beat inputs."""

from math import exp

import numpy as np
import pytest
from analysis_synth import beat_times, music

from syncsheet.analysis import downbeatnet as dbn
from syncsheet.analysis.features import FPS, extract
from syncsheet.analysis.meter import downbeat_features

SR = 22050


def _elu(v: float) -> float:
    return v if v > 0 else exp(v) - 1.0


def _tiny() -> dict[str, np.ndarray]:
    """Two one-channel networks over two inputs: the first reads input 0 and, through one layer of
    dilation 2 whose kernel's last tap is 1, the beat four ahead; the second says 3 everywhere."""
    k = np.zeros((2, 1, 1, 5))
    k[0, 0, 0, 4] = 1.0
    return {
        "w_in": np.array([[[1.0, 0.0]], [[0.0, 0.0]]]),
        "b_in": np.zeros((2, 1)),
        "dilations": np.array([2]),
        "w0": k,
        "b0": np.zeros((2, 1)),
        "w_out": np.array([[2.0], [0.0]]),
        "b_out": np.array([[-1.0], [3.0]]),
    }


def test_forward_matches_a_hand_computed_case():
    x = np.array([[1.0, 9.0], [2.0, 9.0], [3.0, 9.0], [4.0, 9.0], [5.0, 9.0], [-1.0, 9.0]])
    h = x[:, 0].tolist()
    shifted = [_elu(h[t + 4]) if t + 4 < len(h) else 0.0 for t in range(len(h))]  # zero padded
    h2 = [a + _elu(b) for a, b in zip(h, shifted, strict=True)]
    first = [2.0 * _elu(v) - 1.0 for v in h2]
    expected = [(a + 3.0) / 2.0 for a in first]
    assert np.allclose(dbn.forward(x, _tiny()), expected)
    # the second beat reads the last one, whose negative input goes through both ELUs
    assert expected[1] == pytest.approx((2.0 * (2.0 + exp(exp(-1.0) - 1.0) - 1.0) - 1.0 + 3.0) / 2.0)


def test_forward_reads_only_the_weights_input_columns():
    w = _tiny()
    x = np.array([[1.0, 9.0], [2.0, 9.0], [3.0, 9.0], [4.0, 9.0], [5.0, 9.0], [-1.0, 9.0]])
    wide = np.concatenate([np.full((len(x), 1), 7.0), x[:, ::-1]], axis=1)  # columns: junk, 1, 0
    assert np.allclose(dbn.forward(wide, {**w, "inputs": np.array([2, 1])}), dbn.forward(x, w))


def test_shipped_weights_are_small_and_give_a_finite_logit_per_beat():
    w = dbn.load_weights()
    inputs = w.get("inputs", np.arange(dbn.N_FEATURES))
    assert w["w_in"].shape[2] == len(inputs) and set(inputs.tolist()) <= set(range(dbn.N_FEATURES))
    assert sum(v.nbytes for v in w.values()) < 1_000_000
    x = np.random.default_rng(0).normal(size=(40, dbn.N_FEATURES))
    out = dbn.forward(x, w)
    assert out.shape == (40,) and np.all(np.isfinite(out))


@pytest.fixture(scope="module")
def loop():
    ref = beat_times(110, 24.0)
    feats = extract(iter([music(ref, 24.0, SR, per_bar=4)]), SR, int(24.0 * SR))
    return ref, feats


def test_beat_features_are_standardised_per_file(loop):
    ref, f = loop
    x = dbn.beat_features(ref * FPS, f)
    assert x.shape == (len(ref), dbn.N_FEATURES) and np.all(np.isfinite(x))
    live = x.std(axis=0) > 0
    assert np.allclose(x.mean(axis=0), 0.0, atol=1e-9)
    assert np.allclose(x.std(axis=0)[live], 1.0)


def test_too_few_beats_give_no_evidence(loop):
    ref, f = loop
    assert np.array_equal(dbn.downbeat_probability(ref[: dbn.MIN_BEATS - 1] * FPS, f), np.full(dbn.MIN_BEATS - 1, 0.5))
    assert dbn.downbeat_probability(np.zeros(0), f).shape == (0,)
    assert dbn.beat_features(ref[:2] * FPS, f).shape == (2, dbn.N_FEATURES)


@pytest.mark.parametrize("per_bar", [3, 4])
def test_shipped_evidence_is_highest_on_a_plain_loops_bar_lines(per_bar):
    # kick, bass note and chord change on each bar line: the mixed evidence must say so
    ref = beat_times(110, 24.0)
    f = extract(iter([music(ref, 24.0, SR, per_bar=per_bar)]), SR, int(24.0 * SR))
    pos = ref * FPS
    hand = downbeat_features(pos, f.flux, f.chroma, f.bands, fine=f.fine, fine_hz=f.fine_hz)
    e = dbn.placing_evidence(pos, f, hand)
    bar = np.arange(len(ref)) % per_bar == 0
    assert e[bar].min() > e[~bar].max()


@pytest.mark.parametrize("forced", [None, 4])
def test_placing_evidence_moves_the_bar_lines_but_not_the_meter(forced):
    from syncsheet.analysis.meter import assign_bars

    rng = np.random.default_rng(3)
    n = 48
    d = rng.normal(0.0, 0.4, n)
    d[::4] += 2.0  # the hand score: bars of 4 from beat 0
    placing = rng.normal(0.0, 0.4, n)
    placing[1::4] += 2.0  # learned: the same bars, from beat 1
    placing[3::4] += 1.0  # and a half-strong middle beat, which the hand score's meter keeps in the bar
    _, beat = assign_bars(d, forced, placing=placing)
    assert beat.max() == 4
    assert np.array_equal(np.flatnonzero(beat == 1), np.arange(1, n, 4))  # placed on the learned phase
    _, alone = assign_bars(d, forced)
    assert np.array_equal(np.flatnonzero(alone == 1), np.arange(0, n, 4))
