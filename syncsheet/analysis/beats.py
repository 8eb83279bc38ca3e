"""Beat tracking: a joint tempo-phase model decoded by Viterbi with a fixed lag.

The model is the bar-pointer idea (Whiteley et al. 2006; Krebs, Böck & Widmer 2015) written as a
semi-Markov chain over beats: the state after a beat is its inter-beat interval ``tau`` (integer
hops at :data:`DP_FPS`); the next beat comes ``tau`` hops later, and the interval may change a
little from beat to beat. The score of a path is

    sum over beats of  obs(t)  -  prior(tau)  -  lam * max(0, |tau - tau_prev| - 1) / tau_prev

where ``obs`` is the locally normalised onset activation minus a threshold (so a beat placed on a
weak frame costs; double tempo on weak off-beats loses), ``prior`` a log-normal tempo prior, and the
last term lets the tempo drift one hop per beat for free (rubato, ramps) but penalises jumps.
Where that stiff decode's own beats say the tempo moves, the file is decoded a second time with a
cost shaped for following gradual changes there (:func:`track_beats`).

The forward pass runs over the whole file in blocks of ``tau_min`` hops (each block depends only on
earlier ones, so it is vectorised), keeping scores and back-pointers only for a sliding buffer:
every buffer-full, the best path is traced back and beats older than the lag are committed.
Memory is bounded by the buffer, whatever the length of the audio.
"""

from __future__ import annotations

import numpy as np

from ..progress import Progress, scaled
from ._windows import max_near, span_means, window_mean
from .features import CHROMA_DECIM, FINE_DECIM, FPS

__all__ = [
    "beat_activation", "track_beats", "swing_phase", "bass_harmony_phase", "peak_refine", "attack_times",
    "extend_to_edges", "compound_level", "fold_to_range", "DP_FPS",
]

DP_FPS = FPS / 2  # the Viterbi runs at 100 hops a second; beats are refined at 200
_BUFFER_S = 60.0
_LAG_S = 12.0
NOTES_SHARE = 0.25  # share of the fine-band note activation in the beat activation (at least)
#: Local correlation of broad-band and note activations below which the note share rises (to all
#: at the first): drums and struck strings correlate above the second, bowed strings and voices below.
NOTES_AGREE = (0.65, 0.8)
_MAX_JUMP = 0.25  # largest tempo change from one beat to the next
#: Where the tempo moves (see :func:`track_beats`): the spread of the first decode's log period
#: over a window of beats above which a second decode follows gradual changes more cheaply.
FOLLOW_SPREAD = 0.035
FOLLOW_WINDOW = 64
_P20_P80 = 1.683  # the 20th-80th percentile range of a normal distribution, in standard deviations
#: The second decode's cost per relative tempo change: *small* (a beat's change up to *knee*, as
#: rubato and accelerando make) and *large* (beyond it, as a detour to an off-beat and back makes).
FOLLOW_COST = (15.0, 0.08, 30.0)
_TAU_RATIO = 1.02  # interval states: every hop, but never more than 2 % apart


def _intervals(tau_min: float, tau_max: float) -> np.ndarray:
    """Inter-beat intervals (DP hops) to consider: all integers where they are under 2 % apart,
    log-spaced above (a 10-400 BPM range stays a few hundred states, not thousands)."""
    lo, hi = max(2, int(np.floor(tau_min))), max(3, int(np.ceil(tau_max)))
    n = int(np.ceil(np.log(hi / lo) / np.log(_TAU_RATIO))) + 1
    geo = np.round(lo * _TAU_RATIO ** np.arange(n)).astype(int)
    return np.unique(np.clip(np.concatenate([geo, [lo, hi]]), lo, hi))


