"""A learned judge of onset candidates: which peaks of the onset activation are notes.

The picker (:func:`~.onsets.pick_onsets`) keeps a peak when it rises over the last 0.1 s by a share
of the activation's 1 s mean. Most notes it misses are peaks that exist but rise less than that:
a soft note between snare hits, a quieter echo part, a re-struck guitar note under distorted
chords; most it adds are bumps inside held notes. What tells them apart is spread over several
measures at once: the peak's shape and its neighbours, how much of its rise comes from bands up by
6 dB or more, the top bands, whether new spectral energy appears and in which register, and whether
the music has an attack at the same place one and two beats away (music repeats; a bow's wobble
does not keep time).

So every peak the picker finds at a low threshold (:data:`CANDIDATE_DELTA`) is a candidate, its
measures are :func:`features`, and a small boosted tree ensemble (:class:`~.forest.Forest`, numpy
only) gives the probability that it is a note. The weights in ``syncsheet/data/onsetjudge.npz`` come from
``benchmarks/train_onset_judge.py`` (scikit-learn's histogram gradient boosting, a development tool;
seeded), trained on the benchmark's training music with the score's note-ons as truth; the figures,
measured with whole pieces held out, are in docs/analysis.md (*Onsets*, tenth session).
"""

from __future__ import annotations

import numpy as np

from ._windows import nearest
from .features import CHROMA_DECIM, FINE_DECIM, FPS, ONSET_SPAN, Features
from .forest import Forest, load_forest
from .onsets import LEAD

__all__ = ["CANDIDATE_DELTA", "THRESHOLD", "SURE_MARGIN", "N_FEATURES", "features", "keep", "load"]

#: The picking threshold (times the 1 s mean) candidates are found at: a quarter of the regular
#: one, where the notes the regular picker misses are still peaks.
CANDIDATE_DELTA = 0.15
#: A candidate is reported when the judge's probability exceeds this (the regular picker's
#: sensitivity scales it).
THRESHOLD = 0.45
#: A regular pick that rises this much over its previous 0.1 s (times the activation's 1 s mean; the
#: picker asks 0.6) is reported whatever the judge says: the judge knows only GM-rendered music, and
#: on synthetic tones it dropped clear notes (margins 2.8-5.5, probabilities 0.04-0.42). On the nine
#: benchmark sets and both train sets, pieces held out, it never drops a regular pick this strong
#: past the audio's first ``LEAD`` hops (2 between 2 and 3, both false; 98 in those first hops, the
#: cut into sound, 87 false), so there the rule changes nothing.
SURE_MARGIN = 3.0
#: The activation's hops on either side of a candidate the judge sees.
CONTEXT = 8
#: The top bands' and the strong rises' hops on either side.
NEAR = 4
#: Register bounds (Hz) of the spectral novelty: bass, middle, top.
REGISTERS = (250.0, 2000.0)
#: Beats away (either side) at which the music is asked for an attack at the same place.
RECUR_BEATS = (1, 2)
RECUR_TOL = 2  # hops
#: A candidate this strong (its rise over the 1 s mean) counts as an attack for the others'
#: recurrence; weaker ones do not, or noise would vouch for noise.
RECUR_MARGIN = 0.3
_PRE = int(round(0.1 * FPS))  # the picker's previous 0.1 s
_BLOCK = 8192  # candidates whose spectra are read at once
N_FEATURES = 18 + len(RECUR_BEATS) + (2 * CONTEXT + 1) + 2 * (2 * NEAR + 1) + len(REGISTERS) + 1


def _sums(x: np.ndarray) -> np.ndarray:
    """Cumulative sums with a leading 0 (float64), for window means at a few positions."""
    c = np.zeros(len(x) + 1)
    np.cumsum(x, dtype=np.float64, out=c[1:])
    return c


def _mean_at(c: np.ndarray, idx: np.ndarray, before: int, after: int) -> np.ndarray:
    """Mean of x[i - before : i + after + 1] (clipped to the array) at each index, from :func:`_sums`."""
    n = len(c) - 1
    lo, hi = np.clip(idx - before, 0, n), np.clip(idx + after + 1, 0, n)
    return (c[hi] - c[lo]) / np.maximum(hi - lo, 1)


def _near_distance(points: np.ndarray, at: np.ndarray, side: int) -> np.ndarray:
    """Hops from each of ``at`` to the nearest of the sorted ``points`` strictly before (side -1) or
    after (side +1) it; 99 where there is none."""
    if not len(points):
        return np.full(len(at), 99.0)
    if side < 0:
        j = np.searchsorted(points, at - 0.5) - 1
        return np.where(j >= 0, at - points[np.maximum(j, 0)], 99.0)
    j = np.searchsorted(points, at + 0.5)
    return np.where(j < len(points), points[np.minimum(j, len(points) - 1)] - at, 99.0)


