"""The conductor grid of a MIDI file fitted to detected beats (used by :mod:`.midi`).

Grid beat *k* after the pre-roll sits at quarter note ``offset + k``; tempos are whole
microseconds per quarter, placed on grid beats, as few as keep every beat within
:data:`TOLERANCE` of the detected time. Each stretch is fitted to absolute times, so rounding
never accumulates. See :mod:`syncsheet.exporters.midi` for what a DAW makes of it.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from fractions import Fraction

from ..model import Beat

__all__ = ["TempoGrid", "build_grid", "TOLERANCE", "BASE_PPQ", "MAX_TEMPO"]

#: Largest allowed distance between a detected beat and its grid beat, in seconds.
TOLERANCE = 0.0005
#: Base PPQ (ticks per quarter note); raised in multiples for slow tempos.
BASE_PPQ = 960
#: Largest set_tempo value (3 bytes): 16.78 s per quarter.
MAX_TEMPO = 16_777_215
_MAX_MARK_ERROR_US = 250  # half a tick must stay under this, for marks between beats


@dataclass(frozen=True)
class TempoGrid:
    """The conductor track's grid, in quarter notes from the start of the file.

    Attributes
    ----------
    ppq : int
        Ticks per quarter note (a multiple of 960).
    targets : tuple of float
        Seconds each grid beat after the pre-roll should sound at (the detected beats, plus filler
        beats inside gaps longer than MIDI's slowest tempo); grid beat *k* is at quarter
        ``offset + k``.
    offset : Fraction
        Quarter notes of pre-roll before the first detected beat.
    preroll : int
        Pre-roll beats, each a ``1/preroll_unit`` note (a short gap before the first beat becomes
        an eighth or sixteenth, so that its tempo stays near the music's).
    preroll_unit : int
        Denominator of the pre-roll's time signature (4, 8, 16, 32 or 64).
    tempos : tuple of (Fraction, int)
        (quarter position, microseconds per quarter) of each tempo event; the first at 0.
    starts_us : tuple of float
        Microseconds at which each tempo event takes effect, as a reader will compute them.
    bars : tuple of (Fraction, int, int)
        (quarter position, numerator, denominator) of each bar.
    """

    ppq: int
    targets: tuple[float, ...]
    offset: Fraction
    preroll: int
    preroll_unit: int
    tempos: tuple[tuple[Fraction, int], ...]
    starts_us: tuple[float, ...]
    bars: tuple[tuple[Fraction, int, int], ...]

    def beat_tick(self, k: int) -> int:
        """Tick of grid beat *k* (0 = the first detected beat)."""
        return int((self.offset + k) * self.ppq)

    def beat_ticks(self) -> dict[float, int]:
        """Tick of each grid beat, by the time it stands for (bar markers and beat notes sit on it)."""
        return {t: self.beat_tick(k) for k, t in enumerate(self.targets)}

    def tick_of(self, seconds: float) -> int:
        """Nearest tick of a time, through the tempo map (times before 0 go to tick 0)."""
        us = seconds * 1e6
        k = max(0, bisect.bisect_right(self.starts_us, us) - 1)
        pos, tempo = self.tempos[k]
        return max(0, int(pos * self.ppq) + round((us - self.starts_us[k]) * self.ppq / tempo))


def build_grid(beats: tuple[Beat, ...] | list[Beat], tolerance: float = TOLERANCE) -> TempoGrid:
    """Fit the conductor grid to detected beats.

    Parameters
    ----------
    beats : sequence of Beat
        Sorted by time.
    tolerance : float > 0
        Largest allowed beat error in seconds.

    Returns
    -------
    TempoGrid
    """
    beats = _distinct(beats)
    if not beats:
        return TempoGrid(BASE_PPQ, (0.0,), Fraction(0), 0, 4, ((Fraction(0), 500_000),), (0.0,),
                         ((Fraction(0), 4, 4),))
    t0 = beats[0].time
    period = beats[1].time - t0 if len(beats) > 1 else 0.5
    per_bar = _first_meter(beats)
    tempos: list[tuple[Fraction, int]] = []
    bars: list[tuple[Fraction, int, int]] = []
    offset, m, unit, start_us = Fraction(0), 0, 4, 0.0
    if t0 > tolerance:  # pre-roll: whole 1/unit notes ending exactly on the first beat
        m, unit = _preroll(t0, period)
        offset = Fraction(4 * m, unit)
        tempo = min(MAX_TEMPO, max(1, round(t0 * 1e6 / offset)))
        tempos.append((Fraction(0), tempo))
        start_us = float(tempo * offset)
        pos = Fraction(0)
        sizes = [m] if unit != 4 else ([m % per_bar] if m % per_bar else []) + [per_bar] * (m // per_bar)
        for size in sizes:
            for part in range(0, size, 255):
                bars.append((pos, min(255, size - part), unit))
                pos += Fraction(4 * min(255, size - part), unit)
    targets: list[float] = []
    keys: list[object] = []  # the bar each grid beat belongs to
    max_gap = MAX_TEMPO / 1e6 * 0.99
    for i, b in enumerate(beats):
        if i:  # a gap longer than MIDI's slowest tempo gets filler beats in the bar before it
            gap = b.time - beats[i - 1].time
            fill = math.ceil(gap / max_gap) - 1
            for k in range(1, fill + 1):
                targets.append(beats[i - 1].time + gap * k / (fill + 1))
                keys.append(keys[-1])
        targets.append(b.time)
        keys.append(("bar", b.bar))
    fitted = _fit_tempos([t * 1e6 for t in targets], tolerance * 1e6, start_us)
    for k, tempo in fitted:
        if not tempos or tempos[-1][1] != tempo:
            tempos.append((offset + k, tempo))
    bars += [(offset + k, n, 4) for k, n in _bars(_bar_keys(keys))]
    slowest = max(t for _, t in tempos)
    ppq = BASE_PPQ * min(34, max(1, math.ceil(slowest / (2 * _MAX_MARK_ERROR_US) / BASE_PPQ)))
    starts = [0.0]
    for (pos, tempo), (nxt, _) in zip(tempos, tempos[1:], strict=False):
        starts.append(starts[-1] + float((nxt - pos) * tempo))
    return TempoGrid(ppq, tuple(targets), offset, m, unit, tuple(tempos), tuple(starts), tuple(bars))


def _preroll(t0: float, period: float) -> tuple[int, int]:
    """(count, unit) of a pre-roll of *t0* seconds, in the coarsest note value that keeps its tempo
    within a factor 1.5 of the music's *period*.

    Whole beats when the gap is long; for a short gap, an eighth, a sixteenth... so the pre-roll
    does not need a tempo of thousands of BPM that a DAW would clamp.
    """
    best = None
    for unit in (4, 8, 16, 32, 64):
        m = max(1, round(t0 * unit / (4 * period)))
        score = abs(math.log(t0 * unit / (4 * m) / period))
        if score <= math.log(1.5) + 1e-9:
            return m, unit
        if best is None or score < best[0]:
            best = (score, m, unit)
    return best[1], best[2]


def _distinct(beats) -> list[Beat]:
    """Beats sorted, dropping any within 1 ms of the one before (a grid cannot hold both)."""
    out: list[Beat] = []
    for b in sorted(beats, key=lambda b: b.time):
        if b.time >= 0 and (not out or b.time - out[-1].time >= 0.001):
            out.append(b)
    return out


def _first_meter(beats: list[Beat]) -> int:
    """Beats in the first full bar (the pre-roll is cut in bars this long)."""
    counts: dict[int, int] = {}
    for b in beats:
        counts[b.bar] = counts.get(b.bar, 0) + 1
    bars = list(counts)
    return max(1, counts[bars[1]] if len(bars) > 1 else counts[bars[0]])


def _bar_keys(keys: list) -> list:
    """Make bar keys unique per run, so a bar number that repeats later is a new bar."""
    out, run, prev = [], 0, object()
    for k in keys:
        if k != prev:
            run += 1
            prev = k
        out.append(run)
    return out


def _bars(keys: list[int]) -> list[tuple[int, int]]:
    """(grid beat, beats in bar) at each bar start; bars over 255 beats (MIDI's limit) are split."""
    out: list[tuple[int, int]] = []
    start = 0
    for k in range(1, len(keys) + 1):
        if k == len(keys) or keys[k] != keys[start]:
            n = k - start
            while n > 0:
                out.append((start, min(n, 255)))
                start += min(n, 255)
                n -= 255
            start = k
    return out


def _fit_tempos(targets_us: list[float], tol_us: float, start_us: float = 0.0) -> list[tuple[int, int]]:
    """Whole-microsecond tempos, as few as keep every grid beat within *tol_us* of its target.

    Grid beat 0 sounds at *start_us*. Greedy: from the realised time of a stretch's first beat,
    extend the stretch while one tempo still lands every beat of it in its window; the windows
    are absolute, so errors never add up. Returns (grid beat, tempo) at each change.
    """
    n = len(targets_us)
    if n < 2:
        return [(0, 500_000)]
    out: list[tuple[int, int]] = []
    i, realized = 0, start_us
    while i < n - 1:
        lo, hi, j = -math.inf, math.inf, i
        while j + 1 < n:
            m = j + 1 - i
            nlo = max(lo, (targets_us[j + 1] - tol_us - realized) / m)
            nhi = min(hi, (targets_us[j + 1] + tol_us - realized) / m)
            if max(1, math.ceil(nlo)) > min(MAX_TEMPO, math.floor(nhi)):
                break
            lo, hi, j = nlo, nhi, j + 1
        if j == i:  # no whole tempo fits one beat (cannot happen after _distinct): take the nearest
            tempo = min(MAX_TEMPO, max(1, round(targets_us[i + 1] - realized)))
            j = i + 1
        else:
            tempo = min(MAX_TEMPO, max(1, min(math.floor(hi), max(math.ceil(lo), round((lo + hi) / 2)))))
        if not out or out[-1][1] != tempo:
            out.append((i, tempo))
        realized += (j - i) * tempo
        i = j
    return out