def beat_activation(
    flux: np.ndarray,
    window_s: float = 8.0,
    weights: tuple[float, ...] = (1.0, 1.0, 1.0),
    power: float = 0.5,
    *,
    notes: np.ndarray | None = None,
    notes_share: float = NOTES_SHARE,
    agree: tuple[float, float] | None = NOTES_AGREE,
    agree_s: float = 16.0,
) -> np.ndarray:
    """Onset activation for beat tracking.

    Each flux band is divided by its own local mean over *window_s* seconds (so the bass, where
    kicks and bass notes mark the beat, weighs as much as the many high bands, and loud and quiet
    passages alike), the bands are summed with *weights*, and the sum is compressed by *power*
    (so one very strong accent does not outweigh the regular pulse).

    The three broad bands hear drums and loud attacks but hardly a legato string quartet's soft
    note changes; the fine-band note activation (*notes*, :attr:`Features.onset`) hears those.
    Normalised the same way, it makes up at least *notes_share* of the result. (On the development
    and holdout sets beat F stays the same from 0.2 to 0.35 and drops from 0.4, where the note
    activation's off-beat notes start to pull a pop piece half a beat away.)

    How much more it makes up depends on whether the two agree: where drums or struck strings
    sound, every attack is broadband and the two activations correlate (0.71-0.94 over
    *agree_s* seconds); where bows and voices play, the broad bands mostly hear bow noise and
    vibrato between soft note changes and the correlation falls to 0.41-0.71. The share of the
    note activation rises linearly from *notes_share* where the local correlation is at or above
    ``agree[1]`` to all of it at or below ``agree[0]``.

    Parameters
    ----------
    flux : (n, bands) or (n,) array
        Per-hop flux (:attr:`Features.flux`).
    notes : (n,) array, optional
        Per-hop note-onset activation (:attr:`Features.onset`).
    agree : (low, high) or None
        Correlations between which the note share rises; None keeps it at *notes_share*.

    Returns
    -------
    numpy.ndarray
        (n,) float32, about 1 on average.
    """
    flux = np.atleast_2d(np.asarray(flux).T).T
    if not len(flux):
        return np.zeros(0, np.float32)
    size = max(3, int(window_s * FPS))
    out = np.zeros(len(flux), np.float32)
    for b in range(flux.shape[1]):
        x = flux[:, b].astype(np.float32)
        mean = window_mean(x, size // 2, (size - 1) // 2)
        out += weights[b] * x / (mean + 1e-3 * (float(np.mean(x)) + 1e-9))
    out /= sum(weights[: flux.shape[1]])
    out = out**power if power != 1.0 else out
    if notes is not None and notes_share > 0 and len(notes):
        extra = beat_activation(notes[: len(out)], window_s, (1.0,), power)
        m = len(extra)
        share: float | np.ndarray = notes_share
        if agree is not None:
            low, high = agree
            r = _local_corr(out[:m], extra, int(agree_s * FPS))
            share = notes_share + (1.0 - notes_share) * np.clip((high - r) / (high - low), 0.0, 1.0)
        out[:m] += share * (extra - out[:m])
    return out


def _local_corr(x: np.ndarray, y: np.ndarray, window: int, block: int = 200) -> np.ndarray:
    """Pearson correlation of *x* and *y* over about *window* hops around each hop.

    Sums are taken per *block* of hops and the correlation is computed from the blocks in the
    window around each block, so a long reel needs only a few small arrays beyond its inputs.
    """
    n = min(len(x), len(y))
    if not n:
        return np.zeros(0)
    starts = np.arange(0, n, block)
    xs, ys = x[:n].astype(np.float32, copy=False), y[:n].astype(np.float32, copy=False)

    def block_sum(v: np.ndarray) -> np.ndarray:
        return np.add.reduceat(v, starts, dtype=np.float64)

    # each product is made and summed in turn: a reel's float32 copies never pile up
    sums = [block_sum(xs), block_sum(ys), block_sum(xs * ys), block_sum(xs * xs), block_sum(ys * ys)]
    count = np.diff(np.append(starts, n)).astype(np.float64)
    half = max(0, window // (2 * block))
    c, sx, sy, sxy, sxx, syy = (window_mean(v, half, half) for v in (count, *sums))  # means: ratios stand
    mx, my = sx / c, sy / c
    cov = sxy / c - mx * my
    vx, vy = np.maximum(sxx / c - mx**2, 1e-12), np.maximum(syy / c - my**2, 1e-12)
    r = (cov / np.sqrt(vx * vy)).astype(np.float32)
    return np.repeat(r, count.astype(int))


def _pool(act: np.ndarray) -> np.ndarray:
    n = len(act) // 2
    out = np.maximum(act[: 2 * n : 2], act[1 : 2 * n : 2])
    if len(act) % 2:
        out = np.append(out, act[-1])
    return out


def track_beats(
    act: np.ndarray,
    bpm_min: float = 50.0,
    bpm_max: float = 220.0,
    *,
    threshold: float = 1.75,
    lam: float = 20.0,
    prior_bpm: float = 120.0,
    prior_sigma: float = 0.6,
    prior_weight: float = 1.0,
    follow: bool = True,
    progress: Progress | None = None,
) -> np.ndarray:
    """Beat positions (in hops at :data:`~syncsheet.analysis.features.FPS`, fractional).

    A first decode keeps the tempo stiff: every relative change beyond the free hop costs *lam*,
    so a near tie between the beat and an off-beat is not settled by a detour (speeding up for a
    few beats and slowing down again lands on the off-beats). But rubato and sine drifts change
    the tempo by up to 6-8 % a beat for several beats in a row, which that cost does not let the
    path follow: it lags, falls off the attacks and slips to another phase or level. So where
    the first decode's own beats say the tempo moves (the robust spread of their log period over
    :data:`FOLLOW_WINDOW` beats exceeds :data:`FOLLOW_SPREAD`: steady excerpts of the benchmark
    sets tracked right are at most 0.028, tempo-varying ones at least 0.044), the file is decoded
    again with :data:`FOLLOW_COST` there: gradual changes cost less, one-beat jumps more (a detour
    needs two). Steady music keeps the first decode.

    Parameters
    ----------
    act : 1-D array
        Normalised onset activation at FPS (see :func:`beat_activation`).
    bpm_min, bpm_max : float
        Tempo range searched.
    threshold : float
        Activation a beat must exceed to score positively.
    lam : float
        Cost of a tempo change (per relative change beyond one hop) in the first decode.
    prior_bpm, prior_sigma, prior_weight : float
        Log-normal tempo prior (sigma in octaves) and its weight per beat.
    follow : bool
        Decode again where the tempo moves (False: the first decode only).
    progress : callable, optional

    Returns
    -------
    numpy.ndarray
        Beat positions in hops at FPS (even numbers: the decoder's 10 ms grid); refine them with
        :func:`peak_refine`, then remove the latency.
    """
    a = _pool(act)
    n = len(a)
    tau = _intervals(60 * DP_FPS / bpm_max, 60 * DP_FPS / bpm_min)
    if n < 2 * tau[0] + 1:
        return np.zeros(0)
    K = len(tau)
    bpm = 60 * DP_FPS / tau
    prior = -prior_weight * (np.log2(bpm / prior_bpm) / prior_sigma) ** 2 / 2
    # banded transitions: offset d = k_new - k_prev, wide enough for a 25 % jump anywhere
    lo = np.searchsorted(tau, tau / (1 + _MAX_JUMP), side="left")
    hi = np.searchsorted(tau, tau * (1 + _MAX_JUMP), side="right") - 1
    D = int(max(1, np.max(np.arange(K) - lo), np.max(hi - np.arange(K))))
    offs = np.arange(-D, D + 1)
    kprev = np.arange(K)[None, :] - offs[:, None]  # (2D+1, K): previous index for each offset
    valid = (kprev >= 0) & (kprev < K)
    kprev_c = np.clip(kprev, 0, K - 1)
    tprev = tau[kprev_c].astype(float)
    # relative change beyond the free hop (a hop is the decoder's resolution: 1-3 % of a period)
    rel = np.maximum(0, np.abs(tau[None, :] - tprev) - 1) / tprev
    # large jumps are not allowed at all
    allowed = valid & (np.abs(tau[None, :] / tprev - 1) <= _MAX_JUMP)

    def transitions(cost: np.ndarray) -> np.ndarray:
        return (np.where(allowed, -cost, -np.inf) + prior[None, :]).astype(np.float32)

    obs = (a - threshold).astype(np.float32)
    stiff = transitions(lam * rel)
    first = scaled(progress, 0.0, 0.5 if follow else 1.0)
    pos = _decode(obs, tau, offs, kprev_c, prior, [stiff], None, first)
    moving = _tempo_moves(pos) if follow else None
    if moving is None or not moving.any():
        return np.asarray(pos, float) * 2
    small, knee, large = FOLLOW_COST
    loose = transitions(small * np.minimum(rel, knee) + large * np.maximum(0, rel - knee))
    # per decoder hop: the cost that applies to a beat there (the first decode's beat before it)
    edges = np.append(pos, n)
    edges[0] = 0
    select = np.repeat(moving.astype(np.int8), np.diff(edges))
    pos = _decode(obs, tau, offs, kprev_c, prior, [stiff, loose], select, scaled(progress, 0.5, 1.0))
    return np.asarray(pos, float) * 2


def _tempo_moves(pos: np.ndarray) -> np.ndarray:
    """Per beat (decoder hops): whether the log period's spread over the :data:`FOLLOW_WINDOW`
    beats around it (shifted inward at the ends) exceeds :data:`FOLLOW_SPREAD`.

    The spread is that of the middle 60 % (20th to 80th percentile, scaled to a standard
    deviation), so a detour of a few beats or the decoder's first beats settling do not count:
    a moving tempo spreads most of the window's beats.
    """
    if len(pos) < 9:
        return np.zeros(len(pos), bool)
    lp = np.log(np.maximum(np.diff(np.asarray(pos, float)), 1.0))
    m = len(lp)
    w = min(FOLLOW_WINDOW, m)
    step = max(1, w // 8)  # one window every few beats: a reel's beats stay cheap
    starts = np.clip(np.arange(0, m, step) - w // 2, 0, m - w)
    win = np.lib.stride_tricks.sliding_window_view(lp, w)[starts]
    lo, hi = np.percentile(win, [20, 80], axis=1)
    moving = np.repeat((hi - lo) / _P20_P80 > FOLLOW_SPREAD, step)[:m]
    return np.append(moving, moving[-1])


def _decode(obs, tau, offs, kprev_c, prior, trans, select, progress) -> list[int]:
    """The fixed-lag Viterbi over the whole activation: beats in decoder hops.

    *trans* holds (2D+1, K) transition score matrices; *select* (per decoder hop, or None for the
    first) says which applies to a beat at that hop.
    """
    n, K = len(obs), len(tau)
    buf = int(_BUFFER_S * DP_FPS) + tau[-1]
    lag = int(_LAG_S * DP_FPS)
    base = 0  # absolute hop of buffer row 0
    S = np.full((buf, K), -np.inf, np.float32)
    M = np.full((buf, K), -np.inf, np.float32)  # best score of a path whose last beat is here, entering state k next
    BP = np.zeros((buf, K), np.int16)  # offset index of the previous state
    committed: list[int] = []
    t = 0
    tmin = int(tau[0])
    kk = np.arange(K)
    prior = prior.astype(np.float32)
    while t < n:
        if t - base + tmin > buf:  # buffer full: commit old beats, slide
            keep_from = t - lag - tau[-1]
            committed.extend(_trace(S, BP, tau, offs, base, t, committed, upto=t - lag))
            shift = keep_from - base
            S[:-shift], M[:-shift], BP[:-shift] = S[shift:], M[shift:], BP[shift:]
            S[-shift:], M[-shift:], BP[-shift:] = -np.inf, -np.inf, 0
            base = keep_from
            # scores only matter relative to each other: keep them small for float32
            top = np.float32(np.max(M[: buf - shift]))
            if np.isfinite(top):
                S -= top
                M -= top
            if progress is not None:
                progress(t / n, "beats")
        stop = min(n, t + tmin)
        rows = np.arange(t, stop)
        src = rows[:, None] - tau[None, :]  # absolute hop of the previous beat
        prev = np.where(src >= base, M[np.clip(src - base, 0, buf - 1), kk[None, :]], -np.inf)
        start = np.where(src < 0, prior[None, :], -np.inf)  # the first beat: no predecessor
        arrive = np.maximum(prev, start)
        Sb = obs[rows][:, None] + arrive
        S[rows - base] = Sb
        # M[t, k] = max over offsets of S[t, k - d] + trans[d, k]
        tr = trans[0] if select is None else trans[int(select[t])]
        cand = Sb[:, kprev_c] + tr[None]  # (B, 2D+1, K)
        best = np.argmax(cand, axis=1)
        M[rows - base] = np.take_along_axis(cand, best[:, None, :], axis=1)[:, 0]
        BP[rows - base] = best
        t = stop
    committed.extend(_trace(S, BP, tau, offs, base, n, committed, upto=n))
    return committed


def _trace(score_buf, back_buf, tau, offs, base, end, committed, upto):
    """Trace the best path back from the end of the buffer; return its beats in (last, upto)."""
    S, BP = score_buf, back_buf  # noqa: N806
    K = len(tau)
    lo = max(base, end - int(tau[-1]))
    rows = np.arange(lo, end)
    # a final beat must be within one interval of the end
    score = S[rows - base]
    ok = rows[:, None] + tau[None, :] >= end
    score = np.where(ok, score, -np.inf)
    if not np.isfinite(score).any():
        return []
    r, k = np.unravel_index(np.argmax(score), score.shape)
    t = int(rows[r])
    path = []
    while True:
        path.append(t)
        tp = t - int(tau[k])
        if tp < base:
            break
        k = int(k - offs[BP[tp - base, k]])
        t = tp
        if not (0 <= k < K) or not np.isfinite(S[t - base, k]):
            break
    path = path[::-1]
    last = committed[-1] if committed else -(10**9)
    min_gap = tau[0] // 2
    return [p for p in path if p > last + min_gap and p < upto]


def peak_refine(pos: np.ndarray, act: np.ndarray, radius: int = 3) -> np.ndarray:
    """Move each position to the activation peak within ±radius hops, with parabolic interpolation.

    Positions with no peak inside the window (a beat on a rest) stay where they are.
    """
    pos = np.asarray(pos, float)
    if not len(pos) or not len(act):
        return pos
    n = len(act)
    base = np.clip(np.round(pos).astype(int), 0, n - 1)
    offs = np.arange(-radius, radius + 1)
    idx = np.clip(base[:, None] + offs[None, :], 0, n - 1)
    win = act[idx]
    j = np.argmax(win, axis=1)
    interior = (j > 0) & (j < 2 * radius)
    peak = base + offs[j]
    jj = np.clip(j, 1, 2 * radius - 1)
    a, b, c = (win[np.arange(len(pos)), jj - 1], win[np.arange(len(pos)), jj], win[np.arange(len(pos)), jj + 1])
    den = a - 2 * b + c
    frac = np.where(np.abs(den) > 1e-12, 0.5 * (a - c) / np.where(den == 0, 1, den), 0.0)
    out = np.where(interior, peak + np.clip(frac, -0.5, 0.5), pos)
    return out


def attack_times(pos: np.ndarray, energy: np.ndarray, *, radius: int = 4, jump_db: float = 10.0,
                 dominance: float = 2.0) -> np.ndarray:
    """Seconds of the sharp attacks near *pos*; NaN where the attack is not sharp.

    The spectral flux peaks while its 43 ms window is still sliding onto an attack, which puts
    sharp attacks up to ~10 ms early. The hop energy is not windowed: where the power jumps by more
    than *jump_db* within one 5 ms hop inside ±*radius* hops, and by *dominance* times more than at
    any other hop there, that hop holds the attack, and how much of the hop's energy is new places
    it within the hop.

    Parameters
    ----------
    pos : array
        Event positions in hops (fractional), as the flux detectors give them.
    energy : array
        Mean square per hop (:attr:`Features.energy`; hop *k* spans ``[k, k + 1) / FPS``).
    """
    pos = np.asarray(pos, float)
    out = np.full(len(pos), np.nan)
    n = len(energy)
    if not len(pos) or n < 3:
        return out
    base = np.clip(np.round(pos).astype(int), 1, n - 2)
    idx = np.clip(base[:, None] + np.arange(-radius, radius + 1)[None, :], 1, n - 2)
    # the level's jump into each hop near the events only (not whole-file float64 copies)
    w = _level_db(energy, idx) - _level_db(energy, idx - 1)
    k = np.argmax(w, axis=1)
    rows = np.arange(len(pos))
    j = idx[rows, k]
    jump_j = w[rows, k]
    other = w.copy()
    other[rows, k] = -np.inf
    # sharp: a large jump, and the only one nearby (in a dense mix several hops jump a little)
    sharp = (jump_j > jump_db) & (jump_j > dominance * np.maximum(other.max(axis=1), 0.0))
    # energy of hop j = the share of it after the attack times the new level (+ the old level before)
    lo, mid, hi = (energy[j + d].astype(np.float64) for d in (-1, 0, 1))
    frac = np.clip(1.0 - (mid - lo) / np.maximum(hi - lo, 1e-20), 0.0, 1.0)
    out[sharp] = ((j + frac) / FPS)[sharp]
    return out


def _level_db(energy: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Hop level in dB at the hops *idx*."""
    return 10 * np.log10(energy[idx].astype(np.float64) + 1e-12)


def extend_to_edges(pos: np.ndarray, onsets: np.ndarray, *, radius: float = 6.0) -> np.ndarray:
    """Add beats the decoder skipped at the very start or end of the audio.

    The decoder may start its path anywhere within the first interval, so a first beat on an
    attack right at 0 s (where the locally normalised activation has no run-up and stays weak)
    costs less skipped than taken. The grid is continued one period before the first beat (and
    after the last) while an onset lies within *radius* hops of where the next beat falls.

    Parameters
    ----------
    pos : array
        Tracked beats in hops.
    onsets : array
        Onset positions in hops (:func:`~syncsheet.analysis.onsets.pick_onsets`).
    """
    pos = np.asarray(pos, float)
    onsets = np.asarray(onsets, float)
    if len(pos) < 3 or not len(onsets):
        return pos

    def onset_near(c: float) -> float | None:
        k = int(np.argmin(np.abs(onsets - c)))
        return float(onsets[k]) if abs(onsets[k] - c) <= radius else None

    head, tail = [float(pos[0])], [float(pos[-1])]
    period = float(np.median(np.diff(pos[: min(len(pos), 9)])))
    while (c := onset_near(head[0] - period)) is not None and c < head[0] - period / 2:
        head.insert(0, c)
    period = float(np.median(np.diff(pos[-min(len(pos), 9) :])))
    while (c := onset_near(tail[-1] + period)) is not None and c > tail[-1] + period / 2:
        tail.append(c)
    return np.concatenate([head[:-1], pos, tail[1:]])


def _periods(pos: np.ndarray) -> np.ndarray:
    """Each beat's period: the gap to the next beat, or to the previous one where the tempo steps
    between this beat and the next.

    At a tempo step the gap after the last beat before it spans two tempi (a third of the old
    period plus two thirds of the new one, for a tracker on a swung off-beat), while the gap
    before it does not; so of the two gaps the one on the side whose next gap agrees better with
    it is taken (the next one on a steady grid; the last beat takes the last gap).
    """
    d = np.diff(np.asarray(pos, float))
    if len(d) < 3:
        return np.append(d, d[-1])
    nxt = np.append(d, d[-1])
    prev = np.concatenate([[d[0]], d])
    change_next = np.abs(np.diff(np.append(nxt, nxt[-1])))  # |d[k+1] - d[k]|
    change_prev = np.abs(np.diff(np.concatenate([[prev[0]], prev])))  # |d[k-1] - d[k-2]|
    return np.where(change_next > change_prev, prev, nxt)


def swing_phase(pos: np.ndarray, act: np.ndarray, *, window: int = 32, ratio: float = 1.5,
                rival: float = 0.5) -> np.ndarray:
    """Move beats that sit on swung off-beats onto the beat.

    Swing divides a beat long-short (2/3 + 1/3). A tracker that locks onto the off-beat (often
    the louder: ride cymbal, anticipated chords) has the right tempo but sits 2/3 of a beat
    late, and then the strong event after each of its beats comes 1/3 of a period later instead
    of 2/3. Where, over a window of beats, the activation 1/3 of a period after the beats clearly
    outweighs that 2/3 after (*ratio*) and is a real rival of the beats themselves (*rival*), the
    beats there move forward by 1/3 of their period. Straight and triplet (12/8) music has about
    equal activation at both places and is left alone.

    Parameters
    ----------
    pos : array
        Beat positions in hops (fractional).
    act : array
        Beat activation at FPS (:func:`beat_activation`).
    window : int
        Beats the evidence is averaged over (a section of a long reel decides for itself).

    Returns
    -------
    numpy.ndarray
        Beat positions in hops.
    """
    pos = np.asarray(pos, float)
    if len(pos) < 8 or not len(act):
        return pos
    period = _periods(pos)
    on, third, two_thirds = (_inward_mean(max_near(act, pos + k * period / 3, 2), window) for k in (0, 1, 2))
    late = (third > ratio * two_thirds) & (third > rival * on)
    return np.where(late, pos + period / 3, pos)


def _inward_mean(x: np.ndarray, window: int) -> np.ndarray:
    """Per item: the mean of the *window* items around it, the window shifted inward at the ends
    (so the first and last items weigh as much as any, not as much as half a window)."""
    x = np.asarray(x, float)
    n = len(x)
    w = min(window + 1, n)
    c = np.concatenate([[0.0], np.cumsum(x)])
    start = np.clip(np.arange(n) - w // 2, 0, n - w)
    return (c[start + w] - c[start]) / w


#: The low register whose attacks mark beats (kick, bass notes), Hz: below the chords' range.
LOW_HZ = 200.0


def bass_harmony_phase(pos: np.ndarray, chroma: np.ndarray, fine: np.ndarray, fine_hz: np.ndarray, *,
                       block: int = 8, window: int = 8, tau: float = 3.0) -> np.ndarray:
    """Move beats that sit half a beat off onto the beat, where the bass and the harmony say so.

    A tracker can lock onto the off-beats when they are as busy and loud as the beats (a snare or
    hi-hat between kicks, off-beat chords). Two things still mark the beat in such music: the low
    register's attacks (kick, bass notes) and the changes of harmony. On the development and holdout
    sets, scored at the score's own beats, neither is ever clearly stronger half a beat later
    (chroma change stronger on the beat in 26 of 27 pieces, low attacks in 23, the rest within
    noise). So where, over a window of *window* blocks of *block* beats, BOTH are weaker at the
    tracked beats than half a beat later, and their t statistics (over block means, so the beats'
    correlation does not inflate them) add to less than ``-tau``, those beats move half a period
    forward. One cue alone never decides: a bass line or chords off the beat (syncopation, stride
    piano) move one of them, not both.

    Parameters
    ----------
    pos : array
        Beat positions in hops at FPS (fractional).
    chroma : (n // CHROMA_DECIM, 12) array
        :attr:`Features.chroma`.
    fine, fine_hz : arrays
        :attr:`Features.fine` (rows every :data:`FINE_DECIM` hops) and its band centres.

    Returns
    -------
    numpy.ndarray
        Beat positions in hops.
    """
    pos = np.asarray(pos, float)
    if len(pos) < 4 * block or not len(chroma) or not len(fine):
        return pos
    period = _periods(pos)
    off = pos + period / 2
    t_harm = _block_t(_harmony_change(chroma, pos) - _harmony_change(chroma, off), block, window)
    low_on, low_off = _low_attack(fine, fine_hz, pos), _low_attack(fine, fine_hz, off)
    scale = window_mean((low_on + low_off) / 2, block * window // 2, block * window // 2) + 1e-9
    t_low = _block_t(np.log1p(low_on / scale) - np.log1p(low_off / scale), block, window)
    flip = (t_harm < 0) & (t_low < 0) & (t_harm + t_low < -tau)
    return np.where(flip, off, pos)


def _harmony_change(chroma: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """Cosine distance between the mean chroma of the period before each position and the period
    after it (positions in hops, sorted, about a period apart)."""
    rows = np.round(pos / CHROMA_DECIM).astype(int)
    first, last = rows[0] - (rows[1] - rows[0]), rows[-1] + (rows[-1] - rows[-2])
    bounds = np.clip(np.concatenate([[first], rows, [last]]), 0, len(chroma) - 1)
    spans = span_means(chroma, bounds[:-1], bounds[1:])
    before, after = spans[:-1], spans[1:]
    norm = np.linalg.norm(before, axis=1) * np.linalg.norm(after, axis=1)
    return np.where(norm > 1e-12, 1.0 - np.sum(before * after, axis=1) / np.maximum(norm, 1e-12), 0.0)


def _low_attack(fine: np.ndarray, fine_hz: np.ndarray, pos: np.ndarray, radius: int = 2) -> np.ndarray:
    """Strongest rise of the low register's log spectrum (summed over its bands, over 20 ms) within
    *radius* rows of each position; only the rows near the positions are read."""
    sel = np.flatnonzero(fine_hz < LOW_HZ)
    if not len(sel):
        return np.zeros(len(pos))
    n = len(fine)
    rows = np.round(np.asarray(pos) / FINE_DECIM).astype(int)
    near = np.clip(rows[:, None] + np.arange(-radius, radius + 1)[None, :], 2, n - 1)
    now = fine[near][..., sel].astype(np.float32)
    before = fine[near - 2][..., sel].astype(np.float32)
    return np.maximum(now - before, 0.0).sum(axis=2).max(axis=1)


def _block_t(d: np.ndarray, block: int, window: int) -> np.ndarray:
    """Per item of *d*: the t statistic of the means of *block* consecutive items over the *window*
    blocks around its own (shifted inward at the ends, so every window is full when it can be)."""
    nb = max(1, len(d) // block)
    sums = np.add.reduceat(d, np.arange(nb) * block)
    counts = np.diff(np.append(np.arange(nb) * block, len(d)))
    means = sums / counts
    k = min(window, nb)
    start = np.clip(np.arange(nb) - k // 2, 0, nb - k)
    c1 = np.concatenate([[0.0], np.cumsum(means)])
    c2 = np.concatenate([[0.0], np.cumsum(means**2)])
    m = (c1[start + k] - c1[start]) / k
    var = np.maximum((c2[start + k] - c2[start]) / k - m**2, 0.0) * k / max(k - 1, 1)
    t = np.where(var > 0, m / np.sqrt(np.maximum(var, 1e-30) / k), 0.0)
    return t[np.minimum(np.arange(len(d)) // block, nb - 1)]


#: Ternary-grouping score above which a section is re-decoded at 1.5x its period (see
#: :func:`compound_level`): two-thirds-of-the-beat sections score 0.33-1.23 on the check sets, all
#: others at most 0.10.
TERNARY_TAU = 0.2


def compound_level(pos: np.ndarray, act: np.ndarray, onset: np.ndarray, fine: np.ndarray,
                   fine_hz: np.ndarray, bpm_min: float = 50.0, bpm_max: float = 220.0, *,
                   window: int = 64, tau: float = TERNARY_TAU, widen: float = 1.25,
                   progress: Progress | None = None) -> np.ndarray:
    """Re-track at the dotted quarter the sections of compound meter tracked at two eighths.

    In 6/8, 9/8 and 12/8 the beat is three eighths, but a tracker often settles on two (a quarter
    note: every other eighth is as busy as any). Then the accents at the tracked beats and their
    midpoints - an eighth-note sequence - repeat every three and six eighths rather than every two
    and four. Where, over *window* beats, the sequence's autocorrelation at 3 and 6 eighths minus
    that at 2 and 4 exceeds *tau* (binary meter and swing give at most 0.1), the section is decoded
    again with the period 1.5x the tracked one (within ``1/widen .. widen`` of it and the user's
    BPM range), and of the three eighths the one with the strongest low-register attacks (bass
    notes mark the beat) is taken as the beat.

    Parameters
    ----------
    pos : array
        Beat positions in hops at FPS (fractional), as tracked.
    act : array
        Beat activation at FPS (:func:`beat_activation`).
    onset : array
        :attr:`Features.onset`, the fine-band note activation at FPS.
    fine, fine_hz : arrays
        :attr:`Features.fine` and its band centres.
    bpm_min, bpm_max : float
        The tracker's tempo range; a section whose 1.5x period falls outside it is left alone.
    progress : callable, optional
        Reported while flagged sections are decoded again (a whole compound reel is decoded twice).

    Returns
    -------
    numpy.ndarray
        Beat positions in hops (sorted).
    """
    pos = np.asarray(pos, float)
    if len(pos) < 16 or not len(act):
        return pos
    flag = _ternary_sections(pos, onset, window, tau)
    if not flag.any():
        return pos
    period = _periods(pos)
    out, k, n = [], 0, len(pos)
    while k < n:
        j = k + int(np.argmax(flag[k:] != flag[k])) if (flag[k:] != flag[k]).any() else n
        sub = None
        if flag[k]:
            done = scaled(progress, k / n, j / n)
            sub = _retrack(pos, period, k, j, act, fine, fine_hz, bpm_min, bpm_max, widen, done)
        out.append(pos[k:j] if sub is None else sub)
        k = j
    return np.concatenate(out)


def _ternary_sections(pos: np.ndarray, onset: np.ndarray, window: int, tau: float) -> np.ndarray:
    """Per beat: whether the eighth-note accent sequence around it groups by three (see
    :func:`compound_level`), scored over *window* beats every three beats."""
    period = _periods(pos)
    eighths = np.stack([pos, pos + period / 2], 1).ravel()
    x = np.log(max_near(onset, eighths, 2) + 1e-3)
    n = len(x)
    w = min(2 * window, n)
    step = 6
    starts = np.clip(np.arange(0, n, step) - w // 2, 0, n - w)
    seg = np.lib.stride_tricks.sliding_window_view(x, w)[starts]  # views: O(windows) memory
    seg = seg - seg.mean(axis=1, keepdims=True)
    den = np.sum(seg * seg, axis=1)

    def ac(lag: int) -> np.ndarray:
        num = np.sum(seg[:, :-lag] * seg[:, lag:], axis=1) * w / (w - lag)
        return np.where(den > 0, num / np.maximum(den, 1e-30), 0.0)

    score = ac(3) - ac(2) + ac(6) - ac(4)
    return np.repeat(score > tau, step)[:n][::2]


def _retrack(pos, period, k, j, act, fine, fine_hz, bpm_min, bpm_max, widen, progress):
    """Beats of the flagged beats ``pos[k:j]`` decoded again at 1.5x their period, on the eighth
    with the strongest low-register attacks; None where that is not possible."""
    if j - k < 8:
        return None
    p = 1.5 * float(np.median(period[k:j]))
    lo_bpm, hi_bpm = max(bpm_min, 60 * FPS / (p * widen)), min(bpm_max, 60 * FPS / (p / widen))
    if lo_bpm >= hi_bpm:
        return None
    h0, h1 = int(pos[k]), int(min(len(act), pos[j - 1] + period[j - 1]))
    sub = track_beats(act[h0:h1], lo_bpm, hi_bpm, prior_bpm=60 * FPS / p, progress=progress) + h0
    if len(sub) < 4:
        return None
    step = np.append(np.diff(sub), sub[-1] - sub[-2]) / 3
    return _strongest_low(fine, fine_hz, [c[c < h1] for c in (sub + s * step for s in range(3))])


#: The metrical levels a tracked tempo may be folded to (factors of the tempo), for a user's range.
FOLD_FACTORS = (2.0, 0.5, 3.0, 1.0 / 3.0, 1.5, 2.0 / 3.0, 4.0 / 3.0, 0.75)
#: A level other than a multiple or a division is decoded again within this ratio of its tempo.
_REDECODE_WIDTH = 1.15


def fold_to_range(pos: np.ndarray, act: np.ndarray, chroma: np.ndarray, fine: np.ndarray, fine_hz: np.ndarray,
                  bpm_min: float, bpm_max: float, *, progress: Progress | None = None) -> np.ndarray:
    """Beats at the metrical level of the tracked ones that falls in the user's tempo range.

    A user who gives a range knows the notated beat; the tracker picks its own level (often twice
    or half the notated tempo: docs/analysis.md) with a prior calibrated over its whole range, and
    decoding again inside a narrow range loses more than it finds: at a slow tempo the phase of a
    beat whose eighths are as busy as it is left to chance (with a range of ±30 % around the
    score's tempo, beat F fell on four of seven benchmark sets). So the tracked beats are kept and
    their level is changed: of the factors :data:`FOLD_FACTORS` that bring the median tempo into
    [*bpm_min*, *bpm_max*], the one nearest the range's (geometric) centre. Twice or three times
    the tempo puts beats between the tracked ones; half or a third keeps every second or third
    beat, those with the strongest low-register attacks (bass notes and kicks mark the beat);
    2/3 is the compound re-tracking (three eighths a beat, :func:`compound_level`); 3/2, 4/3 and
    3/4 are decoded again near their tempo and put on the beat by :func:`bass_harmony_phase`.
    Where no factor fits, the file is decoded again within the range. Beats already in the range
    are returned as they are.

    Parameters
    ----------
    pos : array
        Tracked beats in hops at FPS (fractional), after the corrections.
    act : array
        Beat activation at FPS (:func:`beat_activation`).
    chroma, fine, fine_hz : arrays
        :attr:`Features.chroma`, :attr:`Features.fine` and its band centres.
    bpm_min, bpm_max : float
        The user's range.
    progress : callable, optional
        Reported while the file is decoded again.

    Returns
    -------
    numpy.ndarray
        Beat positions in hops (sorted).
    """
    pos = np.asarray(pos, float)
    if len(pos) < 2 or not len(act):
        return pos
    period = float(np.median(np.diff(pos)))
    tempo = 60 * FPS / period
    if bpm_min <= tempo <= bpm_max:
        return pos
    # a few beats (a short clip) are too few to choose among: the range is decoded, as where no
    # level reaches it
    fits = [k for k in FOLD_FACTORS if bpm_min <= tempo * k <= bpm_max] if len(pos) >= 8 else []
    if not fits:  # as the range was used before: the swing and off-beat corrections, not the compound one
        sub = swing_phase(track_beats(act, bpm_min, bpm_max, progress=progress), act)
        return bass_harmony_phase(sub, chroma, fine, fine_hz)
    k = min(fits, key=lambda x: abs(np.log(tempo * x / np.sqrt(bpm_min * bpm_max))))
    if k in (2.0, 3.0):
        m = int(k)
        between = pos[:-1, None] + np.diff(pos)[:, None] * np.arange(1, m)[None, :] / m
        return np.sort(np.concatenate([pos, between.ravel()]))
    if k in (0.5, 1.0 / 3.0):
        m = int(round(1 / k))
        return _strongest_low(fine, fine_hz, [pos[j::m] for j in range(m)])
    if k == 2.0 / 3.0:
        sub = _retrack(pos, _periods(pos), 0, len(pos), act, fine, fine_hz, bpm_min, bpm_max, 1.25, progress)
        return pos if sub is None else sub
    target = tempo * k
    lo, hi = max(bpm_min, target / _REDECODE_WIDTH), min(bpm_max, target * _REDECODE_WIDTH)
    sub = track_beats(act, lo, hi, prior_bpm=target, progress=progress)
    return bass_harmony_phase(sub, chroma, fine, fine_hz) if len(sub) >= 4 else pos


def _strongest_low(fine: np.ndarray, fine_hz: np.ndarray, candidates: list[np.ndarray]) -> np.ndarray:
    """Of candidate beat grids, the one whose beats have the strongest low-register attacks."""
    low = [np.mean(np.log1p(_low_attack(fine, fine_hz, c))) if len(c) else -np.inf for c in candidates]
    return candidates[int(np.argmax(low))]
