import numpy as np
import pytest
from scipy import signal

from syncsheet.analysis import features as feat


@pytest.mark.parametrize("sr_in", [8000, 22050, 44100, 96000, 192000])
def test_streamed_resampling_equals_whole_signal(sr_in):
    x = np.random.default_rng(0).standard_normal(sr_in // 2).astype(np.float32)
    r = feat.Resampler(sr_in, feat.SR)
    parts = [r(x[i : i + 3001]) for i in range(0, len(x), 3001)]
    parts.append(r(np.zeros(0, np.float32), final=True))
    y = np.concatenate(parts)
    g = np.gcd(sr_in, feat.SR)
    ref = signal.resample_poly(x, feat.SR // g, sr_in // g)
    assert len(y) == len(ref)
    assert np.max(np.abs(y - ref)) < 1e-4


def test_feature_rows_follow_the_hop_clock():
    sr = 44100
    y = np.zeros(3 * sr, np.float32)
    y[int(1.5 * sr) :] = 0.5 * np.sin(2 * np.pi * 440 * np.arange(len(y) - int(1.5 * sr)) / sr)
    f = feat.extract([y[i : i + 10000] for i in range(0, len(y), 10000)], sr, len(y))
    assert abs(f.n - 3 * feat.FPS) <= 2
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
