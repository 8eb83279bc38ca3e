import numpy as np
import pytest

from syncsheet.analysis import features as feat


@pytest.mark.parametrize("sr", [8000, 22050, 44100, 48000, 96000, 192000])
def test_every_rate_gives_the_same_hop_clock_and_the_same_bands(sr):
    y = np.zeros(sr * 2, np.float32)
    f = feat.extract([y], sr, len(y))
    ref = feat.extract([np.zeros(44100 * 2, np.float32)], 44100, 2 * 44100)
    assert f.n == 2 * feat.FPS
    # one analysis rate: every detector and network sees the same columns whatever the file's rate
    assert np.array_equal(f.fine_hz, ref.fine_hz) and np.array_equal(f.band_hz, ref.band_hz)
    assert f.floor.shape[1] == ref.floor.shape[1]


def test_feature_rows_follow_the_hop_clock():
    sr = 44100
    y = np.zeros(3 * sr, np.float32)
    y[int(1.5 * sr) :] = 0.5 * np.sin(2 * np.pi * 440 * np.arange(len(y) - int(1.5 * sr)) / sr)
    f = feat.extract([y[i : i + 10000] for i in range(0, len(y), 10000)], sr, len(y))
    assert f.n == 3 * feat.FPS
    assert f.duration == pytest.approx(3.0)
    # the attack at 1.5 s is where the activation peaks (within a few hops)
    peak = int(np.argmax(f.activation)) / feat.FPS
    assert abs(peak - 1.5) < 0.02
    assert f.fine.shape[0] == f.n // feat.FINE_DECIM
    assert f.chroma.shape == (f.n // feat.CHROMA_DECIM, 12)


def test_dc_offset_never_reaches_the_features():
    sr = 16000
    y = np.full(2 * sr, 0.4, np.float32)
    f = feat.extract([y], sr, len(y))
    # after the first few hundred ms of settling, a constant offset is silence
    assert 10 * np.log10(f.energy[-100:].max() + 1e-12) < -60


def test_sharp_attacks_are_located_in_the_signal_not_early():
    from syncsheet.analysis.beats import attack_times

    sr = 44100
    rng = np.random.default_rng(3)
    y = 0.002 * rng.standard_normal(4 * sr).astype(np.float32)
    truth = np.array([0.5, 1.2513, 2.0071])
    for t in truth:  # sharp: a decaying noise burst starting at t
        a = int(round(t * sr))
        n = int(0.2 * sr)
        y[a : a + n] += 0.5 * rng.standard_normal(n) * np.exp(-np.arange(n) / (0.05 * sr))
    a = int(3.0 * sr)  # slow: a 150 ms fade-in
    n = int(0.4 * sr)
    y[a : a + n] += 0.3 * rng.standard_normal(n) * np.minimum(1.0, np.arange(n) / (0.15 * sr))
    f = feat.extract([y], sr, len(y))
    got = attack_times(np.append(truth, 3.05) * feat.FPS + 2.0, f.energy)  # searched from 10 ms late
    assert np.all(np.abs(got[:3] - truth) < 0.003)  # to a fraction of the 5 ms hop
    assert np.isnan(got[3])


def test_a_bar_of_three_inside_four_four_keeps_both_sections_in_phase():
    from syncsheet.analysis.meter import assign_bars

    rng = np.random.default_rng(5)
    lengths = [4] * 8 + [3] + [4] * 10  # the longer section after the odd bar sets the global phase
    down = np.concatenate([[1.0] + [0.0] * (m - 1) for m in lengths]).astype(bool)
    d = np.where(down, 1.2, -0.4) + 0.5 * rng.standard_normal(len(down))
    _, in_bar = assign_bars(d)
    assert np.mean((in_bar == 1) == down) > 0.95


def test_beat_grid_is_continued_onto_onsets_at_the_edges():
    from syncsheet.analysis.beats import extend_to_edges

    pos = np.arange(100.0, 900.0, 100.0)
    out = extend_to_edges(pos, np.array([1.0, 150.0, 400.0, 903.0]))
    assert out[0] == 1.0 and out[-1] == 903.0 and len(out) == len(pos) + 2
    assert np.array_equal(extend_to_edges(pos, np.array([40.0, 450.0])), pos)  # nothing on the grid


def test_a_whoosh_ending_in_a_hit_gives_the_hit_and_bursts_do_not():
    from syncsheet.analysis.cues import swell_end

    surp = np.zeros(300)
    surp[100:160] = np.linspace(1.0, 60.0, 60)  # 0.6 s swell at 100 rows/s, then silence
    assert swell_end(surp, 100) == 159
    bursts = np.zeros(300)
    bursts[100:160:12] = 50.0  # a rustle: separate bursts
    assert swell_end(bursts, 100) is None


@pytest.mark.parametrize("told", [None, "exact", "short"])
def test_features_do_not_depend_on_the_length_given_for_their_buffers(told):
    # the per-feature buffers are sized from the length the caller gives (or a guess) and grow
    # when it is exceeded: whatever was said, the features are the same
    sr = 22050
    x = np.random.default_rng(3).standard_normal(sr * 7).astype(np.float32) * 0.1
    x[:: sr // 4] += 0.9  # clicks, so the onset features are not all noise
    blocks = [x[i : i + 4096] for i in range(0, len(x), 4096)]
    ref = feat.extract(iter(blocks), sr, len(x))
    total = {None: None, "exact": len(x), "short": sr // 3}[told]
    got = feat.extract(iter(blocks), sr, total)
    for name in ("flux", "energy", "bands", "chroma", "fine", "onset", "onset_strong", "onset_high", "floor"):
        a, b = getattr(got, name), getattr(ref, name)
        assert a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b), name
    assert len(got.flux) == int(np.ceil(len(x) * feat.FPS / sr))
