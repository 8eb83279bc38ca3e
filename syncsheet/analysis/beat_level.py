"""The tracked grid's metrical level and phase: corrections made after :func:`.beats.track_beats`.

The tracker finds a pulse; which pulse the score calls the beat, and which of its positions is on
the beat, is decided here from evidence the tracker's activation does not weigh: the swung eighth
(:func:`swing_phase`), the bass and the harmony (:func:`bass_harmony_phase`), eighths grouped by
three (:func:`compound_level`), a user's tempo range (:func:`fold_to_range`) and a user's word that
the beats are on the off-beat (:func:`shift_half_beat`).
"""

from __future__ import annotations

import numpy as np

from ..progress import Progress, scaled
from . import beats  # called as beats.track_beats: a benchmark's patch of it applies here too
from ._windows import max_near, span_means, window_mean
from .features import CHROMA_DECIM, FINE_DECIM, FPS

__all__ = ["swing_phase", "bass_harmony_phase", "compound_level", "fold_to_range", "shift_half_beat", "FOLD_FACTORS",
           "TERNARY_TAU"]


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


def shift_half_beat(pos: np.ndarray) -> np.ndarray:
    """Every beat moved half its period later: the user's fix for beats on the music's off-beats.

    No cue in the sound settles every off-beat lock (:func:`bass_harmony_phase` moves only those
    where the bass and the harmony agree), but a listener hears one at once. Each beat moves by half
    its own period (:func:`_periods`), so a grid through a tempo change stays between its beats.

    Parameters
    ----------
    pos : array
        Beat positions in hops at FPS (fractional, increasing).

    Returns
    -------
    numpy.ndarray
        The moved positions; fewer than two beats have no period and are returned as they are.
    """
    pos = np.asarray(pos, float)
    if len(pos) < 2:
        return pos.copy()
    return pos + _periods(pos) / 2


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
    sub = beats.track_beats(act[h0:h1], lo_bpm, hi_bpm, prior_bpm=60 * FPS / p, progress=progress) + h0
    if len(sub) < 4:
        return None
    step = np.append(np.diff(sub), sub[-1] - sub[-2]) / 3
    return _strongest_low(fine, fine_hz, [c[c < h1] for c in (sub + s * step for s in range(3))])


#: The metrical levels a tracked tempo may be folded to (factors of the tempo), for a user's range.
FOLD_FACTORS = (2.0, 0.5, 3.0, 1.0 / 3.0, 1.5, 2.0 / 3.0, 4.0 / 3.0, 0.75)
#: A level other than a multiple or a division is decoded again within this ratio of its tempo.
_REDECODE_WIDTH = 1.15


