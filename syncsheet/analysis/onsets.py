"""Onsets (accents): peak picking on the shared onset activation, timed to the attack."""

from __future__ import annotations

import numpy as np

from ._windows import window_max, window_mean
from .features import FPS, LAG, ONSET_HOLD, ONSET_SPAN, WINDOW_S

__all__ = ["pick_onsets", "time_attacks", "strong_attacks", "high_attacks", "MIN_RISE", "DIP", "SLOW_SHARE",
           "SLOW_MAX", "LEAD", "STRONG_SHARE", "HIGH_FLOOR", "HIGH_APART"]

#: A peak lower than another within the picking neighbourhood stands when the activation between
#: them falls below this share of its height: by then its own attack has ended.
DIP = 0.3

#: A slow attack (a bowed, sung or blown note) keeps the activation above this share of its peak for
#: two hops or more before the peak; a sharp one, however soft, rises to its peak within a hop.
SLOW_SHARE = 0.4
#: The most a slow attack is timed before its peak (s): the GM strings' activation peaks 15-35 ms
#: after the note-on, and a longer run is as often the previous note's tail as this one's rise.
SLOW_MAX = 0.025

#: The smallest peak of :attr:`~syncsheet.analysis.features.Features.onset` that can be a note: its
#: rises summed over the bands come to 40 dB (say four partials up 10 dB each). The threshold is
#: otherwise relative to the local level, and a passage of nothing but tremolo has a level too.
MIN_RISE = 2.0

#: Hops at the start of the audio whose activation compares with the silence assumed before it
#: (their reference reaches back before hop 0). Audio that begins on sound (a cut into a reel, an
#: excerpt) makes them the whole spectrum rising from nothing, 20-100 times a note's peak: in the
#: threshold's statistics they count no higher than the following second's mean, or they would
#: blind the picking to every note in the first half second.
LEAD = LAG + ONSET_HOLD

#: A note's attack lifts its partials out of the sound by many dB each; a dense held sound (ensemble
#: strings, a choir, reverb) wobbles in many bands by a dB or two at once. A peak is a note when at
#: least this share of its rise over the last :data:`~syncsheet.analysis.features.ONSET_SPAN` hops
#: comes from bands up by 6 dB or more (:attr:`~syncsheet.analysis.features.Features.onset_strong`).
#: Measured at the picked peaks of the benchmark sets: the string quartets' and choir's true onsets
#: a median 0.76 of their rise, their false ones inside held notes 0.44; other music's true onsets
#: 0.90. (Synthetic tones, with empty bands between their partials, do not wobble this way.)
STRONG_SHARE = 0.3

#: The smallest peak of :attr:`~syncsheet.analysis.features.Features.onset_high` that can be a hi-hat
#: or cymbal tick: about 0.7 dB a band over the 34 bands above 6 kHz (at a 22 kHz analysis rate).
#: Measured plateau on the benchmark sets: 1.1-1.6 at 6 kHz (1.5-2 at 5 kHz: the floor goes with the
#: number of bands); lower ones add the top of held sounds' wobble, higher ones find nothing new.
HIGH_FLOOR = 1.25
#: A peak of the high bands is a note of its own only this far (s) from every onset picked on the whole
#: activation: nearer, it is the top of an attack already reported.
HIGH_APART = 0.05


