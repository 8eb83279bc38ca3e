"""Seeded synthetic music with known answers, made at test time (no audio files in the repo)."""

from __future__ import annotations

import numpy as np


def _env(n: int, sr: int, tau: float) -> np.ndarray:
    t = np.arange(n) / sr
    attack = np.minimum(1.0, t / 0.002)
    return attack * np.exp(-t / tau)


def kick(sr: int) -> np.ndarray:
    n = int(0.25 * sr)
    t = np.arange(n) / sr
    f = 50 + 80 * np.exp(-t / 0.03)
    return np.sin(2 * np.pi * np.cumsum(f) / sr) * _env(n, sr, 0.08)


def hat(sr: int, rng: np.random.Generator) -> np.ndarray:
    n = int(0.05 * sr)
    x = rng.standard_normal(n)
    x = np.diff(x, prepend=0.0)  # brighter
    return 0.15 * x * _env(n, sr, 0.012)


def snare(sr: int, rng: np.random.Generator) -> np.ndarray:
    """A drum machine's snare: a noise burst over a 190 Hz body."""
    n = int(0.15 * sr)
    t = np.arange(n) / sr
    return 0.5 * rng.standard_normal(n) * np.exp(-t / 0.04) + 0.3 * np.sin(2 * np.pi * 190 * t) * np.exp(-t / 0.05)


def drum_loop(bpm: float, seconds: float, sr: int, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """A programmed loop in digital silence, every hit the same samples: kick on the odd beats, snare
    on the even ones, a hi-hat on every eighth. Returns the audio (float64) and the beat times."""
    rng = np.random.default_rng(seed)
    beat = 60.0 / bpm
    times = 1.0 + beat * np.arange(int((seconds - 2.0) / beat))
    y = np.zeros(int(seconds * sr))
    k, h, s = kick(sr), hat(sr, rng), snare(sr, rng)
    for i, t in enumerate(times):
        add(y, t, k if i % 2 == 0 else s, sr, 0.9 if i % 2 == 0 else 0.7)
        add(y, t, h, sr, 0.4)
        add(y, t + beat / 2, h, sr, 0.3)
    return 0.5 * y / np.abs(y).max(), times


def tone(sr: int, hz: float, seconds: float, gain: float = 0.2) -> np.ndarray:
    n = int(seconds * sr)
    t = np.arange(n) / sr
    x = sum(np.sin(2 * np.pi * hz * k * t) / k for k in range(1, 5))
    return gain * x * _env(n, sr, seconds / 3)


def pad(sr: int, hz: float, seconds: float, gain: float = 0.05) -> np.ndarray:
    """A sustained note for a whole bar (so the loop never falls silent between hits)."""
    n = int(seconds * sr)
    t = np.arange(n) / sr
    fade = np.minimum(1.0, np.minimum(t, seconds - t) / 0.01)
    return gain * fade * (np.sin(2 * np.pi * hz * t) + 0.3 * np.sin(4 * np.pi * hz * t))


def add(y: np.ndarray, at: float, sig: np.ndarray, sr: int, gain: float = 1.0) -> None:
    i = int(round(at * sr))
    if i >= len(y):
        return
    j = min(len(y), i + len(sig))
    y[i:j] += gain * sig[: j - i]


def beat_times(bpm, seconds: float, start: float = 0.25) -> np.ndarray:
    """Beat times for a tempo that may change: *bpm* is a number or a function of time."""
    f = bpm if callable(bpm) else (lambda _t: bpm)
    out, t = [], start
    while t < seconds - 0.1:
        out.append(t)
        t += 60.0 / f(t)
    return np.array(out)


def music(
    beats: np.ndarray,
    seconds: float,
    sr: int = 22050,
    per_bar: int = 4,
    seed: int = 0,
) -> np.ndarray:
    """A drum-and-bass loop on the given beats: kick and a bass note on the downbeat, lighter
    kicks on the other beats, hats on the off-beats, a chord change each bar."""
    rng = np.random.default_rng(seed)
    y = np.zeros(int(seconds * sr))
    k, h = kick(sr), hat(sr, rng)
    roots = [110.0, 146.8, 130.8, 98.0]
    for i, t in enumerate(beats):
        first = i % per_bar == 0
        add(y, t, k, sr, 0.9 if first else 0.45)
        if first:
            nxt = beats[i + per_bar] if i + per_bar < len(beats) else t + per_bar * 0.5
            add(y, t, pad(sr, roots[(i // per_bar) % 4] / 2, nxt - t), sr)
            add(y, t, tone(sr, roots[(i // per_bar) % 4], 0.8, 0.25), sr)
            add(y, t, tone(sr, 2 * roots[(i // per_bar) % 4] * 1.26, 0.8, 0.08), sr)
        if i + 1 < len(beats):
            add(y, (t + beats[i + 1]) / 2, h, sr)
        add(y, t, h, sr, 0.6)
    return (0.5 * y / (np.max(np.abs(y)) + 1e-9)).astype(np.float32)


def impact(sr: int, seed: int = 1) -> np.ndarray:
    """A broadband noise burst with a low thump: nothing like the loop."""
    rng = np.random.default_rng(seed)
    n = int(0.6 * sr)
    t = np.arange(n) / sr
    noise = rng.standard_normal(n) * _env(n, sr, 0.15)
    thump = np.sin(2 * np.pi * 45 * t) * _env(n, sr, 0.2)
    return 0.6 * noise + 0.8 * thump
