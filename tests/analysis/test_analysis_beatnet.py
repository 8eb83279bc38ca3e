"""The learned beat activation's numpy inference (no torch, no benchmark data)."""

from __future__ import annotations

import math
from importlib import resources

import numpy as np
import pytest

from syncsheet.analysis import beatnet
from syncsheet.analysis._threads import InOrder
from syncsheet.analysis.features import extract
from tests.analysis_synth import add, beat_times, hat, kick


def _sigmoid(v: float) -> float:
    return 1.0 / (1.0 + math.exp(-v))


def _tiny_net() -> beatnet.Net:
    """One channel, one block of dilation 1 whose convolution reads only the hop before."""
    return beatnet.Net({
        "in_w": np.array([[1.0, 0.0]]), "in_b": np.zeros(1), "dilations": np.array([1]),
        "conv0_w": np.array([[[1.0, 0.0, 0.0]]]), "conv0_b": np.zeros(1),
        "res0_w": np.array([[1.0]]), "res0_b": np.zeros(1),
        "out_w": np.array([[1.0]]), "out_b": np.zeros(1),
    })


def test_forward_matches_a_hand_computed_case():
    x = np.array([[1.0, 5.0], [2.0, 5.0], [-1.0, 5.0], [0.5, 5.0]], np.float32)  # column 2 unread
    # h0 = x[:, 0]; conv = h0 one hop earlier (zero before the start); h = h0 + elu(conv)
    h = [1.0 + 0.0, 2.0 + 1.0, -1.0 + 2.0, 0.5 + math.expm1(-1.0)]
    want = [_sigmoid(v if v > 0 else math.expm1(v)) for v in h]
    got = _tiny_net().forward(x)
    assert got.shape == (4, 1)
    np.testing.assert_allclose(got[:, 0], want, rtol=1e-6)


def test_the_receptive_field_is_the_sum_of_the_dilations():
    net = beatnet.load()
    x = np.zeros((4 * net.context, beatnet.N_INPUTS), np.float32)
    base = net.forward(x)[:, 0]
    x[2 * net.context, :] = 1.0  # an impulse in the middle reaches exactly ±context hops
    moved = np.flatnonzero(np.abs(net.forward(x)[:, 0] - base) > 0)
    assert moved.min() >= net.context and moved.max() <= 3 * net.context


def _drums(sr: int, seconds: float, bpm: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    y = np.zeros(int(seconds * sr))
    beats = beat_times(bpm, seconds)
    for i, t in enumerate(beats):
        add(y, t, kick(sr), sr, 0.6 if i % 2 == 0 else 0.3)
        add(y, t + 30 / bpm, hat(sr, rng), sr)
    return (y + 1e-3 * rng.standard_normal(len(y))).astype(np.float32)


def test_blockwise_activation_equals_one_pass(monkeypatch):
    sr = 22050
    y = _drums(sr, 14.0, 112.0)
    f = extract([y], sr, len(y))
    net = beatnet.load()
    whole = net.forward(beatnet.inputs(f))[:, 0]
    monkeypatch.setattr(beatnet, "_BLOCK", 300)  # many blocks, each shorter than the context
    steps = []
    blocks = beatnet.activation(f, net, progress=lambda frac, _stage: steps.append(frac))
    assert len(blocks) == len(whole) == -(-f.n // 2)
    np.testing.assert_allclose(blocks, whole, atol=1e-5)
    assert steps[-1] == 1.0 and steps == sorted(steps)


def test_blocks_on_the_second_thread_give_the_same_activation(monkeypatch):
    sr = 22050
    y = _drums(sr, 14.0, 112.0)
    f = extract([y], sr, len(y))
    net = beatnet.load()
    monkeypatch.setattr(beatnet, "_BLOCK", 300)  # an odd number of blocks: the last runs here alone
    alone = beatnet.activation(f, net)
    submitted, steps = [], []
    with InOrder() as later:
        def submit(fn, *args):
            submitted.append(args)
            return later.submit(fn, *args)

        both = beatnet.activation(f, net, submit=submit, progress=lambda frac, _stage: steps.append(frac))
    n_blocks = -(-len(alone) // 300)
    assert len(submitted) == n_blocks // 2 > 0
    np.testing.assert_array_equal(both, alone)  # the same numbers, bit for bit
    assert steps[-1] == 1.0 and steps == sorted(steps)


@pytest.mark.parametrize("sr", [8000, 44100, 192000])
def test_inputs_have_one_layout_at_every_rate(sr):
    y = _drums(sr, 4.0, 120.0)
    f = extract([y], sr, len(y))
    x = beatnet.inputs(f)
    assert x.shape == (-(-f.n // 2), beatnet.N_INPUTS)
    assert np.isfinite(x).all()
    nb = len(beatnet.SPECTRUM_HZ)
    high = beatnet.SPECTRUM_HZ > 4100.0
    missing = not np.any(x[:, :nb][:, high])
    assert missing == (sr == 8000)  # an 8 kHz file has nothing above 4 kHz: those inputs are zero


def test_cut_zeroes_what_a_low_rate_file_lacks():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((50, beatnet.N_INPUTS)).astype(np.float32)
    kept = x.copy()
    beatnet.cut(x, 3300.0)
    nb = len(beatnet.SPECTRUM_HZ)
    gone = np.flatnonzero(beatnet.SPECTRUM_HZ > 3300.0)
    assert len(gone) and not x[:, gone].any() and not x[:, nb + gone].any()
    low = np.flatnonzero(beatnet.SPECTRUM_HZ <= 3300.0)
    np.testing.assert_array_equal(x[:, low], kept[:, low])


def test_band_matrix_interpolates_and_leaves_missing_bands_empty():
    fine_hz = np.geomspace(50.0, 3000.0, 40)
    w = beatnet._band_matrix(fine_hz)
    covered = beatnet.SPECTRUM_HZ <= 3000.0 * 2 ** (1 / 24)
    np.testing.assert_allclose(w.sum(axis=0)[covered], 1.0, rtol=1e-6)
    assert not w[:, ~covered].any()
    # a spectrum linear in log frequency is reproduced at the centres it covers
    spectrum = np.log2(fine_hz)
    np.testing.assert_allclose((spectrum @ w)[covered][1:], np.log2(beatnet.SPECTRUM_HZ[covered][1:]), rtol=1e-5)


def test_the_shipped_model_is_small_and_fits_the_inputs():
    size = len(resources.files("syncsheet.data").joinpath("beatnet.npz").read_bytes())
    net = beatnet.load()
    assert net.in_w.shape[1] == beatnet.N_INPUTS
    assert size < 1_000_000
    p = net.forward(np.zeros((10, beatnet.N_INPUTS), np.float32))
    assert ((p >= 0) & (p <= 1)).all()


def test_the_tracker_gets_the_mixture_on_music_and_the_hand_made_activation_on_short_audio():
    from syncsheet.analysis.beats import beat_activation

    sr = 22050
    y = _drums(sr, 10.0, 100.0)
    f = extract([y], sr, len(y))
    hand = beat_activation(f.flux, notes=f.onset)
    act, threshold = beatnet.tracker_activation(f, hand)
    assert act.shape == hand.shape and threshold == beatnet.THRESHOLD
    learned = (act - (1 - beatnet.SHARE) * hand) / beatnet.SHARE
    assert abs(float(learned.mean()) - 1.0) < 0.01  # the learned part is over its own mean
    short = y[: int((beatnet.MIN_SECONDS - 0.5) * sr)]
    g = extract([short], sr, len(short))
    assert beatnet.tracker_activation(g, beat_activation(g.flux, notes=g.onset)) is None
