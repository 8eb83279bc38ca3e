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


# vowel formants (Hz), Peterson and Barney's men: a, i, u, e, o, ae
_VOWELS = ((730, 1090, 2440), (270, 2290, 3010), (300, 870, 2240), (530, 1840, 2480), (570, 840, 2410),
           (660, 1720, 2410))


def _vowel(sr: int, seconds: float, f0: float, formants: tuple[int, ...], glide: float) -> np.ndarray:
    """A voiced vowel: the harmonics of a pitch gliding from *f0* by *glide* (ratio), each as loud as
    the formants near it make it, swelling in and dying away."""
    n = int(seconds * sr)
    t = np.arange(n) / sr
    pitch = f0 * glide ** (t / seconds)
    phase = 2 * np.pi * np.cumsum(pitch) / sr
    x = np.zeros(n)
    for h in range(1, int(4000 / f0)):
        gain = sum(1.0 / (1.0 + ((h * f0 - f) / 80.0) ** 2) for f in formants) / h ** 0.5
        x += gain * np.sin(h * phase)
    return x * np.sin(np.pi * t / seconds) ** 0.7


def speech_line(sr: int, syllables: int, rng: np.random.Generator, f0: float = 120.0) -> np.ndarray:
    """A line of formant-synthesised speech: *syllables* syllables, each a consonant (a hiss, or a
    stop's closure and burst) and a vowel of its own length, pitch and contour (a talker's 4-6
    syllables a second, none on a grid)."""
    parts = []
    for k in range(syllables):
        if rng.random() < 0.5:  # a fricative: hiss
            m = int(rng.uniform(0.04, 0.09) * sr)
            parts.append(0.15 * np.diff(rng.standard_normal(m + 1)) * np.hanning(m))
        else:  # a stop: closure, then a short burst
            parts.append(np.zeros(int(rng.uniform(0.03, 0.07) * sr)))
            parts.append(0.3 * rng.standard_normal(int(0.01 * sr)))
        pitch = f0 * rng.uniform(0.85, 1.25) * (1.0 - 0.2 * k / syllables)  # the line's pitch falls
        parts.append(_vowel(sr, rng.uniform(0.09, 0.22), pitch, _VOWELS[rng.integers(len(_VOWELS))],
                            rng.uniform(0.85, 1.15)))
    y = np.concatenate(parts)
    return 0.4 * y / np.abs(y).max()


def dialogue(sr: int, lines: list[int], seed: int = 4, pause: tuple[float, float] = (0.4, 1.6)) -> np.ndarray:
    """A dialogue track: lines of the given numbers of syllables, two talkers taking turns, with a
    pause of digital silence before each (seconds, drawn from *pause*) and after the last."""
    rng = np.random.default_rng(seed)
    parts = []
    for k, n in enumerate(lines):
        parts.append(np.zeros(int(rng.uniform(*pause) * sr)))
        parts.append(speech_line(sr, n, rng, 110.0 if k % 2 == 0 else 190.0) * rng.uniform(0.5, 1.0))
    parts.append(np.zeros(int(1.0 * sr)))
    return np.concatenate(parts).astype(np.float32)


def staccato_phrases(bpm: float, seconds: float, sr: int, seed: int = 0) -> np.ndarray:
    """Phrases of 6-15 staccato notes on the eighths of *bpm* (a few left out), with 1-5 eighths of
    rest between them, in digital silence."""
    rng = np.random.default_rng(seed)
    eighth = 30.0 / bpm
    y = np.zeros(int(seconds * sr))
    t = 0.5
    while t < seconds - 3.0:
        n = int(rng.integers(6, 16))
        for k in range(n):
            if rng.random() < 0.85:
                add(y, t + k * eighth, tone(sr, 220 * 2 ** (rng.integers(0, 12) / 12), 0.25, 0.3), sr)
        t += (n + int(rng.integers(2, 6))) * eighth
    return y.astype(np.float32)


def riser_into_hit(sr: int, seconds: float = 2.0, seed: int = 7, power: float = 3.0) -> tuple[np.ndarray, float]:
    """A noise riser (300 Hz-6 kHz, its level rising as time to the *power*) that sounds on, dying over
    80 ms, under the low boom it builds to; and the boom's time (s) from the start."""
    rng = np.random.default_rng(seed)
    n = int((seconds + 1.5) * sr)
    t = np.arange(n) / sr
    noise = np.fft.rfft(rng.standard_normal(n))
    hz = np.fft.rfftfreq(n, 1 / sr)
    noise[(hz < 300) | (hz > 6000)] = 0
    swell = np.fft.irfft(noise, n)
    swell *= np.where(t < seconds, (t / seconds) ** power, np.exp(-(t - seconds) / 0.08)) / np.abs(swell).max()
    tb = np.clip(t - seconds, 0.0, None)
    boom = np.sin(2 * np.pi * 55 * tb * (1 + 0.5 * np.exp(-tb / 0.05))) * np.exp(-tb / 0.5)
    return (swell + 1.5 * boom * np.minimum(tb / 0.001, 1.0)).astype(np.float64), seconds
