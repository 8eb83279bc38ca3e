"""A learned judge of sound-effect cue candidates: which of the detectors' starts are an effect's.

Two detectors propose effect starts: the repetition detector (:func:`~.cues.pick_cues`: what the
music's other bars and like-harmony passages do not explain) and the learned effect activation
(:mod:`.cuenet`). Each alone, at a threshold that keeps its false cues few, misses most effects
12 dB under the music; together, at low thresholds, they propose most effects among many of the
music's own novelties. The judge reads, per candidate, both detectors' evidence around it (each
one's score, the network's start and "an effect sounds" probabilities, the surprise and how much
of it is in the floor between partials), where it falls (beats since the music's entry, its beat
phase, the nearest onset and how many are near; not the time from the audio's ends: the benchmark
places effects 1.5 s or more from them, and a judge that learned so missed half the effects a
second from a clip's start), and what is new in the
spectrum (by register, in the floor, its loudness against the loudest second within ±5 s). A
boosted tree ensemble (:class:`~.forest.Forest`) gives the probability that the candidate is an
effect's start within a frame; :func:`select` keeps one cue per effect.

The weights in ``syncsheet/data/cuejudge.npz`` come from ``benchmarks/train_cue_judge.py``,
trained on the benchmark sets' clean music mixed with *other* effects than the benchmark's own
(those of ``make_cuenet_data.py``); figures in docs/analysis.md (*Cues*, tenth session).
"""

from __future__ import annotations

import numpy as np

from .features import FINE_DECIM, FPS, Features
from .forest import Forest, load_forest

__all__ = ["DETECTOR_THRESHOLD", "NETWORK_THRESHOLD", "THRESHOLD", "APART_S", "N_FEATURES", "features",
           "select", "load"]

#: The repetition detector's picking threshold for candidates (its own cues use 5).
DETECTOR_THRESHOLD = 2.0
#: The network's start probability a candidate needs (its own confident starts need 0.93).
NETWORK_THRESHOLD = 0.4
#: A candidate is a cue when the judge's probability exceeds this (the user's sensitivity scales it).
THRESHOLD = 0.4
#: Kept cues closer than this (s) are one effect: the more probable stands.
APART_S = 0.5
#: Seconds the network's probabilities and the surprise are read around and after a candidate.
NEAR_S = 0.15
AFTER_S = 0.2
N_FEATURES = 28


def _max_after(x: np.ndarray, rows: np.ndarray, before: int, after: int) -> np.ndarray:
    """The largest of *x* over rows ``r + before .. r + after - 1`` (clipped) for each row r."""
    if not len(x):
        return np.zeros(len(rows))
    win = np.clip(rows[:, None] + np.arange(before, max(after, before + 1))[None, :], 0, len(x) - 1)
    return x[win].max(axis=1)


