"""A learned, beat-synchronous downbeat activation: P(bar line) for each beat, in plain numpy.

Each beat is described by cues pooled over the beat (and its off-beat) from the shared
:class:`~.features.Features`: the meter model's seven hand cues (:func:`.meter.downbeat_components`),
the chord change over two beats, the bass register's level and its change over one beat, bass flux on
the off-beat, mid flux and note activation on the beat, loudness and the beat's length, each
standardised over the file. A small temporal convolutional network over *beats* (not hops) reads
them: a linear layer to 16 channels, then residual dilated convolutions (kernel 5,
dilations 1, 2, 4, 8: 30 beats of context on each side), then a linear read-out to a logit. The
network sees the whole piece at once; the bar-position decoder in :mod:`.meter` turns its output into
bars, meters and meter changes (``assign_bars(d, ..., placing=placing_evidence(beats, f, d))``).

The analysis places its bar lines by :func:`placing_evidence` once the hand score has chosen the
meter. The networks read every cue but the four *levels* (hand low-band level and loudness, bass
level, loudness: the weights' ``inputs``), which taught them that the loudest beat is seldom the bar
line and made them misread a plain 4/4 loop (docs/analysis.md, *Bars and meter*, the sixth
session's two rounds).

The weights (``syncsheet/data/downbeatnet.npz``) are fitted by a seeded script (torch is needed only
there, never here) on the seven tuning sets, their effect mixes and the ``train`` set
(``benchmarks/make_train_pieces.py``: 224 more excerpts of the bench's pieces, none of blind2's or
blind3's)::

    .venv/bin/python benchmarks/train_downbeatnet.py --root /tmp/syncsheet-bench --feat /tmp/beatnet-feat \\
        --mix-feat /tmp/dbn-mixfeat --cache /tmp/dbn2-cache --no-level --train-sets train --no-cv \\
        --final syncsheet/data/downbeatnet.npz
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import numpy as np

from ._windows import max_near, span_means
from .features import CHROMA_DECIM, FINE_DECIM, Features
from .meter import _bass_change, _next_hops, chord_change, downbeat_components

__all__ = ["beat_features", "load_weights", "forward", "downbeat_probability", "placing_evidence", "N_FEATURES",
           "MIN_BEATS", "MIX"]

N_FEATURES = 15
#: Below this many beats the learned activation is not used (too little context to tell a bar).
MIN_BEATS = 8
_BASS_HZ = 200.0  # the bass register read from the fine spectrum (present at any sample rate)
_WEIGHTS = "downbeatnet.npz"


def _z(x: np.ndarray) -> np.ndarray:
    """Each column standardised over the file (a constant column becomes zeros)."""
    x = np.asarray(x, dtype=np.float64)
    s = x.std(axis=0)
    return np.where(s > 1e-9, (x - x.mean(axis=0)) / np.where(s > 1e-9, s, 1.0), 0.0)


def beat_features(beats: np.ndarray, f: Features, components: np.ndarray | None = None) -> np.ndarray:
    """The network's input: (beats, :data:`N_FEATURES`) cues, each standardised over the file.

    Parameters
    ----------
    beats : array
        Beat positions in hops (at least 3).
    f : Features
        The file's features.
    components : array, optional
        :func:`.meter.downbeat_components` of the same beats, if the caller has them already.

    Returns
    -------
    array (len(beats), N_FEATURES)
    """
    nb = len(beats)
    if nb < 3:
        return np.zeros((nb, N_FEATURES))
    hop = np.clip(np.round(beats).astype(int), 0, max(f.n - 1, 0))
    nxt = _next_hops(hop)
    nxt = np.maximum(np.minimum(nxt, f.n), hop + 1)
    hand = (downbeat_components(hop, f.flux, f.chroma, f.bands, fine=f.fine, fine_hz=f.fine_hz)
            if components is None else components)
    # the chord over the two beats after against the two before (a chord that lasts a bar of 4)
    cb = np.clip(hop // CHROMA_DECIM, 0, max(len(f.chroma) - 1, 0))
    step = max(int(np.median(np.diff(cb))), 1)
    prv2 = np.clip(np.concatenate([cb[0] - step * np.arange(2, 0, -1), cb[:-2]]), 0, len(f.chroma))
    nxt2 = np.clip(np.append(cb[2:], cb[-1] + step * np.arange(1, 3)), 0, len(f.chroma))
    chord2 = chord_change(span_means(f.chroma, prv2, cb), span_means(f.chroma, cb, np.maximum(nxt2, cb + 1)))
    # the bass register's level over the beat and its change over one beat
    low = np.flatnonzero(np.asarray(f.fine_hz) < _BASS_HZ)
    rows = np.clip(hop // FINE_DECIM, 0, max(len(f.fine) - 1, 0))
    if len(low) and len(f.fine):
        nrows = np.maximum(np.minimum(nxt // FINE_DECIM, len(f.fine)), rows + 1)
        bass_level = span_means(f.fine[:, low], rows, nrows).mean(axis=1)
        bass_step = _bass_change(hop, f.fine, f.fine_hz, span=1)
    else:
        bass_level = bass_step = np.zeros(nb)
    off = (hop + nxt) // 2
    # read at the beats only (no float64 copy of a 2 h reel's flux); the high band is left out, as
    # an 8 kHz file has none of it
    bass_off = np.log1p(max_near(f.flux[:, 0], off, 3) / (float(np.mean(f.flux[:, 0], dtype=np.float64)) + 1e-9))
    mid_on = np.log1p(max_near(f.flux[:, 1], hop, 3) / (float(np.mean(f.flux[:, 1], dtype=np.float64)) + 1e-9))
    onset = f.onset if len(f.onset) == f.n else f.flux[:, 1]
    note_on = np.log1p(max_near(onset, hop, 3) / (float(np.mean(onset, dtype=np.float64)) + 1e-9))
    loud = np.log(span_means(f.energy, hop, nxt) + 1e-10)
    ioi = np.diff(np.append(hop, nxt[-1])).astype(float)
    length = np.log(ioi / np.median(ioi))
    extra = np.stack([chord2, bass_level, bass_step, bass_off, mid_on, note_on, loud, length], axis=1)
    return _z(np.concatenate([hand, extra], axis=1))


@lru_cache(maxsize=1)
def load_weights() -> dict[str, np.ndarray]:
    """The shipped network's weights (read once)."""
    with resources.files("syncsheet.data").joinpath(_WEIGHTS).open("rb") as fh, np.load(fh) as z:
        return {k: z[k] for k in z.files}