def pick_onsets(
    act: np.ndarray,
    *,
    delta: float = 0.5,
    pre_max: float = 0.02,
    post_max: float = 0.03,
    pre_avg: float = 0.1,
    combine: float = 0.03,
    level_window: float = 1.0,
    floor: float = MIN_RISE,
    dip: float = DIP,
    lead: int = LEAD,
) -> tuple[np.ndarray, np.ndarray]:
    """Pick onsets from an activation at :data:`~syncsheet.analysis.features.FPS`.

    A hop is an onset when it is the maximum within ``[-pre_max, +post_max]`` seconds, reaches
    ``floor``, exceeds the mean of the preceding ``pre_avg`` seconds by ``delta`` times the
    activation's local mean level (over ``level_window`` seconds: a second follows the music's
    dynamics, so a soft passage next to a loud one keeps its notes), and is at least ``combine``
    seconds after the previous onset. A peak that is the highest only within ``combine`` seconds still
    stands when the activation falls below ``dip`` times its height between it and every higher hop
    within ``[-pre_max, +post_max]``: two separate rises (a soft note 35-50 ms before a loud one), not
    the ripple of one attack. Times are refined below the hop by parabolic interpolation.
    The last half window of hops is never an onset: their frames reach past the end of the audio,
    and a hard cut there is no note. The first ``lead`` hops compare with the silence before the
    audio: they may still be an onset, but in the averages above they count no higher than the
    mean of the second after them (a cut into sound is no measure of the music's level).

    Parameters
    ----------
    act : numpy.ndarray
        The onset activation, :attr:`~syncsheet.analysis.features.Features.onset` (``floor`` is in
        its units).
    delta, pre_max, post_max, pre_avg, combine, level_window, floor, dip : float
        As above; times in seconds.
    lead : int
        As above, in hops (:data:`LEAD`).

    Returns
    -------
    positions : numpy.ndarray
        Onset positions in hops (fractional), not yet latency-corrected.
    strengths : numpy.ndarray
        Peak height over the local level, mapped to [0, 1].
    """
    act = np.asarray(act, np.float64)
    n = len(act)
    if n < 3:
        return np.zeros(0), np.zeros(0)
    a, b = int(round(pre_max * FPS)), int(round(post_max * FPS))
    mx = window_max(act, a, b, fill=-np.inf)
    k = max(1, int(round(pre_avg * FPS)))
    size = max(3, int(level_window * FPS))
    stats = act
    if 0 < lead < n:  # the start compared with silence: no measure of the music's level
        stats = act.copy()
        np.minimum(stats[:lead], act[lead : lead + size].mean(), out=stats[:lead])
    # mean of the k hops before this one; before the start of the audio there is silence
    avg = window_mean(np.concatenate([np.zeros(k), stats]), k, -1)[k:]
    level = window_mean(stats, size // 2, (size - 1) // 2) + 1e-9
    c = int(round(combine * FPS))  # within this, the higher peak is the onset whatever lies between
    local = window_max(act, min(a, c), min(b, c), fill=-np.inf)
    cand = np.flatnonzero((act >= local) & (act > 0) & (act >= floor) & (act - avg >= delta * level))
    cand = cand[cand < n - int(np.ceil(WINDOW_S / 2 * FPS))]
    lower = cand[act[cand] < mx[cand]]
    if len(lower):
        cand = np.setdiff1d(cand, [i for i in lower if not _separate(act, int(i), a, b, dip)])
    keep: list[int] = []
    gap = combine * FPS
    for i in cand:
        if not keep or i - keep[-1] > gap:
            keep.append(int(i))
    idx = np.asarray(keep, int)
    if not len(idx):
        return np.zeros(0), np.zeros(0)
    lo, hi = act[np.maximum(idx - 1, 0)], act[np.minimum(idx + 1, n - 1)]
    mid = act[idx]
    den = lo - 2 * mid + hi
    frac = np.where(np.abs(den) > 1e-12, 0.5 * (lo - hi) / np.where(den == 0, 1, den), 0.0)
    pos = idx + np.clip(frac, -0.5, 0.5)
    return pos, _accent((mid - avg[idx]) / level[idx])


def _accent(rel: np.ndarray) -> np.ndarray:
    """An onset's strength in [0, 1] from its rise relative to the activation's local level."""
    return np.clip(1.0 - np.exp(-np.asarray(rel) / 4.0), 0.0, 1.0)


def _separate(act: np.ndarray, i: int, before: int, after: int, dip: float) -> bool:
    """Whether the activation falls below ``dip * act[i]`` between hop *i* and each nearest higher
    hop within ``before``/``after`` hops on either side."""
    h = act[i]
    lo = max(0, i - before)
    left = np.flatnonzero(act[lo:i] > h)
    if len(left) and act[lo + left[-1] : i].min() > dip * h:
        return False
    right = np.flatnonzero(act[i + 1 : i + after + 1] > h)
    return not (len(right) and act[i : i + 2 + right[0]].min() > dip * h)


def time_attacks(
    act: np.ndarray,
    pos: np.ndarray,
    *,
    share: float = SLOW_SHARE,
    longest: float = SLOW_MAX,
    combine: float = 0.03,
) -> np.ndarray:
    """Time slow attacks at the start of their rise instead of their activation peak.

    The activation is a rise in dB per band: a sharp attack, loud or soft, is a peak a hop wide, but
    a bowed, sung or blown note rises over several hops and peaks at its steepest point, 15-35 ms
    after the note began. The width is measured against the peak's own height, so it tells a slow
    attack from a merely soft one: *w*, the hops the activation stays above ``share`` of its peak
    before it (from where it crosses that, interpolated between hops), at most ``longest`` seconds.
    An onset with *w* of two hops or more moves to a hop after the crossing, one with a hop or less
    stays, and one between moves that share of the way, never to within ``combine`` seconds of the
    onset before it. (Counted in whole hops and moved by as many, an onset jumped 10 ms as the same
    music was delayed by a fraction of a hop.)

    Parameters
    ----------
    act : numpy.ndarray
        The onset activation the positions were picked on.
    pos : numpy.ndarray
        Onset positions in hops (fractional, increasing), from :func:`pick_onsets`.
    share, longest, combine : float
        As above; times in seconds.

    Returns
    -------
    numpy.ndarray
        The positions, slow attacks moved to the start of their rise.
    """
    pos = np.asarray(pos, np.float64)
    if not len(pos):
        return pos.copy()
    act = np.asarray(act, np.float64)
    cap = max(1, int(round(longest * FPS)))
    idx = np.clip(np.round(pos).astype(int), 0, len(act) - 1)
    level = share * act[idx]
    back = idx[:, None] - np.arange(1, cap + 1)[None, :]
    above = (back >= 0) & (act[np.maximum(back, 0)] > level[:, None])
    run = np.cumprod(above, axis=1).sum(axis=1)  # whole hops the rise stays above the share
    # where, between the first hop under the share and the one after it, the rise crosses it
    lo = idx - run - 1
    a = np.where(lo >= 0, act[np.maximum(lo, 0)], 0.0)
    b = act[np.maximum(lo + 1, 0)]
    cross = lo + np.clip((level - a) / np.maximum(b - a, 1e-12), 0.0, 1.0)
    # a slow attack is timed a hop after that crossing, where the whole-hop count put it on average
    # (pos less the hops above), a sharp one (a hop or less above) at its peak, and between the two
    # the onset moves part of the way, so its time never jumps as the width passes a hop
    w = np.clip(idx - 1 - cross, 0.0, cap)
    shift = np.clip(w - 1.0, 0.0, 1.0) * np.clip(pos - cross - 1.0, 0.0, cap)
    moved = pos - shift
    out = moved.copy()
    gap = combine * FPS
    for i in np.flatnonzero(shift > 0):  # never before (or onto) the previous onset
        if i:
            out[i] = max(moved[i], min(pos[i], out[i - 1] + gap))
    return out


def strong_attacks(act: np.ndarray, strong: np.ndarray, pos: np.ndarray, *, share: float = STRONG_SHARE) -> np.ndarray:
    """Which picked peaks are made of strong band rises (a note) rather than many small ones.

    Parameters
    ----------
    act : numpy.ndarray
        The onset activation the positions were picked on (:attr:`Features.onset`).
    strong : numpy.ndarray
        Its strong part, :attr:`~syncsheet.analysis.features.Features.onset_strong` (same hops).
    pos : numpy.ndarray
        Onset positions in hops (fractional), from :func:`pick_onsets`.
    share : float
        The least share of the peak's rise over its last ``ONSET_SPAN`` hops that must come from
        bands up by 6 dB or more.

    Returns
    -------
    numpy.ndarray of bool
        True for the peaks to keep; all True when ``strong`` is missing (features made without it).
    """
    pos = np.asarray(pos, np.float64)
    if not len(pos) or len(strong) != len(act):
        return np.ones(len(pos), bool)
    idx = np.clip(np.round(pos).astype(int), 0, len(act) - 1)
    back = idx[:, None] - np.arange(ONSET_SPAN)[None, :]  # only the peaks' hops are read: a reel's
    rise = np.where(back >= 0, np.asarray(act)[np.maximum(back, 0)], 0.0).sum(axis=1)  # arrays stay
    return np.asarray(strong)[idx].astype(np.float64) >= share * rise


def high_attacks(
    high: np.ndarray,
    act: np.ndarray,
    picked: np.ndarray,
    *,
    apart: float = HIGH_APART,
    floor: float = HIGH_FLOOR,
    **pick: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Attacks heard in the top bands alone: a hi-hat or cymbal tick under a dense held sound.

    Such a tick rises only above :data:`~syncsheet.analysis.features.ONSET_HIGH_HZ`, in a tenth of
    the activation's bands, so in the whole activation it is no higher than a distorted guitar's or an
    organ's wobble in the bands below; against the top bands' own level it is a clear peak. Its peaks
    are picked like the whole activation's (:func:`pick_onsets`, the same threshold relative to their
    own local level) and kept where no onset picked on the whole activation lies within ``apart``
    seconds. Their strengths are on the scale of the other onsets': the whole activation's peak over
    its 1 s mean there, so a soft tick under loud chords reads as a weak accent.

    Parameters
    ----------
    high : numpy.ndarray
        :attr:`~syncsheet.analysis.features.Features.onset_high`.
    act : numpy.ndarray
        The whole activation, :attr:`~syncsheet.analysis.features.Features.onset` (same hops).
    picked : numpy.ndarray
        Positions (hops) of the onsets picked on the whole activation.
    apart : float
        Seconds.
    floor : float
        The smallest peak of ``high`` (:data:`HIGH_FLOOR`).
    **pick
        Passed on to :func:`pick_onsets` (``delta``, ``pre_max``, ...).

    Returns
    -------
    positions, strengths : numpy.ndarray
        Positions in hops (fractional) of the new attacks only, and their strengths in [0, 1].
    """
    pos, _ = pick_onsets(high, floor=floor, **pick)
    if len(pos) and len(picked):
        picked = np.sort(np.asarray(picked, np.float64))
        i = np.searchsorted(picked, pos)
        before, after = picked[np.maximum(i - 1, 0)], picked[np.minimum(i, len(picked) - 1)]
        near = np.minimum(np.abs(pos - before), np.abs(after - pos))
        pos = pos[near > apart * FPS]
    if not len(pos):
        return pos, np.zeros(0)
    half = max(1, int(pick.get("level_window", 1.0) * FPS) // 2)
    idx = np.clip(np.round(pos).astype(int), 0, len(act) - 1)
    # only the peaks' neighbourhoods are read: no float64 copy of a reel's whole activation
    level = np.array([float(np.mean(act[max(0, i - half) : i + half], dtype=np.float64)) for i in idx]) + 1e-9
    return pos, _accent(np.asarray(act)[idx] / level)