def _nearest(points: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Index of the nearest of the sorted, non-empty *points* to each of *at*."""
    j = np.clip(np.searchsorted(points, at), 1, max(len(points) - 1, 1))
    left = np.maximum(j - 1, 0)
    return np.where(np.abs(at - points[left]) <= np.abs(points[np.minimum(j, len(points) - 1)] - at), left,
                    np.minimum(j, len(points) - 1))


def features(f: Features, surp: np.ndarray, fsurp: np.ndarray, weight: np.ndarray, act: np.ndarray,
             cand: np.ndarray, network: np.ndarray, score: np.ndarray, onsets: np.ndarray,
             beats: np.ndarray) -> np.ndarray:
    """The measures the judge reads, one row per candidate.

    Parameters
    ----------
    f : Features
    surp, fsurp, weight : numpy.ndarray
        Per fine-spectrum row: the repetition detector's surprise of the fine spectrum and of the
        floor, and its evidence weight (:mod:`.cues`).
    act : numpy.ndarray
        (rows, 2) the network's start and "an effect sounds here" probabilities (:func:`.cuenet.activation`).
    cand : numpy.ndarray
        Candidate starts in hops (increasing).
    network : numpy.ndarray of bool
        True for the network's candidates, False for the repetition detector's.
    score : numpy.ndarray
        Each candidate's own score: the detector's pick score, or the network's peak probability.
    onsets, beats : numpy.ndarray
        The picked onsets and the beat grid, in hops.

    Returns
    -------
    numpy.ndarray
        (len(cand), :data:`N_FEATURES`) float32.
    """
    cand = np.asarray(cand, np.float64)
    network = np.asarray(network, bool)
    m = len(cand)
    if not m:
        return np.zeros((0, N_FEATURES), np.float32)
    found = surp + fsurp
    rows = np.clip((cand // FINE_DECIM).astype(int), 0, len(surp) - 1)
    det_score = np.where(network, 0.0, score)
    net_prob = np.where(network, score, 0.0)
    det, net = cand[~network], cand[network]
    # the other detector's nearest candidate: how far, and (for the detector's) its score
    other = np.full(m, 9.0)
    for mine, theirs in ((~network, net), (network, det)):
        if len(theirs):
            other[mine] = np.abs(cand[mine] - theirs[_nearest(theirs, cand[mine])]) / FPS
    near_det = np.zeros(m)
    if len(det):
        k = _nearest(det, cand)
        close = np.abs(cand - det[k]) < NEAR_S * FPS
        near_det[close] = det_score[~network][k[close]]
    p_start, p_sounds = act[:, 0], act[:, 1] if act.shape[1] > 1 else act[:, 0]
    near, after = int(round(NEAR_S * FPS / FINE_DECIM)), int(round(AFTER_S * FPS / FINE_DECIM))
    p_near = _max_after(p_start, rows, -near, near + 1)
    p_close = _max_after(p_start, rows, -5, 6)
    sounds = np.array([p_sounds[r : r + 3 * after // 2].mean() if r < len(p_sounds) else 0.0 for r in rows])
    f_max, s_max, fl_max = (_max_after(x, rows, 0, after) for x in (found, surp, fsurp))
    block = 15 * FPS // FINE_DECIM  # the surprise's usual level over ±15 s
    usual = np.array([np.percentile(found[max(0, r - block) : r + block], 90) for r in rows]) + 1e-6
    t = cand / FPS
    beats = np.asarray(beats, np.float64)
    phase = np.zeros(m)
    period = 0.5
    if len(beats) > 2:
        k = np.clip(np.searchsorted(beats, cand) - 1, 0, len(beats) - 2)
        phase = np.clip((cand - beats[k]) / (beats[k + 1] - beats[k]), 0, 1)
        phase = np.minimum(phase, 1 - phase)
        period = float(np.median(np.diff(beats))) / FPS
    onsets = np.sort(np.asarray(onsets, np.float64))
    to_onset = np.full(m, 1.0)
    n_onsets = np.zeros(m)
    entry = np.zeros(m)
    if len(onsets):
        i = np.clip(np.searchsorted(onsets, cand), 1, max(len(onsets) - 1, 1))
        to_onset = np.minimum(np.minimum(np.abs(cand - onsets[i - 1]), np.abs(onsets[np.minimum(i, len(onsets) - 1)]
                                                                               - cand)) / FPS, 1.0)
        quarter = 0.25 * FPS
        n_onsets = np.searchsorted(onsets, cand + quarter) - np.searchsorted(onsets, cand - quarter, side="right")
        entry = np.minimum((t - onsets[0] / FPS) / period, 20.0)  # beats since the music's entry
    fine = f.fine
    nf = len(fine)
    later = fine[np.clip(rows[:, None] + np.arange(1, 6)[None, :], 0, nf - 1)].astype(np.float32).mean(axis=1)
    earlier = fine[np.clip(rows[:, None] + np.arange(-8, -1)[None, :], 0, nf - 1)].max(axis=1).astype(np.float32)
    new = np.maximum(later - earlier, 0.0)
    hz = np.asarray(f.fine_hz, float)
    fl = f.floor
    if fl.ndim == 2 and fl.shape[1] and len(fl):
        nfl = len(fl)
        fl_new = np.maximum(fl[np.clip(rows[:, None] + np.arange(1, 6)[None, :], 0, nfl - 1)].astype(np.float32)
                            .mean(axis=1) - fl[np.clip(rows[:, None] + np.arange(-8, -1)[None, :], 0, nfl - 1)]
                            .max(axis=1).astype(np.float32), 0.0)
    else:
        fl_new = np.zeros((m, 1), np.float32)
    energy = np.asarray(f.energy, np.float64)
    sec = len(energy) // FPS + 1
    peak_s = np.zeros(sec)
    np.maximum.at(peak_s, np.arange(len(energy)) // FPS, energy)
    hop = np.clip(cand.astype(int), 0, max(len(energy) - 1, 0))
    near_peak = np.max(peak_s[np.clip(hop[:, None] // FPS + np.arange(-5, 6)[None, :], 0, sec - 1)], axis=1)
    level = np.array([energy[h : h + FPS // 5].mean() if h < len(energy) else 0.0 for h in hop])
    loud = 10 * np.log10((level + 1e-12) / (near_peak + 1e-12))
    x = np.column_stack([
        network, det_score, near_det, net_prob, p_near, p_close, sounds, other, f_max, s_max, fl_max,
        f_max / usual, fl_max / (f_max + 1e-6), np.asarray(weight)[rows], phase, np.full(m, period), to_onset,
        n_onsets,
        new[:, hz < 250].sum(1), new[:, (hz >= 250) & (hz < 2000)].sum(1), new[:, hz >= 2000].sum(1),
        (new > 6).mean(1), fl_new.sum(1), (fl_new > 6).mean(1), loud, np.log1p(det_score), np.log1p(near_det),
        entry,
    ])
    return np.nan_to_num(x, nan=0.0, posinf=0.0, neginf=0.0).astype(np.float32)


def select(cand: np.ndarray, prob: np.ndarray, threshold: float, *, sure: np.ndarray | None = None,
           apart_s: float = APART_S) -> np.ndarray:
    """Indices (in time order) of the candidates kept as cues: those whose probability exceeds
    *threshold* (and those marked *sure*), one per *apart_s*: the most probable (a sure one first)."""
    cand = np.asarray(cand, np.float64)
    keep = np.asarray(prob) > threshold
    rank = np.asarray(prob, np.float64).copy()
    if sure is not None:
        keep |= np.asarray(sure, bool)
        rank[np.asarray(sure, bool)] += 1.0
    chosen: list[int] = []
    gap = apart_s * FPS
    for i in np.flatnonzero(keep)[np.argsort(-rank[keep], kind="stable")]:
        if all(abs(cand[i] - cand[k]) > gap for k in chosen):  # a few candidates a minute
            chosen.append(int(i))
    return np.sort(np.asarray(chosen, int))


def load() -> Forest:
    """The shipped judge (``syncsheet/data/cuejudge.npz``)."""
    return load_forest("cuejudge.npz")