def _recurrence(cand: np.ndarray, pool: np.ndarray, beats: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each candidate: the share of the places :data:`RECUR_BEATS` beats away (either side, where
    the beats reach) with an attack of ``pool`` within :data:`RECUR_TOL` hops; and its distance from
    the sixteenth and the triplet grids of its beat (0 on the grid, 0.5 between)."""
    k = len(RECUR_BEATS)
    if len(beats) < 4:
        return np.zeros((len(cand), k)), np.zeros(len(cand)), np.zeros(len(cand))
    # beats as a coordinate, extended at the ends by the first and last periods
    ext = 64
    bx = np.concatenate([[beats[0] - ext * (beats[1] - beats[0])], beats, [beats[-1] + ext * (beats[-1] - beats[-2])]])
    ix = np.concatenate([[-ext], np.arange(len(beats), dtype=float), [len(beats) - 1 + ext]])
    u = np.interp(cand, bx, ix)
    out = np.zeros((len(cand), k))
    for c, step in enumerate(RECUR_BEATS):
        hits = np.zeros(len(cand))
        avail = np.zeros(len(cand))
        for sign in (-1, 1):
            uu = u + sign * step
            ok = (uu >= 0) & (uu <= len(beats) - 1)
            t = np.interp(uu, ix, bx)
            hits += ok & (np.abs(nearest(pool, t) - t) <= RECUR_TOL)
            avail += ok
        out[:, c] = hits / np.maximum(avail, 1)
    phase = u - np.floor(u)
    return out, np.abs(phase * 4 - np.round(phase * 4)), np.abs(phase * 3 - np.round(phase * 3))


def features(f: Features, cand: np.ndarray, regular: np.ndarray, beats: np.ndarray) -> np.ndarray:
    """The measures the judge reads, one row per candidate.

    Parameters
    ----------
    f : Features
        The shared features (:attr:`~Features.onset`, ``onset_strong``, ``onset_high``, ``fine``,
        ``chroma``, ``energy``).
    cand : numpy.ndarray
        Candidate positions in hops (fractional, increasing).
    regular : numpy.ndarray of bool
        Which candidates the regular picker keeps.
    beats : numpy.ndarray
        The beat grid in hops (may be empty).

    Returns
    -------
    numpy.ndarray
        (len(cand), :data:`N_FEATURES`) float32; the columns are those of the training script.
    """
    cand = np.asarray(cand, np.float64)
    regular = np.asarray(regular, bool)
    m = len(cand)
    out = np.zeros((m, N_FEATURES), np.float32)
    if not m:
        return out
    act = np.asarray(f.onset)
    n = len(act)
    idx = np.clip(np.round(cand).astype(int), 0, n - 1)
    stats = act
    if 0 < LEAD < n:  # the start compared with silence is no measure of the music's level (as the picker)
        stats = act.copy()
        np.minimum(stats[:LEAD], act[LEAD : LEAD + FPS].mean(), out=stats[:LEAD])
    c = _sums(stats)
    level = _mean_at(c, idx, 100, 99) + 1e-9  # the picker's 1 s mean
    h = act[idx].astype(np.float64)
    # the picker's margin: the rise over the previous 0.1 s (silence before the audio), over the level
    margin = (h - (c[idx] - c[np.maximum(idx - _PRE, 0)]) / _PRE) / level
    reg = cand[regular]
    pool = np.sort(np.concatenate([reg, cand[~regular & (margin >= RECUR_MARGIN)]]))
    recur, ph4, ph3 = _recurrence(cand, pool, np.asarray(beats, np.float64))
    gaps = np.diff(cand)
    energy = np.asarray(f.energy)
    sec = len(energy) // FPS + 1  # each second's loudest hop, for the loudness against ±5 s
    peak_s = np.zeros(sec)
    np.maximum.at(peak_s, np.arange(len(energy)) // FPS, energy)
    head = [regular.astype(float), margin, np.log1p(h), np.log(h / level + 1e-9),
            np.log(level / (_mean_at(c, idx, 500, 499) + 1e-9)), None, None, None,
            np.minimum(np.r_[99.0, gaps], 40), np.minimum(np.r_[gaps, 99.0], 40),
            np.minimum(_near_distance(reg, cand, -1), 40), np.minimum(_near_distance(reg, cand, 1), 40),
            ph4, ph3]
    for k, col in enumerate(head):
        if col is not None:
            out[:, k] = col
    out[:, 18 : 18 + len(RECUR_BEATS)] = recur
    for start in range(0, m, _BLOCK):  # the rest reads spectra: a reel's candidates a block at a time
        sl = slice(start, min(start + _BLOCK, m))
        out[sl] = _local(f, out[sl], idx[sl], h[sl], level[sl], stats, peak_s)
    np.nan_to_num(out, copy=False, nan=0.0, posinf=0.0, neginf=0.0)
    return out


def _local(f: Features, out: np.ndarray, idx: np.ndarray, h: np.ndarray, level: np.ndarray, stats: np.ndarray,
           peak_s: np.ndarray) -> np.ndarray:
    """Fill a block of :func:`features` rows with the measures read around each peak."""
    act = np.asarray(f.onset)
    n = len(act)
    strong = np.asarray(f.onset_strong) if len(f.onset_strong) == n else np.zeros(n, np.float32)
    high = np.asarray(f.onset_high) if len(f.onset_high) == n else np.zeros(n, np.float32)
    back = idx[:, None] - np.arange(ONSET_SPAN)[None, :]
    rise = np.where(back >= 0, act[np.maximum(back, 0)], 0.0).sum(axis=1)
    out[:, 5] = strong[idx] / np.maximum(rise, 1e-9)
    out[:, 6] = high[idx] / np.maximum(h, 1e-9)
    # how many hops before the peak stay above half its height (a slow attack's width)
    alive = np.ones(len(idx), bool)
    out[:, 7] = 0
    for k in range(1, 11):
        j = idx - k
        alive &= (j >= 0) & (act[np.maximum(j, 0)] >= 0.5 * h)
        out[:, 7] += alive
    # new spectral energy after the peak over the most of the few rows before (±1 band)
    fine = f.fine
    nf = len(fine)
    jf = idx // FINE_DECIM
    after = fine[np.clip(jf[:, None] + np.arange(1, 4)[None, :], 0, nf - 1)].astype(np.float32).mean(axis=1)
    before = fine[np.clip(jf[:, None] + np.arange(-6, -1)[None, :], 0, nf - 1)].max(axis=1).astype(np.float32)
    before = np.maximum(before, np.maximum(np.roll(before, 1, axis=1), np.roll(before, -1, axis=1)))
    new = np.maximum(after - before, 0.0)
    out[:, 14] = new.sum(1)
    out[:, 15] = (after - before > 6).mean(1)
    ch = np.asarray(f.chroma, np.float32)
    nc = len(ch)
    jc = idx // CHROMA_DECIM
    ca = ch[np.clip(jc[:, None] + np.arange(1, 4)[None, :], 0, nc - 1)].mean(axis=1)
    cb = ch[np.clip(jc[:, None] + np.arange(-4, 0)[None, :], 0, nc - 1)].mean(axis=1)
    out[:, 16] = 1 - (ca * cb).sum(1) / (np.linalg.norm(ca, axis=1) * np.linalg.norm(cb, axis=1) + 1e-9)
    # loudness against the loudest second within ±5 s (a reel's level changes from cue to cue)
    energy = np.asarray(f.energy)
    sec = len(peak_s)
    near_peak = np.max(peak_s[np.clip(idx[:, None] // FPS + np.arange(-5, 6)[None, :], 0, sec - 1)], axis=1)
    out[:, 17] = 10 * np.log10((energy[np.minimum(idx, len(energy) - 1)] + 1e-12) / (near_peak + 1e-12))
    k = 18 + len(RECUR_BEATS)
    ctx = act[np.clip(idx[:, None] + np.arange(-CONTEXT, CONTEXT + 1)[None, :], 0, n - 1)] / level[:, None]
    out[:, k : k + ctx.shape[1]] = np.log1p(ctx)
    k += ctx.shape[1]
    near = np.clip(idx[:, None] + np.arange(-NEAR, NEAR + 1)[None, :], 0, n - 1)
    out[:, k : k + near.shape[1]] = np.log1p(high[near] / level[:, None])
    k += near.shape[1]
    out[:, k : k + near.shape[1]] = np.log1p(strong[near] / level[:, None])
    k += near.shape[1]
    hz = np.asarray(f.fine_hz, float)
    out[:, k] = new[:, hz < REGISTERS[0]].sum(1)
    out[:, k + 1] = new[:, (hz >= REGISTERS[0]) & (hz < REGISTERS[1])].sum(1)
    out[:, k + 2] = new[:, hz >= REGISTERS[1]].sum(1)
    return out


def keep(cand: np.ndarray, x: np.ndarray, prob: np.ndarray, threshold: float, *,
         sure_margin: float = SURE_MARGIN) -> np.ndarray:
    """Which candidates are reported: those the judge finds probable enough, and the regular picks
    rising at least *sure_margin* (:data:`SURE_MARGIN`) past the audio's first ``LEAD`` hops.

    Parameters
    ----------
    cand : numpy.ndarray
        Candidate positions in hops.
    x : numpy.ndarray
        Their measures (:func:`features`: column 0 marks a regular pick, column 1 is its margin).
    prob : numpy.ndarray
        The judge's probabilities.
    threshold, sure_margin : float
        As above.

    Returns
    -------
    numpy.ndarray of bool
    """
    sure = (x[:, 0] > 0) & (x[:, 1] >= sure_margin) & (np.asarray(cand) >= LEAD)
    return (np.asarray(prob) > threshold) | sure


def load() -> Forest:
    """The shipped judge (``syncsheet/data/onsetjudge.npz``)."""
    return load_forest("onsetjudge.npz")