def _elu(x: np.ndarray) -> np.ndarray:
    return np.where(x > 0, x, np.expm1(np.minimum(x, 0.0)))


def _conv(h: np.ndarray, w: np.ndarray, b: np.ndarray, dilation: int) -> np.ndarray:
    """'Same' dilated 1-D convolution (cross-correlation, zero padded) of (C_in, n) by (C_out, C_in, K)."""
    k = w.shape[2]
    pad = dilation * (k // 2)
    n = h.shape[1]
    hp = np.pad(h, ((0, 0), (pad, pad)))
    out = np.zeros((w.shape[0], n)) + b[:, None]
    for i in range(k):  # K shifted matrix products over the whole sequence
        out += w[:, :, i] @ hp[:, i * dilation : i * dilation + n]
    return out


def _member(x: np.ndarray, w: dict[str, np.ndarray], m: int, dilations: np.ndarray) -> np.ndarray:
    """One network of the ensemble: logits (n,) for features *x* (n, D)."""
    h = w["w_in"][m] @ x.T + w["b_in"][m][:, None]
    for i, d in enumerate(dilations):
        h = h + _elu(_conv(_elu(h), w[f"w{i}"][m], w[f"b{i}"][m], int(d)))
    return w["w_out"][m] @ _elu(h) + w["b_out"][m][0]


def forward(x: np.ndarray, weights: dict[str, np.ndarray]) -> np.ndarray:
    """The logit of P(downbeat) for each row of *x* (beats, features): the mean of the ensemble's.

    Parameters
    ----------
    x : array (n, N_FEATURES)
    weights : dict
        For M networks of C channels and L residual layers of kernel K: ``inputs`` (D,), the
        columns of *x* read (all if absent), ``w_in`` (M, C, D),
        ``b_in`` (M, C), ``dilations`` (L,), ``w{i}`` (M, C, C, K) and ``b{i}`` (M, C) for each
        layer *i*, ``w_out`` (M, C), ``b_out`` (M, 1). Each layer adds
        ``elu(conv(elu(h)))`` to its input; the read-out is ``w_out @ elu(h) + b_out``.

    Returns
    -------
    array (n,)
    """
    x = np.asarray(x, dtype=np.float64)
    if "inputs" in weights:  # the columns of x the networks were fitted on
        x = x[:, np.asarray(weights["inputs"]).astype(int)]
    dil = np.asarray(weights["dilations"]).astype(int)
    members = len(weights["w_in"])
    return sum(_member(x, weights, m, dil) for m in range(members)) / members


def downbeat_probability(beats: np.ndarray, f: Features, weights: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """P(the beat starts a bar) for each beat (beats in hops), from the shipped network.

    Returns an empty array for no beats; fewer than :data:`MIN_BEATS` beats are given 0.5 each
    (no evidence): the caller falls back to the hand cues there.
    """
    nb = len(beats)
    if nb < MIN_BEATS:
        return np.full(nb, 0.5)
    logit = forward(beat_features(beats, f), weights or load_weights())
    return 1.0 / (1.0 + np.exp(-np.clip(logit, -30.0, 30.0)))


#: Weight of the hand score added to the learned logit (each standardised) in the evidence that
#: places the bar lines: chosen by leave-set-out cross-validation (benchmarks/train_downbeatnet.py).
#: 0.5 scores higher there (tracked beats 0.600 against 0.577) but reads a plain synthetic 4/4 loop in
#: bars of 2 (tests/analysis/test_analysis_pipeline.py): the hand score keeps an equal say.
MIX = 1.0


def placing_evidence(beats: np.ndarray, f: Features, hand: np.ndarray, components: np.ndarray | None = None
                     ) -> np.ndarray | None:
    """The evidence the bar decoder places bar lines by (:func:`.meter.assign_bars`'s *placing*).

    Parameters
    ----------
    beats : array
        Beat positions in hops.
    f : Features
    hand : array
        The hand "start of bar" score of the same beats (:func:`.meter.downbeat_features`).
    components : array, optional
        Their :func:`.meter.downbeat_components`, if the caller has them already.

    Returns
    -------
    array or None
        The learned logit plus :data:`MIX` times the hand score, each standardised over the piece;
        None below :data:`MIN_BEATS` beats (the hand score alone is used there).
    """
    if len(beats) < MIN_BEATS:
        return None
    logit = forward(beat_features(beats, f, components), load_weights())
    return _z(logit[:, None])[:, 0] + MIX * _z(np.asarray(hand, float)[:, None])[:, 0]
