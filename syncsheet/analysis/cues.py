"""Sound-effect cues: onsets the music's own repetition does not predict.

Music repeats and effects do not. For every hop we look at the same beat phase one and two bars
earlier and later (following the tracked beats, so tempo changes are fine) and ask how much of the
current band-wise onset energy none of those references has (each reference is max-filtered over
±15 ms and ±1 band, so small timing and pitch differences are forgiven). A drum hit is predicted by
its own pattern; a door slam is not. That surprise, relative to the music's usual onset activity,
is peak-picked; each cue is then classified from its spectral shape.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import maximum_filter, maximum_filter1d, uniform_filter1d

from ..model import Cue
from .features import FPS

__all__ = ["surprise", "pick_cues", "classify"]


def _band_flux(bands: np.ndarray, lag: int = 2) -> np.ndarray:
    b = bands.astype(np.float32)
    out = np.zeros_like(b)
    out[lag:] = np.maximum(b[lag:] - b[:-lag], 0.0)
    return out


def _phase_map(n: int, beats: np.ndarray, offset: int) -> np.ndarray:
    """For each hop, the hop at the same beat phase *offset* beats away (-1 where there is none)."""
    out = np.full(n, -1, np.int64)
    if len(beats) < 2:
        return out
    t = np.arange(n, dtype=np.float64)
    j = np.searchsorted(beats, t, side="right") - 1
    ok = (j >= 0) & (j < len(beats) - 1)
    jj = np.clip(j, 0, len(beats) - 2)
    phase = (t - beats[jj]) / (beats[jj + 1] - beats[jj])
    r = jj + offset
    ok &= (r >= 0) & (r < len(beats) - 1)
    rr = np.clip(r, 0, len(beats) - 2)
    ref = beats[rr] + phase * (beats[rr + 1] - beats[rr])
    out[ok] = np.round(ref[ok]).astype(np.int64)
    out[(out < 0) | (out >= n)] = -1
    return out


def surprise(bands: np.ndarray, beats: np.ndarray, bar: int, *, block: int = 1 << 16) -> np.ndarray:
    """Per-hop onset energy that no reference bar explains.

    Parameters
    ----------
    bands : (n, NB) array
        Log band magnitudes per hop.
    beats : array
        Beat positions in hops.
    bar : int
        Beats per bar (references are 1 and 2 bars away on each side).
    """
    n = len(bands)
    flux = _band_flux(bands)
    if len(beats) < 2 * bar + 2:
        # no beat grid to lean on: compare with the same moment 2 and 4 seconds away
        maps = [np.clip(np.arange(n) + o, -1, n) for o in (-4 * int(FPS), -2 * int(FPS), 2 * int(FPS), 4 * int(FPS))]
        maps = [np.where((m < 0) | (m >= n), -1, m) for m in maps]
    else:
        maps = [_phase_map(n, beats, o * bar) for o in (-2, -1, 1, 2)]
    # tolerance: max over ±3 hops and ±1 band in the reference
    tol = maximum_filter(flux, size=(7, 3), mode="constant")
    out = np.zeros(n, np.float32)
    for a in range(0, n, block):
        b = min(n, a + block)
        cur = flux[a:b]
        best = np.full(b - a, np.inf, np.float32)
        for m in maps:
            idx = m[a:b]
            ok = idx >= 0
            ref = np.where(ok[:, None], tol[np.maximum(idx, 0)], np.inf)
            res = np.maximum(cur - ref, 0.0).sum(axis=1)
            best = np.minimum(best, res)
        best[~np.isfinite(best)] = cur[~np.isfinite(best)].sum(axis=1)
        out[a:b] = best
    return out


def pick_cues(
    surp: np.ndarray,
    activity: np.ndarray,
    *,
    threshold: float = 3.0,
    min_gap: float = 0.3,
    window: float = 8.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Peaks of the surprise that stand out from the music's usual onset activity.

    Returns positions (hops) and scores (surprise over the local activity level).
    """
    n = len(surp)
    if n < 3:
        return np.zeros(0), np.zeros(0)
    level = uniform_filter1d(activity.astype(np.float64), size=max(3, int(window * FPS)), mode="nearest")
    level = np.maximum(level, 1e-3 * (float(np.mean(activity)) + 1e-9))
    sm = uniform_filter1d(surp.astype(np.float64), size=3, mode="nearest")
    score = sm / level
    half = int(min_gap * FPS)
    peak = (score >= maximum_filter1d(score, size=2 * half + 1, mode="constant")) & (score > threshold)
    idx = np.flatnonzero(peak)
    keep: list[int] = []
    for i in idx:
        if not keep or i - keep[-1] > half:
            keep.append(int(i))
    idx = np.asarray(keep, int)
    return idx.astype(float), score[idx] if len(idx) else np.zeros(0)


_KINDS = {"impact": "IMPACT", "crash": "CRASH", "glass": "GLASS", "whoosh": "WHOOSH", "hit": "HIT"}


def classify(bands: np.ndarray, band_hz: np.ndarray, pos: int) -> str:
    """Kind of effect from the band-energy change at *pos* (hops): its spectral shape and lead-in."""
    n = len(bands)
    b = bands.astype(np.float32)
    before = b[max(0, pos - 10) : max(1, pos - 2)].mean(axis=0)
    after = b[min(n - 1, pos + 2) : min(n, pos + 20)].max(axis=0) if pos + 2 < n else b[-1]
    rise = np.maximum(after - before, 0.0)
    if rise.sum() <= 0:
        return "hit"
    w = rise / rise.sum()
    centroid = float(np.exp(np.sum(w * np.log(band_hz))))
    spread = int(np.sum(rise > 0.5 * rise.max()))
    # a whoosh: energy already swelling for a few hundred ms before the hit
    lead = b[max(0, pos - int(0.6 * FPS)) : max(1, pos - 2)].sum(axis=1)
    swell = len(lead) > 10 and float(lead[-5:].mean() - lead[:5].mean()) > 0.15 * b.shape[1]
    if swell:
        return "whoosh"
    if centroid < 400 and spread >= 3:
        return "impact"
    if centroid > 2500 and spread <= 3:
        return "glass"
    if spread >= len(band_hz) // 2:
        return "crash"
    return "hit"


def make_cues(times: np.ndarray, scores: np.ndarray, kinds: list[str]) -> list[Cue]:
    """Cue objects with strength in [0, 1] from the surprise score."""
    out = []
    for t, s, k in zip(times, scores, kinds, strict=True):
        out.append(Cue(float(t), k, _KINDS.get(k, k.upper()), float(1 - np.exp(-s / 10.0))))
    return out
