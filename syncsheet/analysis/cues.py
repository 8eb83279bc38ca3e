"""Sound-effect cues: onsets the music's own repetition does not predict.

Music repeats and effects do not. Every 10 ms row of the fine log spectrum is compared with the
same beat phase 1, 2 and 4 bars earlier and later (following the tracked beats, so tempo changes
are fine; the grid is continued past the first and last beat). The energy that even the best of
those references lacks (each max-filtered over ±20 ms and ±1 semitone band, so small timing and
pitch differences are forgiven), and the rise over the previous row that even the best
reference's rise lacks, is the surprise: a drum hit is predicted by its own pattern, a door slam
is not. Rises of the surprise that stand out from the music's usual novelty become cues, timed to
where the effect's first strong part starts, and each is classified from the effect's own
spectrum. A rise counts less where the spectral floor is usual for the harmony then sounding (the
same chord elsewhere in the piece): music new in its bars but not in the piece (an intro, an
ending, a section heard once) is not an effect.
"""

from __future__ import annotations

import numpy as np

from ..model import Cue
from ..progress import Progress
from ._windows import USUAL_SPAN_S, local_percentile, window_max, window_mean
from .features import CHROMA_DECIM, FINE_DECIM, FINE_SCALE, FPS

__all__ = [
    "surprise", "floor_surprise", "harmony_surprise", "harmony_weight", "evidence_weight", "pick_cues",
    "effect_profile", "classify", "swell_end", "make_cues",
]


def _phase_map(rows: np.ndarray, n: int, beats: np.ndarray, offset: int) -> np.ndarray:
    """For each of *rows*, the row at the same beat phase *offset* beats away (-1 where there is none)."""
    out = np.full(len(rows), -1, np.int64)
    if len(beats) < 2:
        return out
    t = rows.astype(np.float64)
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


def _extend(beats: np.ndarray, n: int, k: int = 8) -> np.ndarray:
    """Continue the beat grid before the first and after the last beat (median of the nearest *k*
    periods), so rows at the edges have references too instead of a jump from none to some."""
    if len(beats) < 3:
        return beats
    head = float(np.median(np.diff(beats[:k])))
    tail = float(np.median(np.diff(beats[-k:])))
    before = beats[0] - head * np.arange(int(np.ceil(beats[0] / head)) + 1, 0, -1)
    after = beats[-1] + tail * np.arange(1, int(np.ceil((n - beats[-1]) / tail)) + 2)
    return np.concatenate([before, beats, after])


