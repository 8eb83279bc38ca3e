"""The benchmark check that finds score beats their own notes do not fit (benchmarks/truth_fit.py)."""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from truth_fit import FLOOR, beats_fit_notes  # noqa: E402


def test_notes_on_the_beats_divisions_fit_whatever_the_tempo_does():
    beats = np.cumsum(np.linspace(0.5, 0.4, 60))  # an accelerando
    sixteenths = (beats[:-1, None] + np.diff(beats)[:, None] * np.array([0, 0.25, 0.5, 0.75])[None]).ravel()
    assert beats_fit_notes(beats, sixteenths) > 0.99
    triplets = (beats[:-1, None] + np.diff(beats)[:, None] * np.array([0, 1 / 3, 2 / 3])[None]).ravel()
    assert beats_fit_notes(beats, triplets) > 0.99


def test_notes_at_another_tempo_do_not_fit():
    # as hd_fd_shawn: a grid of 0.632 s beats over notes whose beat is 0.662 s
    beats = np.arange(60) * 0.632
    notes = np.arange(0, 37, 0.662 / 4)
    assert beats_fit_notes(beats, notes) < FLOOR
    assert np.isnan(beats_fit_notes(beats[:5], notes))  # too few beats to say
