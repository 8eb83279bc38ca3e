"""Synthesised test signals with known answers (importable from any test: `from helpers import ...`)."""

from __future__ import annotations

import numpy as np


def click_track(bpm: float, seconds: float, sr: int = 44100, accent_every: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """A decaying-noise click on every beat (louder on the first of each bar).

    Returns the samples and the exact beat times.
    """
    rng = np.random.default_rng(7)
    y = np.zeros(int(seconds * sr), np.float32)
    times = np.arange(0.0, seconds - 0.2, 60.0 / bpm)
    n = int(0.05 * sr)
    click = (rng.standard_normal(n) * np.exp(-np.arange(n) / (0.008 * sr))).astype(np.float32)
    for i, t in enumerate(times):
        s = int(round(t * sr))
        gain = 0.9 if i % accent_every == 0 else 0.5
        y[s : s + n] += gain * click[: len(y) - s]
    return y, times
