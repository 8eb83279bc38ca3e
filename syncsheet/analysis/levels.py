"""Loudness over time and music stops (drop-outs to near silence), from the per-hop energy."""

from __future__ import annotations

import numpy as np

from ..model import Cue, Levels
from ._windows import USUAL_SPAN_S, local_percentile, window_mean
from .features import FPS

__all__ = ["levels_from_energy", "quiet_runs", "bed_runs", "find_stops", "find_gaps", "find_blips", "find_entry",
           "stop_cues", "entry_cue", "FLOOR_DB"]

FLOOR_DB = -120.0


def levels_from_energy(energy: np.ndarray) -> Levels:
    """dBFS (RMS) per hop; a full-scale sine reads -3 dBFS, silence the floor of -120."""
    db = 10.0 * np.log10(np.maximum(np.asarray(energy, np.float64), 10 ** (FLOOR_DB / 10)))
    return Levels(1.0 / FPS, db.astype(np.float32))


def _quiet_runs(db: np.ndarray, drop_db: float, silence_db: float
                ) -> tuple[np.ndarray, list[tuple[int, int]], np.ndarray]:
    """The level smoothed over 20 ms, its runs (hops) under the passage's loud level less
    *drop_db*, or under *silence_db*, and that level per hop (under it a hop is quiet)."""
    db = np.asarray(db, np.float64)
    if len(db) < 3:
        return db, [], np.full(len(db), silence_db)
    sm = window_mean(db, 2, 1)  # 20 ms
    # the loud level of the USUAL_SPAN_S around each hop (the whole of a file that short): over a
    # whole reel, a loud cue's level put a soft cue's quiet bars under it by drop_db, as stops
    loud_ref = local_percentile(sm, 95, int(USUAL_SPAN_S * FPS), int(5 * FPS))
    below = np.maximum(loud_ref - drop_db, silence_db)
    if float(sm.max()) < silence_db + 10:  # no sound at all (the percentile of a click track's is silence)
        return sm, [], below
    return sm, _runs(sm < below), below


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """The runs (start, end) of True in *mask*."""
    edges = np.flatnonzero(np.diff(np.r_[False, mask, False].astype(np.int8)))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def quiet_runs(db: np.ndarray, *, drop_db: float = 35.0, silence_db: float = -70.0) -> list[tuple[int, int]]:
    """The runs of quiet hops (start, end), a hop quiet as in :func:`find_stops`: one pass that
    :func:`find_gaps` and :func:`find_entry` can share (*runs*) over the same level."""
    return _quiet_runs(np.asarray(db, np.float64), drop_db, silence_db)[1]


#: A bed: the level within this many dB of this percentile of it over this span (s) around it.
_BED_DB = 6.0
_BED_PERCENTILE = 10.0
_BED_SPAN_S = 10.0


