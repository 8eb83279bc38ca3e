"""Cartoon sound effects, synthesised: the tonal and percussive effects an animation score is cued with.

The effect banks the cue models learn from (``make_cuenet_data.sfx_bank``: Freedoom's game sounds and
the freedesktop theme) are mostly noisy: explosions, shots, doors, monsters. A cartoon's effects are
often pitched or struck like an instrument: a slide whistle, a boing, a horn's honk, a cork's pop, a
wood block, a xylophone run, a timpani stroke, a bell's ding. Each family here draws its pitch,
length, decay and shape from a seeded generator, so the models see a family's range, not one sound.

:data:`FOLDS` splits the families in two, so that a judge fitted with one half's effects can be
measured on the other's: a gain that holds on families it never heard is one that generalises.

    from toon_sfx import bank
    effects = bank(np.random.default_rng(0), per_family=8)   # [(name, samples, RMS of 0.5 s)]
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

SR = 44100

Family = Callable[[np.random.Generator], np.ndarray]


def _n(seconds: float) -> int:
    return max(1, int(round(seconds * SR)))


def _env(n: int, attack: float, decay: float | None = None) -> np.ndarray:
    """A linear attack of *attack* s, then an exponential decay of time constant *decay* s (or held)."""
    e = np.ones(n)
    a = min(n, _n(attack))
    e[:a] = np.linspace(0.0, 1.0, a)
    if decay:
        e *= np.exp(-np.arange(n) / (decay * SR))
    return e


def _tone(freq: np.ndarray | float, n: int, partials=(1.0,), amps=None) -> np.ndarray:
    """A sum of sine partials (frequency ratios *partials*, amplitudes *amps*: 1/k unless told) over an
    instantaneous fundamental *freq* (Hz, scalar or one per sample)."""
    phase = 2 * np.pi * np.cumsum(np.broadcast_to(np.asarray(freq, float), (n,))) / SR
    amps = amps if amps is not None else [1.0 / (k + 1) for k in range(len(partials))]
    nyq = SR / 2
    top = float(np.max(freq))
    return sum(a * np.sin(p * phase) for p, a in zip(partials, amps, strict=True) if p * top < nyq)


def _band_noise(rng: np.random.Generator, n: int, centre: float, width: float) -> np.ndarray:
    spec = np.fft.rfft(rng.normal(0, 1, n))
    f = np.fft.rfftfreq(n, 1 / SR)
    return np.fft.irfft(spec * np.exp(-(((f - centre) / width) ** 2)), n)


def slide_whistle(rng: np.random.Generator, up: bool = True) -> np.ndarray:
    n = _n(rng.uniform(0.25, 0.8))
    lo = rng.uniform(400, 900)
    hi = lo * rng.uniform(2.0, 4.0)
    f = np.geomspace(lo, hi, n) if up else np.geomspace(hi, lo, n)
    f = f * (1 + 0.01 * np.sin(2 * np.pi * rng.uniform(4, 7) * np.arange(n) / SR))
    return _tone(f, n, (1, 2), [1, 0.15]) * _env(n, rng.uniform(0.01, 0.04)) + rng.normal(0, 0.02, n)


def boing(rng: np.random.Generator) -> np.ndarray:
    n = _n(rng.uniform(0.5, 1.0))
    t = np.arange(n) / SR
    wobble = rng.uniform(0.1, 0.35) * np.exp(-t / rng.uniform(0.2, 0.4)) * np.sin(2 * np.pi * rng.uniform(6, 12) * t)
    return _tone(rng.uniform(120, 300) * (1 + wobble), n, (1, 2, 3, 4, 5)) * _env(n, 0.003, rng.uniform(0.2, 0.5))


def honk(rng: np.random.Generator) -> np.ndarray:
    one = _n(rng.uniform(0.15, 0.3))
    f = rng.uniform(300, 520)
    parts = []
    for _ in range(int(rng.integers(1, 3))):
        parts += [_tone(f, one, tuple(range(1, 9))) * _env(one, 0.01), np.zeros(_n(rng.uniform(0.04, 0.1)))]
    x = np.concatenate(parts)
    return x + rng.normal(0, 0.03, len(x)) * (np.abs(x) > 0)


def cork_pop(rng: np.random.Generator) -> np.ndarray:
    n = _n(0.08)
    click = rng.normal(0, 1, n) * np.exp(-np.arange(n) / (rng.uniform(0.002, 0.005) * SR))
    return click + _tone(rng.uniform(700, 1500), n) * _env(n, 0.001, rng.uniform(0.01, 0.025))


def wood_block(rng: np.random.Generator) -> np.ndarray:
    n = _n(0.15)
    return _tone(rng.uniform(600, 1200), n, (1, 2.7), [1, 0.4]) * _env(n, 0.001, rng.uniform(0.02, 0.06))


def xylophone_run(rng: np.random.Generator) -> np.ndarray:
    base = rng.uniform(400, 800)
    steps = np.array([0, 2, 4, 7, 9, 12, 14, 16, 19, 21])[: int(rng.integers(4, 11))]
    if rng.random() < 0.5:
        steps = steps[::-1]
    gap = _n(rng.uniform(0.025, 0.06))
    n = gap * len(steps) + _n(0.4)
    x = np.zeros(n)
    for k, s in enumerate(steps):
        m = n - k * gap
        x[k * gap :] += _tone(base * 2 ** (s / 12), m, (1, 3.9), [1, 0.3]) * _env(m, 0.001, 0.12)
    return x


def timpani(rng: np.random.Generator) -> np.ndarray:
    n = _n(rng.uniform(0.8, 1.4))
    body = _tone(rng.uniform(70, 130), n, (1, 1.5, 2), [1, 0.5, 0.3]) * _env(n, 0.004, rng.uniform(0.3, 0.8))
    return body + rng.normal(0, 0.3, n) * _env(n, 0.001, 0.01)


def zip_by(rng: np.random.Generator) -> np.ndarray:
    n = _n(rng.uniform(0.1, 0.3))
    return _band_noise(rng, n, rng.uniform(1500, 5000), rng.uniform(800, 2000)) * np.hanning(n)


def ding(rng: np.random.Generator) -> np.ndarray:
    n = _n(1.0)
    partials = _tone(rng.uniform(800, 3000), n, (1, 2.76, 5.4, 8.93), [1, 0.5, 0.3, 0.15])
    return partials * _env(n, 0.001, rng.uniform(0.3, 1.0))


def cowbell(rng: np.random.Generator) -> np.ndarray:
    n = _n(0.4)
    f = rng.uniform(480, 600)
    sq = np.sign(_tone(f, n)) + np.sign(_tone(f * 1.48, n))
    return sq * _env(n, 0.001, rng.uniform(0.08, 0.25))


def tom(rng: np.random.Generator) -> np.ndarray:
    n = _n(0.5)
    t = np.arange(n) / SR
    f0 = rng.uniform(110, 220)
    f = f0 * (0.6 + 0.4 * np.exp(-t / 0.05))
    return _tone(f, n) * _env(n, 0.002, rng.uniform(0.12, 0.3)) + 0.3 * rng.normal(0, 1, n) * _env(n, 0.001, 0.008)


def twang(rng: np.random.Generator) -> np.ndarray:
    """A plucked string (Karplus-Strong) whose pitch bends down as it rings."""
    n = _n(rng.uniform(0.5, 1.0))
    f0 = rng.uniform(80, 300)
    bend = rng.uniform(0.7, 0.95)
    period = SR / (f0 * np.linspace(1.0, bend, n))
    buf = list(rng.uniform(-1, 1, int(period[0]) + 2))
    out = np.empty(n)
    for i in range(n):
        p = int(period[i])
        out[i] = buf[-p]
        buf.append(0.996 * 0.5 * (buf[-p] + buf[-p - 1]))
    return out


def tweet(rng: np.random.Generator) -> np.ndarray:
    parts = []
    for _ in range(int(rng.integers(2, 5))):
        m = _n(rng.uniform(0.04, 0.08))
        f = np.linspace(rng.uniform(2000, 3500), rng.uniform(3500, 5500), m)
        parts += [_tone(f, m) * np.hanning(m), np.zeros(_n(rng.uniform(0.02, 0.06)))]
    return np.concatenate(parts)


def bubble(rng: np.random.Generator) -> np.ndarray:
    n = _n(0.08)
    rise = _n(rng.uniform(0.02, 0.04))
    f = np.concatenate([np.geomspace(rng.uniform(250, 400), rng.uniform(1000, 1600), rise), np.full(n - rise, 1.0)])
    f[rise:] = f[rise - 1]
    return _tone(f, n) * _env(n, 0.002, 0.025)


def kazoo(rng: np.random.Generator) -> np.ndarray:
    n = _n(rng.uniform(0.3, 0.6))
    saw = _tone(rng.uniform(200, 400), n, tuple(range(1, 16)))
    return (saw + rng.normal(0, 0.2, n)) * _env(n, 0.015) * np.linspace(1, 0.6, n)


def ratchet(rng: np.random.Generator) -> np.ndarray:
    rate = rng.uniform(20, 40)
    clicks = int(rng.integers(8, 21))
    step = _n(1 / rate)
    n = step * clicks + _n(0.03)
    x = np.zeros(n)
    m = _n(0.02)
    f = rng.uniform(1500, 3000)
    for k in range(clicks):
        x[k * step : k * step + m] += (rng.normal(0, 0.5, m) + _tone(f, m)) * _env(m, 0.0005, 0.003)
    return x


def stab(rng: np.random.Generator) -> np.ndarray:
    """An orchestra hit: a brassy chord struck together and cut short."""
    n = _n(rng.uniform(0.2, 0.5))
    root = rng.uniform(130, 260)
    chord = [0, 4, 7, 12] if rng.random() < 0.5 else [0, 3, 7, 12]
    x = sum(_tone(root * 2 ** (s / 12), n, tuple(range(1, 10))) for s in chord)
    return x * _env(n, 0.005, rng.uniform(0.1, 0.3))


def triangle(rng: np.random.Generator) -> np.ndarray:
    n = _n(1.2)
    f = rng.uniform(3500, 6000)
    return _tone(f, n, (1, 1.41, 2.19, 2.87), [1, 0.6, 0.4, 0.3]) * _env(n, 0.001, rng.uniform(0.4, 1.0))


def drip(rng: np.random.Generator) -> np.ndarray:
    n = _n(0.05)
    f = np.geomspace(rng.uniform(800, 1400), rng.uniform(1800, 2800), n)
    return _tone(f, n) * _env(n, 0.001, 0.015)


def squeak(rng: np.random.Generator) -> np.ndarray:
    n = _n(rng.uniform(0.1, 0.25))
    t = np.arange(n) / SR
    f = rng.uniform(2000, 3000) * (1 + 0.08 * np.sin(2 * np.pi * rng.uniform(25, 45) * t))
    return _tone(f, n, (1, 2, 3)) * _env(n, 0.01) * np.hanning(n) ** 0.3


FAMILIES: dict[str, Family] = {
    "whistle_up": slide_whistle,
    "whistle_down": lambda rng: slide_whistle(rng, up=False),
    "boing": boing,
    "honk": honk,
    "cork_pop": cork_pop,
    "wood_block": wood_block,
    "xylophone_run": xylophone_run,
    "timpani": timpani,
    "zip": zip_by,
    "ding": ding,
    "cowbell": cowbell,
    "tom": tom,
    "twang": twang,
    "tweet": tweet,
    "bubble": bubble,
    "kazoo": kazoo,
    "ratchet": ratchet,
    "stab": stab,
    "triangle": triangle,
    "drip": drip,
    "squeak": squeak,
}

#: Two halves of the families, each with pitched, struck and noisy ones, for a judge fitted on one
#: half and measured on the other.
FOLDS: tuple[frozenset[str], frozenset[str]] = (
    frozenset({"whistle_up", "boing", "cork_pop", "xylophone_run", "zip", "cowbell", "twang", "bubble",
               "ratchet", "triangle", "squeak"}),
    frozenset({"whistle_down", "honk", "wood_block", "timpani", "ding", "tom", "tweet", "kazoo", "stab",
               "drip"}),
)


def effect(name: str, rng: np.random.Generator) -> np.ndarray:
    """One effect of family *name*: peak 1, starting at its first sample over 10 % of the peak (as the
    benchmark's builder trims its effects), with a 10 ms fade at the end."""
    x = np.asarray(FAMILIES[name](rng), float)
    x = x / (np.abs(x).max() or 1.0)
    x = x[int(np.argmax(np.abs(x) > 0.1)) :]
    fade = min(len(x), _n(0.01))
    x[len(x) - fade :] *= np.linspace(1.0, 0.0, fade)
    return x


def bank(rng: np.random.Generator, per_family: int = 8, families=None) -> list[tuple[str, np.ndarray, float]]:
    """*per_family* effects of each family (all, or those named in *families*), as
    ``make_cuenet_data.sfx_bank`` gives its effects: (name, samples at 44.1 kHz, RMS of the first 0.5 s)."""
    out = []
    for name in sorted(families or FAMILIES):
        for k in range(per_family):
            x = effect(name, rng)
            out.append((f"{name}{k}", x, float(np.sqrt(np.mean(x[: SR // 2] ** 2)))))
    return out
