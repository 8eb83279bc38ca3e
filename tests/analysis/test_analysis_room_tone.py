"""Music with a room's tone or a tape's hiss around it: beats only where the music plays."""

import numpy as np
import pytest
from analysis_synth import beat_times, music

from syncsheet.analysis import analyze_samples

SR = 22050


def _noise(n: int, slope: float, rng: np.random.Generator) -> np.ndarray:
    """Unit-power noise whose power falls as 1/f**slope (white 0, pink 1, brown 2), over 20 Hz as a
    recorder's DC blocking leaves it."""
    spec = np.fft.rfft(rng.standard_normal(n))
    hz = np.fft.rfftfreq(n, 1 / SR)
    spec[1:] /= hz[1:] ** (slope / 2)
    spec[hz < 20] = 0
    x = np.fft.irfft(spec, n)
    return x / x.std()


@pytest.mark.parametrize("slope", [0, 1, 2])
def test_no_beats_in_the_room_tone_before_and_after_the_music(slope):
    # 8 s of tone 45 dB under the music either side: the working level lifted it, and the tracker
    # kept its grid on its flicker (23 beats in the tone of white noise at -60 dBFS)
    head, body = 8.0, 10.0
    y = np.zeros(int((2 * head + body) * SR))
    ref = beat_times(120, body, start=0.0)
    m = music(ref, body, SR)
    y[int(head * SR) : int(head * SR) + len(m)] += m
    y += _noise(len(y), slope, np.random.default_rng(slope)) * 10 ** (-60 / 20)
    a = analyze_samples(y.astype(np.float32), SR)
    got = np.array([b.time for b in a.beats])
    assert len(got) and got.min() >= head - 0.05 and got.max() <= head + body + 0.05
    matched = sum(np.abs(got - (head + t)).min() <= 0.02 for t in ref)
    assert matched >= len(ref) - 2  # the music keeps its beats