def bed_runs(db: np.ndarray, *, under_db: float | None = None) -> list[tuple[int, int]]:
    """The runs (hops) where the level *db*, smoothed over 20 ms, lies within :data:`_BED_DB` of its
    :data:`_BED_PERCENTILE` th percentile over the :data:`_BED_SPAN_S` around it: a room's tone or a
    location's hiss between a talker's lines, where the quiet of :func:`quiet_runs` (35 dB under the
    loud level) is no silence. With *under_db*, only where the smoothed level is also that far (dB)
    or more under its loudest."""
    db = np.asarray(db, np.float64)
    if len(db) < 3:
        return []
    sm = window_mean(db, 2, 1)
    floor = local_percentile(sm, _BED_PERCENTILE, int(_BED_SPAN_S * FPS), FPS // 2)
    bed = sm < floor + _BED_DB
    if under_db is not None:
        bed &= sm < float(sm.max()) - under_db
    return _runs(bed)


def find_gaps(db: np.ndarray, min_seconds: float, *, drop_db: float = 35.0, silence_db: float = -70.0,
              runs: list[tuple[int, int]] | None = None) -> list[tuple[float, float]]:
    """Silences of at least *min_seconds* with sound before and after (seconds): where one piece of
    music ends and another begins, whatever their levels (:func:`find_stops` also asks the music to
    come back near the level it left, which a soft cue after a loud one does not).

    A hop is quiet as in :func:`find_stops`; *runs*, where given, are :func:`quiet_runs` of *db*.
    """
    runs = quiet_runs(db, drop_db=drop_db, silence_db=silence_db) if runs is None else runs
    need = int(round(min_seconds * FPS))
    return [(s / FPS, e / FPS) for s, e in runs if s > 0 and e < len(db) and e - s >= need]


def find_blips(db: np.ndarray, *, max_seconds: float = 0.1, min_gap_s: float = 1.0, drop_db: float = 35.0,
               silence_db: float = -70.0) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    """Sounds at either end of the audio short enough to be a sync pop: the first (or last) sound,
    of at most *max_seconds*, with a silence of at least *min_gap_s* between it and the rest.

    A film's 2-pop is one frame of tone 2 s before the first frame of action (a tail pop 2 s after
    the last), so music that starts there follows it by 2 s less a frame, under the silence that
    separates pieces (:func:`find_gaps`). Whether such a blip is a pop, not a button hit after the
    music's last pause, is for its spectrum to say (the pipeline's ``_pops``).

    Returns
    -------
    list of ((blip start, blip end), (silence start, silence end)) in seconds
    """
    db = np.asarray(db, np.float64)
    _, runs, _ = _quiet_runs(db, drop_db, silence_db)
    inner = [(s, e) for s, e in runs if s > 0 and e < len(db)]  # quiet runs with sound either side
    if not inner:
        return []
    out = []
    lead = runs[0][1] if runs[0][0] == 0 else 0  # where the first sound starts
    s, e = inner[0]
    if (s - lead) / FPS <= max_seconds and (e - s) / FPS >= min_gap_s:
        out.append(((lead / FPS, s / FPS), (s / FPS, e / FPS)))
    trail = runs[-1][0] if runs[-1][1] == len(db) else len(db)  # where the last sound ends
    s2, e2 = inner[-1]
    taken = bool(out) and (s2, e2) == (s, e)  # one silence between a head blip and a tail blip
    if (trail - e2) / FPS <= max_seconds and (e2 - s2) / FPS >= min_gap_s and not taken:
        out.append(((e2 / FPS, trail / FPS), (s2 / FPS, e2 / FPS)))
    return out


def find_entry(db: np.ndarray, *, min_seconds: float = 0.12, drop_db: float = 35.0, silence_db: float = -70.0,
               runs: list[tuple[int, int]] | None = None) -> float | None:
    """Where sound first comes in after a leading silence of at least *min_seconds* (seconds), or
    None where the audio starts with sound (or holds none).

    A stop's restart is a sync point; so is the first entry after silence, whether it is the music's
    downbeat or an effect before the music. A hop is quiet as in :func:`find_stops`; *runs*, where
    given, are :func:`quiet_runs` of *db*.
    """
    runs = quiet_runs(db, drop_db=drop_db, silence_db=silence_db) if runs is None else runs
    if not runs or runs[0][0] != 0:
        return None
    end = runs[0][1]
    if end >= len(db) or end < int(round(min_seconds * FPS)):
        return None
    return end / FPS


# a room's tail: after the players stop, the level falls in a straight line (dB) at 60 dB per RT60
_TAIL_SLOPE = 20.0  # dB/s: a hall's RT60 of 3 s; a piano chord dies away slower, and is no tail
_NEW_SOUND_DB = 3.0  # a rise this far over the lowest level since the fall began is a new sound


def find_stops(
    db: np.ndarray,
    *,
    min_seconds: float = 0.12,
    drop_db: float = 35.0,
    silence_db: float = -70.0,
    bed_seconds: float = 2.0,
    notes: np.ndarray | None = None,
) -> list[tuple[float, float]]:
    """Music stops: the level falls to near silence for at least *min_seconds*, then returns.

    A hop is "quiet" when its level (smoothed over 20 ms) is *drop_db* under the passage's loud
    level (the 95th percentile of the USUAL_SPAN_S around it) or under *silence_db* absolute. A run
    of quiet hops is a stop where the bed before it (the median level of the *bed_seconds* before)
    is sound, 10 dB over quiet (else silence between notes is the music's texture: a kick with a
    gap after each, stop-time; near the audio's start, where the bed is cut short, the
    *bed_seconds* after the silence join it), where the silence does not recur (two quiet runs at
    least half as long within *bed_seconds* either side make it the music's texture: a kick loop's
    gaps, staccato chords' rests), and the music comes back within 20 dB of it. Leading and trailing
    silence are not stops: music must sound before and after.

    Played in a room, the music does not fall silent where the players stop: the room rings on, the
    level falling in a straight line. A stop whose fall takes 40 ms or more starts where the music's
    level ends and the straight fall begins (:func:`_tail_start`), not where the tail reaches
    *drop_db* under, which is RT60 / 2 later (a hall's 0.6 s); never before the last of the *notes*
    (onsets, hops of *db*) before the silence that sounds at the music's level.

    Returns
    -------
    list of (start, end) seconds
    """
    db = np.asarray(db, np.float64)
    sm, runs, below = _quiet_runs(db, drop_db, silence_db)
    out: list[tuple[float, float]] = []
    need = int(round(min_seconds * FPS))
    bed_n = int(bed_seconds * FPS)
    since = 0  # a stop starts after the one before it ends
    starts = np.array([r[0] for r in runs], np.int64)
    lengths = np.array([r[1] - r[0] for r in runs], np.int64)
    for i, (s, e) in enumerate(runs):
        if s == 0 or e >= len(db) or e - s < need:
            continue
        before = sm[max(0, s - bed_n) : s]
        after = sm[e : e + int(0.3 * FPS)]
        # near the audio's start the bed is short: the bed_seconds after the silence join it (a
        # click track that starts on a click had a stop after it, its 45 ms the whole bed); all of
        # them, since the first hops after a silence are the sound that ends it
        later = sm[e : e + bed_n] if len(before) < bed_n else sm[:0]
        if _recurs(starts, lengths, i, bed_n, len(db)):
            continue
        bed = float(np.median(np.concatenate([before, later])))
        # the bed must be sound, 10 dB over quiet: where half of it is as quiet as this (a kick with
        # silence after each, stop-time's stabs), silence is the music's texture, not a stop in it
        if bed < max(float(below[s - 1]), silence_db) + 10 or float(np.max(after)) < bed - 20:
            continue
        if _fade(sm, s, e, bed_n, rising=False) or _fade(sm, s, e, bed_n, rising=True):
            continue
        # the drop-out starts where the level leaves the bed, not where it reaches the floor
        j = s
        while j > max(since, s - int(0.1 * FPS)) and sm[j - 1] < bed - 20:
            j -= 1
        last = since
        if notes is not None and len(notes):
            # the last note before the tail reaches the floor that sounds at the music's level (one
            # picked in the tail itself is the room's noise)
            on = np.ceil(notes[(notes < s) & (notes >= since)]).astype(int)
            on = on[sm[np.minimum(on, len(sm) - 1)] >= bed - 6]
            last = int(on[-1]) if len(on) else since
        out.append((_tail_start(db, sm, j, s, e, bed, since, last) / FPS, e / FPS))
        since = e
    return out


#: A fade-out (a fade-in): the level falls (rises) at least this much (dB) from each bed_seconds to the
#: next, through the silence (:func:`_fade`).
_FADE_STEP_DB = 3.0


def _fade(sm: np.ndarray, s: int, e: int, bed_n: int, *, rising: bool) -> bool:
    """Whether the quiet run from hop *s* to *e* of the smoothed level *sm* is a dip in a fade-out (a
    fade-in, *rising*), not a stop: the median level falls (rises) :data:`_FADE_STEP_DB` or more from
    the *bed_n* hops before the *bed_n* before the silence to those, again to the *bed_n* after it,
    and again to the *bed_n* after those; the span the audio's end (a fade-out's) or start (a
    fade-in's) cuts short is not asked for. In a fade the quiet line (35 dB under the loud level of
    the 40 s around) is met between the notes while they still sound, and the music comes back softer
    (louder) than it left, to fade on; a diminuendo to a general pause comes back and holds, and
    music that stops comes back as loud as it left."""
    later = sm[e + bed_n : e + 2 * bed_n]
    if (s < 1 or len(later) < bed_n) if rising else s < 2 * bed_n:
        return False
    sign = 1.0 if rising else -1.0

    def moved(x: np.ndarray, y: np.ndarray) -> bool:  # from span x to span y, the fade's way
        return sign * (float(np.median(y)) - float(np.median(x))) >= _FADE_STEP_DB

    before, after = sm[max(0, s - bed_n) : s], sm[e : e + bed_n]
    first = s < 2 * bed_n or moved(sm[s - 2 * bed_n : s - bed_n], before)
    return first and moved(before, after) and (len(later) < bed_n or moved(after, later))


def _recurs(starts: np.ndarray, lengths: np.ndarray, i: int, bed_n: int, n: int) -> bool:
    """Whether quiet run *i* recurs: two or more others at least half as long lie within *bed_n*
    hops either side of it (the audio's leading and trailing silence are no music's; *n* hops in
    all). A silence after every kick of a loop is its texture however little of the bed it fills
    (a 250 ms kick at 150 BPM leaves 45 %: there was a stop and a restart on every beat, and on
    the loop's first gap where it follows music without gaps); a stop is a silence the music
    does not have around it."""
    s, length = int(starts[i]), int(lengths[i])
    lo = int(np.searchsorted(starts, s - bed_n))
    hi = int(np.searchsorted(starts, s + length + bed_n))
    near = np.delete(np.arange(lo, hi), i - lo)
    near = near[(starts[near] > 0) & (starts[near] + lengths[near] < n)]
    return int(np.count_nonzero(2 * lengths[near] >= length)) >= 2


def _tail_start(db: np.ndarray, sm: np.ndarray, j: int, s: int, e: int, bed: float, since: int, last: int) -> int:
    """Where a room's tail begins (hop): the split of the level between the music's last hop at its
    bed and the tail's floor into a level and a straight fall of at least _TAIL_SLOPE dB/s that
    leaves the least log-variance (a change point), not before *last* (the last note) nor *since*
    (the stop before). *j* (where the level left the bed by 20 dB) where the fall is a cut (under
    40 ms), or not a room's."""
    low = s + int(np.argmin(sm[s:e]))
    end = s + int(np.argmax(sm[s : low + 1] <= sm[low] + 3))  # where the tail reaches its floor
    if end - j < 8:
        return j
    top = np.flatnonzero(sm[since:s] >= bed)  # the music's last hop at its bed
    # the fall began after the last new sound: back from s, each earlier hop no lower than the
    # lowest since, less _NEW_SOUND_DB
    k, m = s, sm[s]
    while k > since + 1 and sm[k - 1] >= m - _NEW_SOUND_DB:
        k -= 1
        m = min(m, sm[k])
    first = max(since + int(top[-1]) if len(top) else k, k, last)
    if first >= j:  # the last note sounds into the fall: it starts where the level leaves the bed
        return j
    lo = max(since, first - int(0.2 * FPS))  # 0.2 s of the music's level before it
    x = db[lo : end + 1]
    t = np.arange(len(x), dtype=np.float64)
    best, at = np.inf, j
    for c in range(max(first - lo, 4), len(x) - 7):  # at least 8 hops (40 ms) of tail
        a, b = x[:c], x[c:]
        tb = t[c:] - t[c:].mean()
        slope = float(tb @ b / (tb @ tb))
        if slope * FPS > -_TAIL_SLOPE:
            continue
        fit = b - b.mean() - slope * tb
        cost = len(a) * np.log(np.var(a) + 0.25) + len(b) * np.log(np.mean(fit**2) + 0.25)
        if cost < best:
            best, at = cost, lo + c
    return at


def stop_cues(stops: list[tuple[float, float]]) -> list[Cue]:
    """A ``stop`` cue (with its end) and a ``restart`` cue for each drop-out."""
    cues: list[Cue] = []
    for s, e in stops:
        s, e = float(s), float(e)  # plain floats in the immutable result, not numpy scalars
        cues.append(Cue(s, "stop", "STOP", 1.0, e))
        cues.append(Cue(e, "restart", "RESTART", 1.0))
    return cues


def entry_cue(t: float) -> Cue:
    """The sound's first entry after a leading silence (:func:`find_entry`): a restart labelled START."""
    return Cue(float(t), "restart", "START", 1.0)
