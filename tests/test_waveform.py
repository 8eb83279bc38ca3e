import numpy as np
import pytest
import soundfile as sf

from syncsheet import waveform as wf
from syncsheet.errors import AudioDecodeError


def brute(y, size):
    n = -(-len(y) // size)
    parts = [y[i * size:(i + 1) * size].astype(np.float64) for i in range(n)]
    return (np.array([p.min() for p in parts]), np.array([p.max() for p in parts]),
            np.array([np.sqrt(np.mean(p * p)) for p in parts]))


def test_levels_hold_exact_extremes(rng):
    y = rng.standard_normal(10_007).astype(np.float32)
    peaks = wf.peaks_of_samples(y, 8000, base=16, factor=4, min_buckets=10)
    assert peaks.samples == len(y)
    assert [lvl.size for lvl in peaks.levels] == [16 * 4**i for i in range(len(peaks.levels))]
    assert len(peaks.levels[-1]) <= 10
    for lvl in peaks.levels:
        mins, maxs, rms = brute(y, lvl.size)
        assert np.array_equal(lvl.mins, mins) and np.array_equal(lvl.maxs, maxs)
        # RMS is exact except in the last, partial bucket of a folded level (padded with its neighbour)
        assert np.allclose(lvl.rms[:-1], rms[:-1], rtol=1e-4)


def test_streamed_file_equals_in_memory(tmp_path, rng):
    y = (0.5 * rng.standard_normal(70_001)).clip(-1, 1).astype(np.float32)
    path = tmp_path / "a.wav"
    sf.write(path, np.stack([y, -y], axis=1), 44100, subtype="FLOAT")  # stereo mixes to silence
    peaks = wf.compute_peaks(path, base=64, min_buckets=50)
    assert peaks.samples == len(y) and peaks.sample_rate == 44100
    assert np.allclose(peaks.levels[0].mins, 0) and np.allclose(peaks.levels[0].maxs, 0)
    sf.write(path, y, 44100, subtype="FLOAT")
    a = wf.compute_peaks(path, base=64, min_buckets=50)
    b = wf.peaks_of_samples(y, 44100, base=64, min_buckets=50)
    for la, lb in zip(a.levels, b.levels, strict=True):
        assert np.array_equal(la.mins, lb.mins) and np.array_equal(la.maxs, lb.maxs)
        assert np.allclose(la.rms, lb.rms)


def test_view_picks_a_level_finer_than_the_pixels(rng):
    sr = 48000
    y = rng.uniform(-1, 1, sr * 60).astype(np.float32)
    peaks = wf.peaks_of_samples(y, sr)
    for span, px in ((45.0, 1000), (10.0, 1600), (3.0, 300)):
        times, mins, maxs, rms = peaks.view(10.0, 10.0 + span, px)
        per_px = len(times) / px
        assert 1 <= per_px < 4 + 4 / px  # never coarser than a pixel, never a factor finer
        assert times[0] <= 10.0 and times[-1] >= min(10.0 + span, peaks.duration) - 0.1
        assert np.all(mins <= maxs) and np.all(rms <= np.maximum(-mins, maxs) + 1e-6)
    assert peaks.view(10.0, 10.01, 1600) is None  # 480 samples on 1600 pixels: draw raw samples


def test_read_span_seeks(tmp_path, rng):
    y = rng.uniform(-1, 1, 30_000).astype(np.float32)
    path = tmp_path / "b.wav"
    sf.write(path, y, 16000, subtype="FLOAT")
    assert np.array_equal(wf.read_span(path, 12_345, 12_400), y[12_345:12_400])
    assert len(wf.read_span(path, 29_990, 31_000)) == 10
    assert wf.read_span(path, 40_000, 40_010).size == 0
    with pytest.raises(AudioDecodeError):
        wf.read_span(tmp_path / "missing.wav", 0, 10)


def test_bad_parameters():
    with pytest.raises(ValueError, match="factor"):
        wf.peaks_of_samples(np.zeros(10), 100, factor=1)