def surprise(
    fine: np.ndarray,
    beats: np.ndarray,
    bar: int,
    *,
    fps: float = FPS / FINE_DECIM,
    rank: int = 0,
    offsets: tuple[int, ...] = (-4, -2, -1, 1, 2, 4),
    block: int = 1 << 14,
    bed_s: float = 1.5,
    floor: float = 1.0,
    knee: float = 8.0,
    past_s: tuple[float, ...] = (),
    progress: Progress | None = None,
) -> np.ndarray:
    """Per-row spectral energy that the music's repetition does not explain.

    Parameters
    ----------
    fine : (n, NF) uint8
        Quantised log spectrum (:attr:`Features.fine`), *fps* rows a second.
    beats : array
        Beat positions in rows of *fine*.
    bar : int
        Beats per bar: references are 1, 2 and 4 bars away on each side (phrases repeat too).
    rank : int
        Which reference explains the row: 0 the best, 1 the second best, when three or more exist.
    bed_s, floor : float
        Each band's residual is divided by its own mean over ±*bed_s* seconds plus *floor*
        (quantisation steps), so quiet but predictable bands count as much as loud busy ones.
    knee : float
        Above *knee* times its usual residual a band's share grows only logarithmically: a new
        note is a large residual in a few bands, an effect a rise across many, and one band's
        new note must not outweigh them (0 keeps the plain sum).
    past_s : tuple of float
        Seconds: the row's own past this long before is a reference too, for the level residual
        only (see :func:`floor_surprise`); empty, only the bars are.
    block : int
        Rows handled at once (memory is bounded by a block and its references, not the file).
    progress : callable(fraction, stage), optional

    Returns
    -------
    numpy.ndarray
        For each row, the sum over bands of the log energy above the explaining reference, each
        band relative to its usual residual; each reference is max-filtered over ±20 ms and ±1
        band first, so small timing and pitch differences are forgiven. Plus the same for each
        band's rise over the previous row against the references' rises: an effect's attack is a
        rise the music does not have at that point of its bars, even where the references are
        louder than the music is now (a quiet passage, a crescendo), which hides it from the
        level comparison.
    """
    n = len(fine)
    beats = _extend(np.asarray(beats, np.float64), n)
    grid = len(beats) >= 2 * bar + 2
    steps = [o * bar for o in offsets] if grid else [int(o * fps) for o in (-4, -2, 2, 4)]  # else seconds away
    out = np.zeros(n, np.float32)
    for a in range(0, n, block):
        b = min(n, a + block)
        rows = np.arange(a, b)
        if grid:
            maps = [_phase_map(rows, n, beats, o) for o in steps]
        else:
            maps = [np.where((rows + o < 0) | (rows + o >= n), -1, rows + o) for o in steps]
        own = [np.where(rows - k < 0, -1, rows - k) for k in (int(round(s * fps)) for s in past_s)]
        used = np.concatenate([m[m >= 0] for m in maps + own] + [np.zeros(0, np.int64)])
        if not len(used):
            continue
        lo, hi = max(0, int(used.min()) - 2), min(n, int(used.max()) + 3)
        have = (np.stack(maps) >= 0).sum(axis=0)
        pick = np.where(have >= 3, rank, 0)
        bed = int(bed_s * fps)
        # levels: what even the best reference lacks, over that band's usual residual nearby, so
        # an effect shows in the bands where the music is predictable, however quiet they are
        r = _residual(fine[a:b], fine[lo:hi], maps + own, lo, pick)
        # rises: the same for each band's rise over the previous row, which does not depend on
        # the references being as loud as the music is now (a quiet passage, a swell)
        r2 = _residual(_rise(fine, a, b), _rise(fine, lo, hi), maps, lo, pick)
        r[have == 0] = 0.0
        r2[have == 0] = 0.0
        out[a:b] = (_soft(r / (_band_bed(r, bed) + floor), knee).sum(axis=1)
                    + _soft(r2 / (_band_bed(r2, bed) + floor), knee).sum(axis=1))
        if progress is not None:
            progress(b / n, "cues")
    return out


#: The floor's own past that is a reference for it (seconds before the row): see floor_surprise.
FLOOR_PAST_S = (0.15, 0.3)


def floor_surprise(
    floor: np.ndarray, beats: np.ndarray, bar: int, *, progress: Progress | None = None, **kw
) -> np.ndarray:
    """:func:`surprise` of the spectral floor (:attr:`Features.floor`), whose level is also
    compared with its own past :data:`FLOOR_PAST_S` seconds before.

    The floor between partials is noise, and noise goes on from one moment to the next: the
    music's (bow and breath noise, reverb, a cymbal's wash) and an effect's own (an explosion's
    debris, the rattle after a shot). The bars alone leave such noise as surprise wherever it
    differs from theirs, and an effect's later parts were taken for new effects; its own last
    few tenths of a second explain it. An effect's attack is new against both. Rises are still
    compared with the bars only: the floor's rise 0.15 s earlier is another event's.
    """
    return surprise(floor, beats, bar, past_s=FLOOR_PAST_S, progress=progress, **kw)


def _kmeans(x: np.ndarray, k: int, *, iters: int = 20, sample: int = 5, seed: int = 0) -> np.ndarray:
    """Cluster label of each row of *x* (k-means fitted on every *sample*-th row, seeded: the same
    audio always gives the same clusters)."""
    fit = x[::sample]
    k = min(k, len(fit))
    if k < 1:
        return np.zeros(len(x), np.int64)
    centres = fit[np.random.default_rng(seed).choice(len(fit), k, replace=False)].copy()
    for _ in range(iters):
        lab = _nearest(fit, centres)
        for j in range(k):
            m = lab == j
            if m.any():
                centres[j] = fit[m].mean(axis=0)
    return _nearest(x, centres)