def fold_to_range(pos: np.ndarray, act: np.ndarray, chroma: np.ndarray, fine: np.ndarray, fine_hz: np.ndarray,
                  bpm_min: float, bpm_max: float, *, energy: np.ndarray | None = None,
                  progress: Progress | None = None) -> np.ndarray:
    """Beats at the metrical level of the tracked ones that falls in the user's tempo range.

    A user who gives a range knows the notated beat; the tracker picks its own level (often twice
    or half the notated tempo: docs/analysis.md) with a prior calibrated over its whole range, and
    decoding again inside a narrow range loses more than it finds: at a slow tempo the phase of a
    beat whose eighths are as busy as it is left to chance (with a range of ±30 % around the
    score's tempo, beat F fell on four of seven benchmark sets). So the tracked beats are kept and
    their level is changed: of the factors :data:`FOLD_FACTORS` that bring the median tempo into
    [*bpm_min*, *bpm_max*], the one nearest the range's (geometric) centre. Twice or three times
    the tempo puts beats between the tracked ones; half or a third keeps every second or third
    beat, those on the music's beat (:func:`_on_the_beat`: bass attacks, beat activation, harmony);
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
    energy : array, optional
        :attr:`Features.energy`: the loudness of each grid's attacks, a fourth cue to the beat.
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
        sub = swing_phase(beats.track_beats(act, bpm_min, bpm_max, progress=progress), act)
        return bass_harmony_phase(sub, chroma, fine, fine_hz)
    k = min(fits, key=lambda x: abs(np.log(tempo * x / np.sqrt(bpm_min * bpm_max))))
    if k in (2.0, 3.0):
        m = int(k)
        between = pos[:-1, None] + np.diff(pos)[:, None] * np.arange(1, m)[None, :] / m
        return np.sort(np.concatenate([pos, between.ravel()]))
    if k in (0.5, 1.0 / 3.0):
        return _on_the_beat(pos, int(round(1 / k)), act, chroma, fine, fine_hz, energy)
    if k == 2.0 / 3.0:
        sub = _retrack(pos, _periods(pos), 0, len(pos), act, fine, fine_hz, bpm_min, bpm_max, 1.25, progress)
        return pos if sub is None else sub
    target = tempo * k
    lo, hi = max(bpm_min, target / _REDECODE_WIDTH), min(bpm_max, target * _REDECODE_WIDTH)
    sub = beats.track_beats(act, lo, hi, prior_bpm=target, progress=progress)
    return bass_harmony_phase(sub, chroma, fine, fine_hz) if len(sub) >= 4 else pos


#: The spread (standard deviation) over the benchmark excerpts of each cue's difference between the
#: two halves of a grid at twice the score's tempo (the score's beats and the points between them):
#: it puts :func:`_on_the_beat`'s cues on one scale. Measured over the seven tuning sets' 117
#: excerpts (``bass``: mean log1p of :func:`_low_attack`; ``beat``: log of the mean beat activation
#: within 10 ms; ``harmony``: mean :func:`_harmony_change`); ``loud`` (the mean loudest hop within
#: 20 ms, dB) over the eight tuning sets' 133, where the other three came out the same (0.66, 0.59,
#: 0.046).
_ON_BEAT_SPREAD = {"bass": 0.66, "beat": 0.58, "harmony": 0.046, "loud": 2.41}


def _on_the_beat(pos: np.ndarray, m: int, act: np.ndarray, chroma: np.ndarray, fine: np.ndarray,
                 fine_hz: np.ndarray, energy: np.ndarray | None = None) -> np.ndarray:
    """Of the *m* grids made of every *m*-th beat of *pos*, the one on the music's beat.

    The beat is where the bass attacks, the beat activation and the changes of harmony are
    strongest, and the attacks loudest (*energy*, :attr:`Features.energy`); each cue's lead over
    the other grids is weighed on its own spread (:data:`_ON_BEAT_SPREAD`) and they are added. On
    the score's beats at twice their tempo, the halves of the benchmark excerpts were told apart by
    the bass attacks alone in 81 % (tuning sets) and 79 % (train set), by the first three cues in
    94 % and 91 %, by all four in 94.7 % of the eight tuning sets' 133 (94.0 % by three: one more,
    none lost). A metronome with softer noise ticks between its clicks, folded to its clicks' tempo,
    was put on the ticks: they have the bass and the broadband activation, the clicks only the level.
    """
    if len(pos) < 2 * m:
        return pos[::m]
    bass = np.log1p(_low_attack(fine, fine_hz, pos))
    beat = max_near(act, pos, 2)
    harmony = _harmony_change(chroma, pos) if len(chroma) else np.zeros(len(pos))
    loud = np.zeros(len(pos))
    if energy is not None and len(energy):  # the loudest hop within 20 ms, in dB
        loud = 10.0 * np.log10(np.maximum(max_near(np.asarray(energy), pos, 4).astype(np.float64), 1e-12))
    score = [np.mean(bass[j::m]) / _ON_BEAT_SPREAD["bass"]
             + np.log(np.mean(beat[j::m]) + 1e-9) / _ON_BEAT_SPREAD["beat"]
             + np.mean(harmony[j::m]) / _ON_BEAT_SPREAD["harmony"]
             + np.mean(loud[j::m]) / _ON_BEAT_SPREAD["loud"] for j in range(m)]
    return pos[int(np.argmax(score))::m]


def _strongest_low(fine: np.ndarray, fine_hz: np.ndarray, candidates: list[np.ndarray]) -> np.ndarray:
    """Of candidate beat grids, the one whose beats have the strongest low-register attacks."""
    low = [np.mean(np.log1p(_low_attack(fine, fine_hz, c))) if len(c) else -np.inf for c in candidates]
    return candidates[int(np.argmax(low))]
