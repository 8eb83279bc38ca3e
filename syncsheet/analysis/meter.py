"""Downbeats and meter from beat-synchronous features and a bar-position model.

For each beat we measure how much it looks like the start of a bar: bass onset energy on the beat,
harmonic (chroma) change across it, and overall onset energy, each standardised over the piece.
Candidate meters of 2-7 beats a bar are compared by how well a periodic downbeat pattern separates
those scores (a two-sample t statistic, so a 4/4 whose third beat is half-strong is not taken for
2/4, and 6 is not taken where 3 fits). A hidden Markov model over (meter, position in bar) then
places the downbeats, allowing the meter to change where the evidence insists.
"""

from __future__ import annotations

import numpy as np

from ._windows import window_max
from .features import CHROMA_DECIM

__all__ = ["downbeat_features", "assign_bars", "METERS"]

METERS = (2, 3, 4, 5, 6, 7)
_CHANGE_COST = 8.0  # log-probability cost of a meter change at a bar line
#: Extra cost of changing *into* a bar of 5 or more beats: a one-off long bar is nearly always two
#: shorter ones (3+4 is a bar of 3/4 between bars of 4/4, not a 7/4), so a long meter has to be
#: the piece's own or its evidence has to repeat over several bars to pay for the change.
_LONG_METER_COST = 10.0
_ROUNDS = 3  # decode, re-estimate the downbeat/other-beat levels from the bars found, decode again
#: How readily each meter is believed (common practice: 4/4 first, then 3/4; 2/4 is heard as 4/4
#: unless the evidence for the shorter bar is clearly stronger).
METER_PRIOR = {4: 1.0, 3: 0.9, 6: 0.8, 2: 0.6, 5: 0.7, 7: 0.7}


