import numpy as np
import pytest

from syncsheet.analysis.resample import ANALYSIS_RATE, Resampler, analysis_rate

RATES = [8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000, 88200, 96000, 192000, 44056]


def _run(up: int, down: int, x: np.ndarray, sizes: list[int] | None = None) -> np.ndarray:
    r = Resampler(up, down)
    if sizes is None:
        return np.concatenate([r(x), r(np.zeros(0, np.float32), final=True)])
    parts, i = [], 0
    for n in sizes:
        parts.append(r(x[i : i + n]))
        i += n
    parts.append(r(x[i:]))
    parts.append(r(np.zeros(0, np.float32), final=True))
    return np.concatenate(parts)


@pytest.mark.parametrize("sr", RATES)
def test_every_rate_reaches_the_analysis_rate_in_lowest_terms(sr):
    up, down = analysis_rate(sr)
    assert sr * up == ANALYSIS_RATE * down
    assert np.gcd(up, down) == 1
    assert analysis_rate(48000) == (147, 320) and analysis_rate(44100) == (1, 2)


@pytest.mark.parametrize("sr", RATES)
def test_streamed_output_is_the_whole_signal_output(sr):
    rng = np.random.default_rng(sr)
    x = rng.standard_normal(30000).astype(np.float32)
    up, down = analysis_rate(sr)
    whole = _run(up, down, x)
    streamed = _run(up, down, x, [int(n) for n in rng.integers(1, 2500, 20)])
    assert len(whole) == len(streamed) == -(-len(x) * up // down)
    assert np.allclose(streamed, whole, atol=1e-6)


@pytest.mark.parametrize("sr", RATES)
def test_output_sample_m_is_the_input_at_m_over_the_analysis_rate(sr):
    # a tone keeps its phase: no latency, no drift over the file
    t = np.arange(2 * sr) / sr
    y = _run(*analysis_rate(sr), np.sin(2 * np.pi * 1000 * t).astype(np.float32))
    to = np.arange(len(y)) / ANALYSIS_RATE
    assert np.abs(y - np.sin(2 * np.pi * 1000 * to))[400:-400].max() < 2e-3


@pytest.mark.parametrize("sr", [48000, 96000, 32000])
def test_what_the_analysis_rate_cannot_hold_is_removed_not_folded(sr):
    t = np.arange(sr) / sr
    y = _run(*analysis_rate(sr), np.sin(2 * np.pi * 14000 * t).astype(np.float32))
    assert np.abs(y[400:-400]).max() < 1e-2


def test_a_click_lands_on_its_own_time():
    sr = 48000
    x = np.zeros(sr, np.float32)
    x[30000] = 1.0  # 0.625 s
    y = _run(*analysis_rate(sr), x)
    assert abs(np.argmax(y) / ANALYSIS_RATE - 0.625) < 1 / ANALYSIS_RATE


def test_a_bad_rate_is_refused_with_the_projects_error():
    from syncsheet.analysis import analyze_samples
    from syncsheet.errors import AnalysisError

    with pytest.raises(AnalysisError, match="-8000 Hz"):
        analysis_rate(-8000)
    with pytest.raises(AnalysisError, match="0 Hz"):
        analyze_samples(np.zeros(100, np.float32), 0)