def _nearest(x: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Index of the nearest of *centres* for each row of *x* (squared Euclidean distance)."""
    d = (np.square(centres).sum(axis=1)[None, :] - 2.0 * (x @ centres.T))
    return d.argmin(axis=1)


def harmony_surprise(
    floor: np.ndarray,
    chroma: np.ndarray,
    *,
    k: int = 12,
    q: float = 90.0,
    fps: float = FPS / FINE_DECIM,
    bed_s: float = 1.5,
    knee: float = 8.0,
    block_s: float = USUAL_SPAN_S,
    progress: Progress | None = None,
) -> np.ndarray:
    """Per row, how far the spectral floor rises over its usual level in like-harmony passages.

    The rows' pitch-class profiles (:attr:`Features.chroma`, normalised) are clustered (*k* means)
    within blocks of about *block_s* seconds (a film's music changes from cue to cue: 120 s blocks
    clustered five cues played as one reel together); each band's
    reference is the *q*-th percentile of the floor over the block's rows of the same cluster:
    what this harmony sounds like in this piece, wherever it falls in the bars. Each band's excess
    is divided by its usual excess over ±*bed_s* seconds plus one step and counts only
    logarithmically past *knee* times that, as in :func:`surprise`; the sum over bands is returned.

    Parameters
    ----------
    floor : (n, NL) uint8
        :attr:`Features.floor`, *fps* rows a second.
    chroma : (m, 12) array
        :attr:`Features.chroma`, one row every :data:`CHROMA_DECIM` hops.
    progress : callable(fraction, stage), optional
        Called after each block (it may raise Cancelled).

    Returns
    -------
    numpy.ndarray
        (n,) float32.
    """
    n = len(floor)
    out = np.zeros(n, np.float32)
    if n == 0 or len(chroma) == 0:
        return out
    step = max(1, CHROMA_DECIM // FINE_DECIM)  # floor rows per chroma row
    nb = max(1, int(round(n / (block_s * fps))))
    edges = np.linspace(0, n, nb + 1).astype(int)
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        ch = chroma[np.minimum(np.arange(a, b) // step, len(chroma) - 1)].astype(np.float32)
        ch /= np.linalg.norm(ch, axis=1, keepdims=True) + 1e-6
        lab = _kmeans(ch, k)
        lev = floor[a:b].astype(np.float32)
        ref = np.zeros_like(lev)
        for j in np.unique(lab):
            m = lab == j
            ref[m] = np.percentile(lev[m], q, axis=0)
        r = np.maximum(lev - ref, 0.0)
        out[a:b] = _soft(r / (_band_bed(r, int(bed_s * fps)) + 1.0), knee).sum(axis=1)
        if progress is not None:
            progress(b / n, "cues")
    return out


def harmony_weight(
    hsurp: np.ndarray,
    *,
    fps: float = FPS / FINE_DECIM,
    ahead_s: float = 0.2,
    half: float = 0.5,
    span_s: float = USUAL_SPAN_S,
) -> np.ndarray:
    """How much each row's evidence of an effect is worth given :func:`harmony_surprise`.

    A cue must be new against its bars and against what its harmony sounds like elsewhere in the
    piece: the bars miss a passage that is new in the bars but not in the piece (an intro or
    ending, a fill, a section heard once), whose floor is usual for its harmony. The mean harmony
    surprise over the next *ahead_s* (an effect's first part) is taken relative to its 90th
    percentile over the *span_s* seconds around it (this passage's usual excess); under *half* of
    that the weight falls in proportion, else it is 1. It multiplies :func:`evidence_weight` in :func:`pick_cues`.
    """
    n = len(hsurp)
    out = np.ones(n, np.float32)
    if n == 0:
        return out
    ahead = max(1, int(round(ahead_s * fps)))
    m = window_mean(hsurp.astype(np.float64), 2, ahead)
    usual = local_percentile(hsurp, 90, int(span_s * fps), int(5 * fps))
    ok = usual > 0
    out[ok] = np.minimum(1.0, m[ok] / (half * usual[ok]))
    return out


def evidence_weight(
    n: int,
    beats: np.ndarray,
    bar: int,
    *,
    fps: float = FPS / FINE_DECIM,
    offsets: tuple[int, ...] = (-4, -2, -1, 1, 2, 4),
    block: int = 1 << 16,
) -> np.ndarray:
    """How much each row's surprise is worth: the square root of the share of its references that
    exist (as :func:`surprise` chooses them).

    The best of fewer references leaves more residual by chance (near the ends of the audio only
    one side has bars to compare with), so a rise of the surprise there is weaker evidence of an
    effect than the same rise where all references exist.
    """
    beats = _extend(np.asarray(beats, np.float64), n)
    grid = len(beats) >= 2 * bar + 2
    steps = [o * bar for o in offsets] if grid else [int(o * fps) for o in (-4, -2, 2, 4)]
    out = np.zeros(n, np.float32)
    for a in range(0, n, block):
        rows = np.arange(a, min(n, a + block))
        for o in steps:
            if grid:
                m = _phase_map(rows, n, beats, o)
            else:
                m = np.where((rows + o < 0) | (rows + o >= n), -1, rows + o)
            out[a : a + len(rows)] += m >= 0
    return np.sqrt(out / len(steps))


def _rise(fine: np.ndarray, a: int, b: int) -> np.ndarray:
    """Rows *a* to *b* of each band's rise over the row before (0 for the file's first row)."""
    v = fine[max(0, a - 1) : b].astype(np.int16)
    out = np.zeros_like(v)
    out[1:] = np.maximum(v[1:] - v[:-1], 0)
    return out[a - max(0, a - 1) :]


def _residual(cur: np.ndarray, ref: np.ndarray, maps: list[np.ndarray], lo: int, pick: np.ndarray) -> np.ndarray:
    """Per row and band, how far *cur* rises above its references (*ref* holds rows from *lo*
    on, each max-filtered over ±2 rows and ±1 band first); *pick* 0 takes the best reference."""
    tol = window_max(window_max(ref, 2, 2, axis=0), 1, 1, axis=1).astype(np.int16)
    c = cur.astype(np.int16)
    big = np.iinfo(np.int16).max
    if not pick.any():  # the best reference: a running minimum, no stack to sort
        best = np.full(c.shape, big, np.int16)
        for m in maps:
            ok = m >= 0
            best[ok] = np.minimum(best[ok], np.maximum(c[ok] - tol[m[ok] - lo], 0))
        return best.astype(np.float32)
    res = np.full((len(maps), len(c), c.shape[1]), big, np.int16)
    for k, m in enumerate(maps):
        ok = m >= 0
        res[k, ok] = np.maximum(c[ok] - tol[m[ok] - lo], 0)
    res.sort(axis=0)
    return res[pick, np.arange(len(c))].astype(np.float32)


def _soft(q: np.ndarray, knee: float) -> np.ndarray:
    """*q* where it is small, growing only logarithmically past about *knee* (0: *q* unchanged)."""
    if knee <= 0:
        return q
    return knee * np.log1p(q / knee)


def _band_bed(r: np.ndarray, half: int) -> np.ndarray:
    """Mean of each column of *r* over ±*half* rows, over the rows there are at either end (not a
    repeated edge row, whose chance value would set the whole edge's scale)."""
    c = np.zeros((len(r) + 1, r.shape[1]))
    np.cumsum(r, axis=0, dtype=np.float64, out=c[1:])
    i = np.arange(len(r))
    lo, hi = np.maximum(i - half, 0), np.minimum(i + half + 1, len(r))
    return ((c[hi] - c[lo]) / (hi - lo)[:, None]).astype(np.float32)


def rise_score(
    surp: np.ndarray,
    *,
    fps: float = FPS / FINE_DECIM,
    rise_s: float = 0.1,
    span_s: float = USUAL_SPAN_S,
    min_scale: float = 1.0,
    weight: np.ndarray | None = None,
) -> np.ndarray:
    """The detection function :func:`pick_cues` picks: per row, the rise of *surp* (its mean over
    the next *rise_s* less its mean over the previous *rise_s*) over the usual rise (its 90th
    percentile over the *span_s* seconds around, at least *min_scale*), times *weight* if given."""
    n = len(surp)
    w = max(1, int(round(rise_s * fps)))
    rise = np.zeros(n)
    if n < 2 * w + 1:
        return rise
    c = np.concatenate([[0.0], np.cumsum(surp, dtype=np.float64)])
    t = np.arange(w, n - w)
    rise[t] = (c[t + w] - c[t]) / w - (c[t] - c[t - w]) / w
    # "usual" is this passage's: over a span centred on each row, so a film reel's quiet scene or
    # another cue a minute away does not set it (every 5 s, interpolated); at least one unit: in a
    # loop that repeats exactly the usual rise is zero, and a quantisation blip would stand out from it
    scale = np.maximum(local_percentile(np.maximum(rise, 0), 90, int(span_s * fps), int(5 * fps)), min_scale)
    score = rise / scale
    return score * weight if weight is not None else score


def pick_cues(
    surp: np.ndarray,
    *,
    threshold: float = 5.0,
    fps: float = FPS / FINE_DECIM,
    rise_s: float = 0.1,
    span_s: float = USUAL_SPAN_S,
    merge_s: float = 0.25,
    strong_x: float = 3.0,
    min_scale: float = 1.0,
    weight: np.ndarray | None = None,
    timing: np.ndarray | None = None,
    bursts: np.ndarray | None = None,
    mask_s: float = 1.0,
    mask_r: float = 0.5,
    score: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Onsets of stretches of surprise that stand out, one cue per stretch.

    *score*, where given, is the detection function already computed for these arguments
    (:func:`rise_score`), so that a caller that needs it too computes it once.

    The detection function is the rise of the surprise: its mean over the next *rise_s* minus its
    mean over the previous *rise_s*; it is scaled by its own 90th percentile over the *span_s*
    seconds around each row (what "usual" novelty is in this music), times *weight* per row if given (see
    :func:`evidence_weight`), and peaks over *threshold* are kept. A new
    cue needs the surprise to have fallen back towards its bed since the last one, so an effect
    with several bursts (a rustle, a door) gives one cue; peaks traced back to starts under
    *merge_s* apart are one cue too. Each cue starts at the effect's first part that is
    *strong_x* times the 90th percentile of surprise around it (see :func:`_attack_start`); that
    start is traced on *timing* if given, else on *surp*, and an earlier burst it may jump to is
    judged on *bursts* if given (a surprise with sharper attacks), else on the same. Within
    *mask_s* of a cue, a rise scoring under *mask_r* times that cue's is taken as
    the same effect's later part (a shotgun's pump, an explosion's debris), which comes after the
    surprise has fallen back but is weaker than the attack.

    Returns
    -------
    positions : numpy.ndarray
        Rows (fractional) where each cue's surprise starts.
    scores : numpy.ndarray
        The rise over the block's usual level (the threshold's unit).
    """
    n = len(surp)
    w = max(1, int(round(rise_s * fps)))
    if n < 4 * w:
        return np.zeros(0), np.zeros(0)
    trace = surp if timing is None else timing
    jumps = trace if bursts is None else bursts
    span, step = int(span_s * fps), int(5 * fps)
    strong = strong_x * local_percentile(jumps, 90, span, step)  # an effect's parts stand out this much
    if score is None:
        score = rise_score(surp, fps=fps, rise_s=rise_s, span_s=span_s, min_scale=min_scale, weight=weight)
    half = int(0.3 * fps)
    cand = np.flatnonzero((score >= window_max(score, half, half, fill=-np.inf)) & (score > threshold))
    pos: list[int] = []
    vals: list[float] = []
    sm = window_mean(surp, w // 2, (w - 1) // 2)
    for i in cand:
        if pos:
            last = pos[-1]
            bed = float(np.median(sm[max(0, last - int(fps)) : max(1, last - w)]))
            peak = float(sm[last : last + 3 * w].max())
            if i - last < 0.5 * fps or float(sm[last:i].min()) > bed + 0.25 * (peak - bed):
                continue  # still inside the previous effect
        pos.append(int(i))
        vals.append(float(score[i]))
    starts = np.asarray([_attack_start(trace, i, fps, float(strong[i]), bursts=jumps) for i in pos], float)
    vals_a = np.asarray(vals, float)
    order = np.argsort(starts, kind="stable")
    starts, vals_a = starts[order], vals_a[order]
    # two peaks traced back to (nearly) the same start are one effect
    keep = np.ones(len(starts), bool)
    for k in range(1, len(starts)):
        prev = np.flatnonzero(keep[:k])
        if len(prev) and starts[k] - starts[prev[-1]] < merge_s * fps:
            keep[k] = False
            vals_a[prev[-1]] = max(vals_a[prev[-1]], vals_a[k])
    # an effect's later parts (a shotgun's pump, an explosion's debris, a chainsaw's second rev)
    # come back after its surprise has fallen, but weaker than its attack: within *mask_s* of a
    # cue, a rise under *mask_r* times that cue's is taken as the same effect
    last = -1
    for k in np.flatnonzero(keep):
        if last >= 0 and starts[k] - starts[last] < mask_s * fps and vals_a[k] < mask_r * vals_a[last]:
            keep[k] = False
        else:
            last = k
    return starts[keep], vals_a[keep]


def _attack_start(surp: np.ndarray, i: int, fps: float, strong: float, *, frac: float = 0.15,
                  back_s: float = 0.6, gap_s: float = 0.03, jump_s: float = 0.3,
                  bursts: np.ndarray | None = None) -> float:
    """Where the effect detected at row *i* starts.

    From the effect's peak the surprise is traced back while it stays above a weak level (the
    bed's 90th percentile before, or *frac* of the peak; gaps up to *gap_s* bridged). An effect's
    first part is often not its loudest and may be apart from it (a rustle's first crackle 0.15 s
    before its body, a latch's click before a door's thud), so a longer gap, up to *jump_s*, is
    crossed onto an earlier burst that is *strong* (as surprising as effects are in this music) in
    *bursts* (*surp* by default, with its own weak level); never further than *back_s* before *i*."""
    gap, jump = int(round(gap_s * fps)), int(round(jump_s * fps))
    s0 = max(0, i - int(1.6 * fps))
    seg = surp[s0 : min(len(surp), i + int(0.4 * fps))].astype(np.float64)
    i0 = i - s0
    hi = min(len(seg), i0 + int(0.3 * fps))
    k = i0 + int(np.argmax(seg[i0:hi])) if hi > i0 else i0
    lo = max(0, i0 - int(back_s * fps))
    bed = seg[max(0, lo - int(fps)) : max(1, lo)]
    weak = max(float(np.percentile(bed, 90)), frac * float(seg[k]))
    if bursts is None or bursts is surp:
        jumps, strong = seg, max(strong, weak)
    else:
        jumps = bursts[s0 : s0 + len(seg)].astype(np.float64)
        jbed = jumps[max(0, lo - int(fps)) : max(1, lo)]
        strong = max(strong, float(np.percentile(jbed, 90)), frac * float(jumps[i0:hi].max() if hi > i0 else jumps[i0]))
    j = k
    while True:
        while j > lo and seg[max(lo, j - 1 - gap) : j].max() > weak:
            j -= 1
        burst = np.flatnonzero(jumps[max(lo, j - 1 - jump) : j] > strong)
        if not len(burst):
            break
        j = max(lo, j - 1 - jump) + int(burst[0])
    # interpolate the crossing between rows j-1 and j
    if j > 0 and seg[j] != seg[j - 1]:
        return s0 + j - 1 + float(np.clip((weak - seg[j - 1]) / (seg[j] - seg[j - 1]), 0, 1))
    return float(s0 + j)


_KINDS = {"impact": "IMPACT", "crash": "CRASH", "glass": "GLASS", "whoosh": "WHOOSH", "hit": "HIT"}


def _bar_residuals(fine: np.ndarray, beats: np.ndarray, bar: int, row: int,
                   rows: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """The *rows* rows of *fine* from *row* on, and per reference bar (1, 2 and 4 bars either side,
    those inside the file) what they have over it, max-filtered over ±2 rows and ±1 band."""
    n = len(fine)
    a, b = max(0, min(row, n - 1)), min(n, row + rows)
    idx = np.arange(a, b)
    grid = _extend(np.asarray(beats, np.float64), n)
    refs = [_phase_map(idx, n, grid, o * bar) for o in (-4, -2, -1, 1, 2, 4)] if len(grid) >= 2 else []
    cur = fine[a:b].astype(np.int16)
    out = []
    for m in refs:
        if (m < 0).any():
            continue
        tol = window_max(fine[np.clip(m[:, None] + np.arange(-2, 3)[None, :], 0, n - 1)].max(axis=1), 1, 1, axis=1)
        out.append(np.maximum(cur - tol.astype(np.int16), 0))
    return cur, out


#: A cue whose *rows* (150 ms) two reference bars each hold to within this many steps of the
#: quantised fine spectrum, summed over rows and bands, is the music repeating itself: a programmed
#: drum loop's hits, each bar the same to the sample, which the references (rows rounded from the
#: beat grid) met at another phase of the 10 ms rows at 90, 128, 140 and 174 BPM, and so found new
#: (0-3 steps). On the ten benchmark sets the second-best reference of a true effect leaves at least
#: 102 steps, of a false cue 410 (the best alone can hide a soft effect: 0 steps under a loud bar).
REPEAT_STEPS = 10


def effect_profile(fine: np.ndarray, beats: np.ndarray, bar: int, row: int, *, rows: int = 15
                   ) -> np.ndarray | None:
    """The effect's own spectrum at *row*: per band, the log energy over the *rows* after it that
    the best-matching reference bar does not have (so the music bed is taken out); None where two
    of the reference bars hold it to within :data:`REPEAT_STEPS` (the music repeating itself)."""
    if len(fine) == 0:
        return np.zeros(fine.shape[1] if fine.ndim == 2 else 0)
    cur, res = _bar_residuals(fine, beats, bar, row, rows)
    sums = [float(r.sum()) for r in res]
    if len(sums) >= 2 and sorted(sums)[1] <= REPEAT_STEPS:
        return None
    best = res[int(np.argmin(sums))] if res else np.maximum(cur, 0)
    return best.mean(axis=0) / FINE_SCALE


def classify(
    profile: np.ndarray, band_hz: np.ndarray, surp: np.ndarray, row: int, fps: float = FPS / FINE_DECIM, *,
    hit_score: np.ndarray | None = None, min_score: float = 0.0,
) -> str:
    """Kind of effect from its own spectrum (:func:`effect_profile`) and how its surprise evolves.

    whoosh: the surprise swells over the few hundred ms before the hit; impact: a third or more of
    the effect's energy under 300 Hz; glass: bright (centroid over 2.5 kHz) and narrow; crash:
    broadband (energy across 40 % of the bands or more); otherwise a hit. A swell that ends in a hit
    (:func:`swell_end`, given *hit_score* and *min_score*) is a whoosh too.
    """
    if not len(profile) or profile.sum() <= 0:
        return "hit"
    w = profile / profile.sum()
    centroid = float(np.exp(np.sum(w * np.log(band_hz))))
    spread = float(np.mean(profile > 0.25 * profile.max()))
    low = float(w[band_hz < 300].sum())
    peak = float(surp[row : row + int(0.2 * fps)].max(initial=0.0))
    lead = surp[max(0, row - int(0.6 * fps)) : max(0, row - 2)]
    if len(lead) > 10 and peak > 0:
        third = len(lead) // 3
        early, late = float(lead[:third].mean()), float(lead[-third:].mean())
        if late > 0.1 * peak and late > 2 * early + 0.05:
            return "whoosh"
    if swell_end(surp, row, fps, hit_score=hit_score, min_score=min_score) is not None:
        return "whoosh"
    if low >= 0.3:
        return "impact"
    if centroid > 2500 and spread < 0.3:
        return "glass"
    if spread >= 0.4:
        return "crash"
    return "hit"


def _swells(seg: np.ndarray, smooth: float) -> bool:
    """Whether *seg* builds steadily: its last third at least twice its first, and its smoothed
    course correlating with time by *smooth* or more (a rustle's bursts are not a swell)."""
    third = max(1, len(seg) // 3)
    if not float(seg[-third:].mean()) > 2 * float(seg[:third].mean()) + 1e-6:
        return False
    build = window_mean(seg, 2, 2)[: len(seg)]
    return bool(np.corrcoef(np.arange(len(seg)), build)[0, 1] >= smooth)


def swell_end(surp: np.ndarray, row: int, fps: float = FPS / FINE_DECIM, *, max_s: float = 1.5,
              smooth: float = 0.9, cap: float = 0.7, cap_s: float = 0.03, cap_max_s: float = 4.0,
              hit_score: np.ndarray | None = None, min_score: float = 0.0) -> int | None:
    """The row of the hit that a whoosh ends in, or None.

    The effect starting at *row* must swell to its peak (for 0.2 s or more within *max_s*, a steady
    build: the smoothed surprise correlates with time by *smooth* or more, and its last third is at
    least twice its first) and then either stop abruptly (under 30 % of its peak within 50 ms; the
    hit is its last loud row) or be capped by a hit: the peak reached within *cap_s* from under *cap*
    of it, where no row of the 50 ms before was over that, after such a build (a riser into a boom
    sounds on under the boom, so it never stops; the hit is where the jump's steep climb starts).
    A riser builds for longer than a whoosh: a capped build may run to *cap_max_s* where none
    within *max_s* is one. Where *hit_score* is given (per row, as :func:`rise_score`), the jump must
    also rise as a cue does, to *min_score* within 30 ms of the hit: a door's slide swells and
    steps up as it settles, but not as much."""
    seg = surp[row : row + int(max_s * fps)].astype(np.float64)
    if len(seg) < int(0.3 * fps):
        return None
    kp = int(np.argmax(seg))
    peak = float(seg[kp])
    if kp >= int(0.2 * fps) and peak > 0:
        after = seg[kp + 1 : kp + 1 + int(0.05 * fps)]
        if len(after) and float(after.min()) <= 0.3 * peak:
            return row + kp if _swells(seg[: kp + 1], smooth) else None
    for span in (max_s, cap_max_s):
        k = _capped(surp[row : row + int(span * fps)].astype(np.float64), fps, smooth, cap, cap_s)
        if k is not None:
            if hit_score is not None:
                near = hit_score[max(0, row + k - 3) : row + k + 4]
                if not len(near) or float(near.max()) < min_score:
                    return None
            return row + k
    return None


def _capped(seg: np.ndarray, fps: float, smooth: float, cap: float, cap_s: float) -> int | None:
    """The row of *seg* where the hit that caps its steady build starts (see :func:`swell_end`)."""
    kp = int(np.argmax(seg)) if len(seg) else 0
    peak = float(seg[kp]) if len(seg) else 0.0
    least = int(0.2 * fps)
    if kp < least or peak <= 0:
        return None
    under = np.flatnonzero(seg[:kp] <= cap * peak)
    if not len(under) or kp - int(under[-1]) > max(1, int(round(cap_s * fps))):
        return None  # the peak was reached slowly: the swell's own top
    j = int(under[-1])
    if float(seg[max(0, j - int(0.05 * fps)) : j + 1].max()) > cap * peak:
        return None
    # the hit starts where the steep climb does: rows rising a tenth of the peak or more each
    k = j + 1
    while k >= 2 and seg[k - 1] - seg[k - 2] >= 0.1 * peak:
        k -= 1
    return k if k >= least and _swells(seg[:k], smooth) else None


def make_cues(times: np.ndarray, scores: np.ndarray, kinds: list[str]) -> list[Cue]:
    """Cue objects with strength in [0, 1] from the surprise score."""
    out = []
    for t, s, k in zip(times, scores, kinds, strict=True):
        out.append(Cue(float(t), k, _KINDS.get(k, k.upper()), float(1 - np.exp(-s / 10.0))))
    return out
