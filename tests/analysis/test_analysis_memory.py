"""Long audio: the beat decoder's memory does not grow with the length of the audio."""

import tracemalloc

import numpy as np

from syncsheet.analysis import beats as beatmod
from syncsheet.analysis.features import FPS


def _clicks(seconds: float, bpm: float = 120.0) -> np.ndarray:
    act = np.full(int(seconds * FPS), 0.2)
    step = 60.0 / bpm * FPS
    act[np.round(np.arange(0, len(act) - 1, step)).astype(int)] = 8.0
    return act


def _peak_bytes(seconds: float) -> tuple[int, np.ndarray]:
    act = _clicks(seconds)
    tracemalloc.start()
    pos = beatmod.track_beats(act)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak, pos


def test_beat_decoder_memory_is_bounded():
    short, _ = _peak_bytes(150.0)
    long, pos = _peak_bytes(900.0)
    # six times the audio: the decoder's working set stays about the same (only the beat list grows)
    assert long < 1.5 * short
    assert len(pos) == pytest_approx_beats(900.0)
    gaps = np.diff(pos) / FPS
    assert np.allclose(gaps, 0.5, atol=0.011)  # continuous across the committed windows


def pytest_approx_beats(seconds: float) -> int:
    return int(np.floor((seconds - 1 / FPS) / 0.5)) + 1


def test_thousands_of_bar_starts_on_a_reel_stay_small():
    # a project on a 2 h reel may hold a user's bar start every few bars: matching 3,600 of them to
    # 15,300 beats through a distance matrix took the analysis from 336 MB to 1.1 GB
    from syncsheet.analysis.pipeline import BEAT_LATENCY, _bar_start_beats

    pos = np.arange(20_000) * 0.5 * FPS  # 120 BPM for 10,000 s
    times = tuple(np.arange(0, 10_000, 2.0) - BEAT_LATENCY)  # every second bar of 4
    tracemalloc.start()
    got = _bar_start_beats(pos, times, [])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 2_000_000
    np.testing.assert_array_equal(got, np.arange(0, 20_000, 4))


def test_a_reels_beat_sounds_are_split_without_a_window_copy_of_them_all():
    # click_accents took each beat's sound less the median of the 17 around it over one window view
    # of every beat at once: the two-hour reel's analysis peaked at 560 MB RSS (344 MB a block at a time)
    from syncsheet.analysis.meter import click_accents

    sounds = np.random.default_rng(5).uniform(0, 60, (14_000, 200))
    tracemalloc.start()
    click_accents(sounds)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 30 * sounds.nbytes / 4  # 91 MB, four copies of the sounds (22 MB); 805 MB before