def _span_mean(x: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Mean of rows of *x* over [start, end) for each pair (empty spans give the row at start)."""
    c = np.concatenate([np.zeros((1,) + x.shape[1:]), np.cumsum(x, axis=0, dtype=np.float64)])
    s = np.clip(starts, 0, len(x) - 1)
    e = np.clip(np.maximum(ends, s + 1), 1, len(x))
    return (c[e] - c[s]) / (e - s)[:, None] if x.ndim == 2 else (c[e] - c[s]) / (e - s)


def downbeat_features(
    beats: np.ndarray,
    flux: np.ndarray,
    chroma: np.ndarray,
    bands: np.ndarray | None = None,
    weights: tuple[float, ...] = (1.0, 1.0, 0.0, 0.0, 0.5, 0.4),
    span: int = 1,
) -> np.ndarray:
    """A "start of bar" score for each beat (beats in hops), standardised over the piece.

    Components (each standardised, then weighted): low-frequency level over the beat that starts
    here (bass notes and kicks land on bar lines), harmonic change across the beat (chords change at
    bar lines), bass onset strength on the beat, overall onset strength, overall loudness over
    the beat, and bass onset on the beat against half a beat later.
    """
    nb = len(beats)
    if nb < 3:
        return np.zeros(nb)
    hop = np.round(beats).astype(int)
    n = len(flux)
    nxt_hop = np.append(hop[1:], hop[-1] + (hop[-1] - hop[-2]))
    win = np.clip(hop[:, None] + np.arange(-3, 4)[None, :], 0, n - 1)
    bass = flux[:, 0] / (np.mean(flux[:, 0]) + 1e-9)
    total = flux.sum(axis=1) / (np.mean(flux.sum(axis=1)) + 1e-9)
    f_bass = bass[win].max(axis=1)
    f_act = total[win].max(axis=1)
    # the bass on the beat against the bass half a beat later: bar lines carry a bass note on the
    # beat; a syncopated bass between beats says nothing about where the bar starts
    mid = np.clip(((hop + nxt_hop) // 2)[:, None] + np.arange(-3, 4)[None, :], 0, n - 1)
    f_onoff = np.log1p(f_bass) - np.log1p(bass[mid].max(axis=1))
    if bands is not None and len(bands):
        low = bands[:, :4].astype(np.float32).sum(axis=1)
        f_low = _span_mean(low, np.clip(hop, 0, n - 1), np.clip(nxt_hop, 1, n))
        loud = bands.astype(np.float32).sum(axis=1)
        f_loud = _span_mean(loud, np.clip(hop, 0, n - 1), np.clip(nxt_hop, 1, n))
    else:
        f_low = f_loud = np.zeros(nb)
    # chroma over the beat after vs the beat before
    ch = chroma.astype(np.float32)
    cb = np.clip(hop // CHROMA_DECIM, 0, max(0, len(ch) - 1))
    step = int(np.median(np.diff(cb))) if nb > 1 else 1
    nxt = np.append(cb[span:], cb[-1] + step * np.arange(1, span + 1))[:nb]
    prv = np.concatenate([cb[0] - step * np.arange(span, 0, -1), cb[:-span]])[:nb]
    nxt, prv = np.clip(nxt, 0, len(ch)), np.clip(prv, 0, len(ch))
    after = _span_mean(ch, cb, nxt)
    before = _span_mean(ch, prv, cb)
    norm = np.linalg.norm(after, axis=1) * np.linalg.norm(before, axis=1) + 1e-12
    f_chroma = 1.0 - np.sum(after * before, axis=1) / norm

    def z(v):
        s = np.std(v)
        return (v - np.mean(v)) / s if s > 1e-9 else np.zeros_like(v)

    comps = (z(f_low), z(f_chroma), z(np.log1p(f_bass)), z(np.log1p(f_act)), z(f_loud), z(f_onoff))
    return sum(w * c for w, c in zip(weights, comps, strict=False))


def _meter_stat(d: np.ndarray, m: int) -> tuple[float, int]:
    """Best phase of a period-*m* downbeat pattern and its two-sample t statistic."""
    best, best_p = -np.inf, 0
    idx = np.arange(len(d))
    for p in range(m):
        on = (idx - p) % m == 0
        a, b = d[on], d[~on]
        if len(a) < 2 or len(b) < 2:
            continue
        s = np.sqrt(((len(a) - 1) * a.var(ddof=1) + (len(b) - 1) * b.var(ddof=1)) / (len(a) + len(b) - 2))
        t = (a.mean() - b.mean()) / (s * np.sqrt(1 / len(a) + 1 / len(b)) + 1e-9)
        if t > best:
            best, best_p = float(t), p
    return best, best_p


def assign_bars(d: np.ndarray, meter: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Bar number (from 1) and beat-in-bar (from 1) for each beat.

    Parameters
    ----------
    d : array
        Downbeat score per beat (:func:`downbeat_features`).
    meter : int, optional
        Force this many beats a bar.
    """
    n = len(d)
    if n == 0:
        return np.zeros(0, int), np.zeros(0, int)
    meters = (meter,) if meter else METERS
    if n < 4:
        m = meter or 4
        pos = np.arange(n) % m
        return _number(pos), pos + 1
    stats = {m: _meter_stat(d, m) for m in meters}
    m0 = max(stats, key=lambda m: stats[m][0] * METER_PRIOR.get(m, 0.5))
    # first guess at the bar lines: each beat that is the strongest of the m0 beats around it (not
    # one phase for the whole piece, which would blur the levels where a section is shifted)
    on = d >= window_max(d, m0 // 2, (m0 - 1) // 2)
    pos = None
    for _ in range(_ROUNDS):
        # the two emission levels come from the current bar lines: first the single best
        # meter and phase for the whole piece, then the decoded bars (which may change meter or
        # phase), so a section whose bars are shifted (a bar of 3 inside a 4/4) does not blur them
        mu1, mu0 = float(d[on].mean()), float(d[~on].mean()) if (~on).any() else 0.0
        # robust spread (a few outliers, a stop or the final chord, would flatten every level)
        sd = 1.4826 * float(np.median(np.abs(np.where(on, d - mu1, d - mu0)))) + 1e-3
        new = _decode(d, meters, m0, mu1, mu0, sd)
        if pos is not None and np.array_equal(new, pos):
            break
        pos = new
        on = pos == 0
        if on.all() or not on.any():
            break
    return _number(pos), pos + 1


def _decode(d: np.ndarray, meters: tuple[int, ...], m0: int, mu1: float, mu0: float, sd: float) -> np.ndarray:
    """Viterbi over (meter, position in bar) states; returns each beat's position (from 0)."""
    n = len(d)
    ll_on = -0.5 * ((d - mu1) / sd) ** 2
    ll_off = -0.5 * ((d - mu0) / sd) ** 2
    states = [(m, k) for m in meters for k in range(m)]
    S = len(states)
    first = np.array([k == 0 for _, k in states])
    prior = np.array([0.0 if m == m0 else -_CHANGE_COST / 2 for m, _ in states])
    score = prior + np.where(first, ll_on[0], ll_off[0])
    back = np.zeros((n, S), np.int32)
    index = {s: i for i, s in enumerate(states)}
    ends = [index[(m, m - 1)] for m in meters]
    starts = [index[(m, 0)] for m in meters]
    for t in range(1, n):
        new = np.full(S, -np.inf)
        bp = np.zeros(S, np.int32)
        for i, (m, k) in enumerate(states):
            if k > 0:
                new[i], bp[i] = score[index[(m, k - 1)]], index[(m, k - 1)]
        for j, m in zip(starts, meters, strict=True):
            change = _CHANGE_COST + (_LONG_METER_COST if m >= 5 else 0.0)
            cand = np.array([score[e] - (0.0 if states[e][0] == m else change) for e in ends])
            c = int(np.argmax(cand))
            new[j], bp[j] = cand[c], ends[c]
        score = new + np.where(first, ll_on[t], ll_off[t])
        back[t] = bp
    s = int(np.argmax(score))
    pos = np.zeros(n, int)
    for t in range(n - 1, -1, -1):
        pos[t] = states[s][1]
        s = back[t, s]
    return pos


def _number(pos: np.ndarray) -> np.ndarray:
    """Bar numbers from positions: a new bar at each position 0; a pickup is bar 1."""
    bars = np.cumsum(pos == 0)
    if len(pos) and pos[0] != 0:
        bars = bars + 1
    return np.maximum(bars, 1)
