"""Composer tools: frame-friendly tempos, and tempos whose beat grid lands on given hit frames.

All arithmetic is exact (``Fraction``): a tempo is a number of *frames per beat* (fpb), and
``BPM = 60 * fps / fpb``. At 24 fps, 12 fpb is 120 BPM and 12½ fpb is 115.2 BPM.

:func:`find_tempos` does what Auricle's hit finder and Cubase's Time Warp are used for: given the
frames of the hits (sync points) and where the grid starts (the *offset*, default the first hit),
it lists every tempo in a BPM range whose beats (or chosen subdivisions of the beat) fall within
a tolerance of every hit. Each solution is one way of counting the hits (hit *i* on beat *q_i*);
for it the tempo is chosen to make the **worst** error as small as possible (a minimax fit, solved
exactly), and the list is ranked by that worst error in frames, then by the mean error, then by
the simplest subdivision. Every solution also gives the span of tempos over which that count
keeps all hits within the tolerance, so a composer can pick a round BPM inside it.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .errors import AnalysisError
from .timebase import FrameRate, parse_rate

__all__ = ["FriendlyTempo", "HitTempo", "friendly_tempos", "find_tempos", "bpm_of", "fpb_of", "mixed"]

_MAX_PIECES = 300_000
_MAX_ROWS = 10_000  # frame-friendly tempos listed at most (60-200 BPM at 24 fps in halves: 51)
#: Grid lines the hits may be counted on, all told (beats times subdivisions between the range's
#: tempi): each is an exact fraction (30 us), and a hit 144,000 frames out at 16 subdivisions took
#: 18 GB and 6 minutes. 200 hits over a 5-minute cue in eighths at 60-200 BPM are 222,000.
_MAX_LINES = 500_000
_CHUNK_FLOATS = 4_000_000  # floats per batch of minimax fits (32 MB)


def bpm_of(fpb: Fraction, fps: FrameRate) -> Fraction:
    """Beats per minute of a tempo of *fpb* frames per beat (exact)."""
    return 60 * fps.rate / Fraction(fpb)


def fpb_of(bpm: Fraction | float, fps: FrameRate) -> Fraction:
    """Frames per beat of a tempo in BPM (exact for an exact BPM)."""
    return 60 * fps.rate / Fraction(bpm)


_VULGAR = {Fraction(1, 2): "½", Fraction(1, 3): "⅓", Fraction(2, 3): "⅔", Fraction(1, 4): "¼",
           Fraction(3, 4): "¾", Fraction(1, 8): "⅛", Fraction(3, 8): "⅜", Fraction(5, 8): "⅝", Fraction(7, 8): "⅞",
           Fraction(1, 5): "⅕", Fraction(2, 5): "⅖", Fraction(3, 5): "⅗", Fraction(4, 5): "⅘", Fraction(1, 6): "⅙",
           Fraction(5, 6): "⅚"}


def mixed(x: Fraction, unicode: bool = True, max_den: int = 16) -> str:
    """``12½`` (or ``12+1/2`` in ASCII) for a fraction; decimals when the denominator is large."""
    x = Fraction(x)
    if x.denominator > max_den:
        return f"{float(x):.3f}"
    whole, part = divmod(x, 1)
    if not part:
        return str(whole)
    if unicode and part in _VULGAR:
        return f"{whole or ''}{_VULGAR[part]}"
    frac = f"{part.numerator}/{part.denominator}"
    return f"{whole}+{frac}" if whole else frac


# -- frame-friendly tempos -------------------------------------------------------------------------


@dataclass(frozen=True)
class FriendlyTempo:
    """A tempo whose beats fall on a repeating pattern of whole frames.

    Attributes
    ----------
    frames_per_beat : Fraction
    bpm : Fraction
    pattern : tuple of int
        Frames from each beat to the next over one cycle (``(12, 13)`` for 12½): the beats are
        marked on frames ``floor(k * fpb)``, as the sheet does.
    """

    frames_per_beat: Fraction
    bpm: Fraction
    pattern: tuple[int, ...]


def friendly_tempos(fps: FrameRate | str, bpm_min: float = 40, bpm_max: float = 240,
                    divisions: tuple[int, ...] = (1, 2)) -> list[FriendlyTempo]:
    """Tempos of a whole number of frames per beat, or a simple fraction (½, ⅓, ¼...) of one.

    Parameters
    ----------
    fps : FrameRate or str
    bpm_min, bpm_max : float, 0 < bpm_min < bpm_max
    divisions : tuple of int >= 1
        Denominators of fpb to list: (1,) whole frames only; (1, 2) adds halves such as 12½.

    Returns
    -------
    list of FriendlyTempo, fastest first (fewest frames per beat).
    """
    fps = parse_rate(fps)
    _check_range(bpm_min, bpm_max)
    if not divisions or any(d < 1 or d > 16 for d in divisions):
        raise AnalysisError(f"divisions {list(divisions)} must be whole numbers from 1 to 16")
    lo, hi = fpb_of(Fraction(str(bpm_max)), fps), fpb_of(Fraction(str(bpm_min)), fps)
    # counted before they are listed: 0.0001 BPM at 24 fps is 14 million frames a beat, and listing
    # them ran for minutes into gigabytes
    spans = {d: range(max(1, math.ceil(lo * d)), math.floor(hi * d) + 1) for d in divisions}
    if (rows := sum(len(r) for r in spans.values())) > _MAX_ROWS:
        raise AnalysisError(f"{bpm_min:g}-{bpm_max:g} BPM at {fps} fps holds {rows:,} such tempos (at most "
                            f"{_MAX_ROWS:,} are listed): narrow the BPM range or list fewer divisions")
    found = {Fraction(n, d) for d, span in spans.items() for n in span}
    out = []
    for fpb in sorted(found):
        q = fpb.denominator
        pattern = tuple(math.floor((k + 1) * fpb) - math.floor(k * fpb) for k in range(q))
        out.append(FriendlyTempo(fpb, bpm_of(fpb, fps), pattern))
    return out


def _check_range(bpm_min: float, bpm_max: float) -> None:
    if not (0 < bpm_min < bpm_max <= 2000):
        raise AnalysisError(f"BPM range {bpm_min:g}-{bpm_max:g} is not valid: need 0 < min < max <= 2000")


# -- tempos that hit given frames ------------------------------------------------------------------


@dataclass(frozen=True)
class HitTempo:
    """One tempo that lands every hit within the tolerance.

    Attributes
    ----------
    frames_per_beat, bpm : Fraction
        The minimax tempo for this count of the hits (exact).
    worst : Fraction
        Largest distance in frames between a hit and its grid line at this tempo.
    mean : float
        Mean distance in frames.
    positions : tuple of Fraction
        Beat of each hit counted from the offset (0 = the offset; 4½ = half a beat after beat 4).
    errors : tuple of Fraction
        Signed error of each hit in frames (hit minus grid line; positive = the hit is late).
    bpm_low, bpm_high : Fraction
        Tempos between which this count keeps every hit within the tolerance.
    """

    frames_per_beat: Fraction
    bpm: Fraction
    worst: Fraction
    mean: float
    positions: tuple[Fraction, ...]
    errors: tuple[Fraction, ...]
    bpm_low: Fraction
    bpm_high: Fraction

    @property
    def subdivision(self) -> int:
        """The finest subdivision of the beat any hit needs (1 = all hits on beats)."""
        return max((p.denominator for p in self.positions), default=1)


def find_tempos(hits, fps: FrameRate | str, *, bpm_min: float = 40, bpm_max: float = 240,
                tolerance: float | Fraction = 1, offset: float | Fraction | None = None,
                subdivisions: tuple[int, ...] = (1,), limit: int | None = None) -> list[HitTempo]:
    """Tempos whose beat grid, started at *offset*, lands every hit within *tolerance* frames.

    Parameters
    ----------
    hits : sequence of int, float or Fraction
        Hit frames (any numbering, the same as *offset*).
    fps : FrameRate or str
    bpm_min, bpm_max : float
        Tempo range to search.
    tolerance : float >= 0
        Largest allowed distance between a hit and a grid line, in frames.
    offset : number, optional
        Frame of the grid's first beat; default the earliest hit.
    subdivisions : tuple of int >= 1
        Grid lines a hit may land on: 1 = beats, 2 = eighths, 3 = triplets... (any of them).
    limit : int, optional
        Return only the best *limit* tempos.

    Returns
    -------
    list of HitTempo
        Ranked by worst error, then mean error, then the simplest subdivision, then BPM.

    Raises
    ------
    AnalysisError
        For no hits, a bad range, tolerance or subdivision, or a tolerance so loose that the
        tempos cannot be listed.
    """
    fps = parse_rate(fps)
    _check_range(bpm_min, bpm_max)
    tol = Fraction(str(tolerance)) if isinstance(tolerance, float) else Fraction(tolerance)
    if tol < 0:
        raise AnalysisError(f"tolerance {float(tol):g} frames must be 0 or more")
    if not subdivisions or any(s < 1 or s > 16 for s in subdivisions):
        raise AnalysisError(f"subdivisions {list(subdivisions)} must be whole numbers from 1 to 16")
    frames = sorted({_exact(h) for h in hits})
    if not frames:
        raise AnalysisError("give at least one hit frame")
    start = min(frames) if offset is None else _exact(offset)
    dists = [f - start for f in frames]
    if all(abs(d) <= tol for d in dists):
        raise AnalysisError("every hit is within the tolerance of the offset: any tempo fits; give hits further apart")
    lo_fpb, hi_fpb = fpb_of(Fraction(str(bpm_max)), fps), fpb_of(Fraction(str(bpm_min)), fps)
    if (lines := sum(_lines(abs(d), tol, lo_fpb, hi_fpb, subdivisions) for d in dists)) > _MAX_LINES:
        far = max(frames, key=lambda f: abs(f - start))
        raise AnalysisError(f"the hits could fall on {lines:,} grid lines between {bpm_min:g} and {bpm_max:g} BPM "
                            f"(at most {_MAX_LINES:,}; frame {mixed(far)} is {mixed(abs(far - start))} frames from "
                            "the offset): give an offset nearer the hits, fewer hits or subdivisions, or a "
                            "narrower BPM range")
    order = sorted(range(len(dists)), key=lambda i: abs(dists[i]))
    d_sorted = [dists[i] for i in order]
    lo_a, hi_a, idx, qlists = _pieces(d_sorted, tol, lo_fpb, hi_fpb, subdivisions)
    inverse = sorted(range(len(order)), key=lambda k: order[k])
    if not len(idx):
        return []
    # rank in floating point, for all counts at once; exact values only for what is returned
    qf = np.column_stack([np.array([float(q) for q in ql])[idx[:, h]] for h, ql in enumerate(qlists)])
    subs = np.column_stack([np.array([q.denominator for q in ql])[idx[:, h]] for h, ql in enumerate(qlists)])
    df = np.array([float(x) for x in d_sorted])
    x, worst, mean, recipes = _minimax(df, lo_a, hi_a, qf)
    ranking = np.lexsort((-x, subs.max(axis=1), np.round(mean, 9), np.round(worst, 9)))
    out: list[HitTempo] = []
    seen: set[Fraction] = set()
    for r in ranking:
        qs = tuple(qlists[h][idx[r, h]] for h in range(len(qlists)))
        recipe = recipes[r]
        lo, hi = _exact_span(d_sorted, qs, tol, lo_fpb, hi_fpb)
        if lo > hi:
            continue  # overlapped only by floating-point rounding
        fpb = _exact_fpb(d_sorted, qs, recipe, lo, hi)
        if fpb in seen:
            continue  # two counts meeting at one tempo: the better one came first
        seen.add(fpb)
        errs = [d - q * fpb for d, q in zip(d_sorted, qs, strict=True)]
        out.append(HitTempo(
            fpb, bpm_of(fpb, fps), max(abs(e) for e in errs), float(sum(abs(e) for e in errs)) / len(errs),
            tuple(qs[k] for k in inverse), tuple(errs[k] for k in inverse), bpm_of(hi, fps), bpm_of(lo, fps),
        ))
        if limit and len(out) >= limit:
            break
    out.sort(key=lambda h: (h.worst, round(h.mean, 9), h.subdivision, h.bpm))
    return out


def _exact(x) -> Fraction:
    if isinstance(x, float):
        if not math.isfinite(x):
            raise AnalysisError(f"frame {x} is not a number")
        return Fraction(str(x))
    return Fraction(x)


def _line_range(size: Fraction, tol: Fraction, lo: Fraction, hi: Fraction, s: int) -> range:
    """The *n* of the grid lines n/s (beats) a hit *size* frames out may fall on at fpb lo..hi."""
    return range(max(1, math.ceil(s * (size - tol) / hi)), math.floor(s * (size + tol) / lo) + 1)


def _lines(size: Fraction, tol: Fraction, lo: Fraction, hi: Fraction, subdivisions) -> int:
    """How many grid lines :func:`_spans` would try for a hit *size* frames from the offset."""
    return sum(len(_line_range(size, tol, lo, hi, s)) for s in set(subdivisions))


def _spans(d: Fraction, tol: Fraction, lo: Fraction, hi: Fraction, subdivisions) -> list:
    """(fpb low, fpb high, beat position) where a hit *d* frames from the offset is within *tol*."""
    out: dict[Fraction, tuple[Fraction, Fraction]] = {}
    size = abs(d)
    if size <= tol:
        out[Fraction(0)] = (lo, hi)
    for s in subdivisions:
        for n in _line_range(size, tol, lo, hi, s):
            q = Fraction(n, s)
            a, b = max(lo, (size - tol) / q), min(hi, (size + tol) / q)
            if a <= b:
                out[q if d >= 0 else -q] = (a, b)
    return [(a, b, q) for q, (a, b) in sorted(out.items(), key=lambda e: e[1])]


def _pieces(d: list[Fraction], tol: Fraction, lo: Fraction, hi: Fraction, subdivisions):
    """Every count (beat position of each hit) that some tempo in [lo, hi] satisfies.

    Intersects, hit by hit, the fpb spans that keep the hit within the tolerance; spans are
    compared in floating point with a small margin and each survivor is checked exactly later.

    Returns
    -------
    lo, hi : ndarray
        fpb span of each count (floating point).
    idx : ndarray of int, counts x hits
        Index of each hit's beat position in *qlists*.
    qlists : list of list of Fraction
        The beat positions each hit can take.
    """
    eps = 1e-9 * float(hi)
    pieces: list[tuple[float, float, tuple]] = [(float(lo), float(hi), ())]
    qlists = []
    for di in d:
        spans = sorted((float(a), float(b), q) for a, b, q in _spans(di, tol, lo, hi, subdivisions))
        qlists.append([q for _, _, q in spans])
        starts = [a for a, _, _ in spans]
        width = max((b - a for a, b, _ in spans), default=0.0)
        new = []
        for a, b, ks in pieces:
            first = bisect.bisect_left(starts, a - width - eps)
            last = bisect.bisect_right(starts, b + eps)
            for k in range(first, last):
                c, e, _ = spans[k]
                if max(a, c) <= min(b, e) + eps:
                    new.append((max(a, c), min(b, e), ks + (k,)))
            if len(new) > _MAX_PIECES:  # as soon as it is known, not after building them all
                raise AnalysisError(f"a tolerance of {float(tol):g} frames fits too many tempos to list; "
                                    "lower --tolerance or narrow the BPM range")
        pieces = new
    idx = np.array([p[2] for p in pieces], dtype=np.int64).reshape(len(pieces), len(d))
    return np.array([p[0] for p in pieces]), np.array([p[1] for p in pieces]), idx, qlists


def _exact_span(d, qs, tol, lo, hi) -> tuple[Fraction, Fraction]:
    """The exact fpb span in which count *qs* keeps every hit within *tol*."""
    for di, q in zip(d, qs, strict=True):
        if q:
            a, b = sorted(((di - tol) / q, (di + tol) / q))
            lo, hi = max(lo, a), min(hi, b)
        elif abs(di) > tol:
            return Fraction(1), Fraction(0)
    return lo, hi


def _minimax(df: np.ndarray, lo: np.ndarray, hi: np.ndarray, q: np.ndarray):
    """For each count (row of *q*), the fpb in [lo, hi] that minimises max |d_i - q_i fpb|.

    The function is convex and piecewise linear, so its minimum is at an end of the interval or
    where two error lines cross (``d_i - q_i x = ±(d_j - q_j x)``); every crossing is tried, for
    many counts at once, in floating point.

    Returns
    -------
    fpb, worst error, mean error : ndarray
    recipes : list of (i, j, sign), ("lo",) or ("hi",)
        Which crossing (or end) gave each minimum, to compute it exactly.
    """
    n = len(df)
    i, j = np.triu_indices(n)
    i, j = np.concatenate([i, i]), np.concatenate([j, j])
    sign = np.repeat([1.0, -1.0], len(i) // 2)
    xs, worsts, means, recipes = [], [], [], []
    chunk = max(1, _CHUNK_FLOATS // ((len(i) + 2) * n))  # bounds memory: counts x candidates x hits
    for at in range(0, len(q), chunk):
        qc, lc, hc = q[at:at + chunk], lo[at:at + chunk, None], hi[at:at + chunk, None]
        den = qc[:, i] + sign * qc[:, j]  # counts x crossings
        with np.errstate(divide="ignore", invalid="ignore"):
            cross = np.where(np.abs(den) > 1e-12, (df[i] + sign * df[j]) / den, lc)
        vals = np.clip(np.concatenate([lc, hc, cross], axis=1), lc, hc)
        errs = np.abs(df[None, None, :] - vals[:, :, None] * qc[:, None, :])  # counts x candidates x hits
        worst = errs.max(axis=2)
        best = np.argmin(worst, axis=1)
        rows = np.arange(len(qc))
        xs.append(vals[rows, best])
        worsts.append(worst[rows, best])
        means.append(errs[rows, best].mean(axis=1))
        recipes += [("lo",) if k == 0 else ("hi",) if k == 1 else (int(i[k - 2]), int(j[k - 2]), int(sign[k - 2]))
                    for k in best.tolist()]
    return np.concatenate(xs), np.concatenate(worsts), np.concatenate(means), recipes


def _exact_fpb(d: list[Fraction], q: tuple[Fraction, ...], recipe: tuple, lo: Fraction, hi: Fraction) -> Fraction:
    """The exact minimax fpb from the crossing the floating-point search chose."""
    if recipe == ("lo",):
        return lo
    if recipe == ("hi",):
        return hi
    i, j, s = recipe
    return min(hi, max(lo, (d[i] + s * d[j]) / (q[i] + s * q[j])))
