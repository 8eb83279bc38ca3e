"""A learned beat activation with seconds of temporal context: a small non-causal TCN, in numpy.

The hand-made activation (:func:`~.beats.beat_activation`) marks every attack; which attacks are
*beats* (the metrical level, the beat against the off-beat) depends on seconds of context: the kick
and snare roles, where the harmony changes. A temporal convolutional network (Davies & Böck 2019;
Böck & Davies 2020) reads that context: per 10 ms decoder hop, inputs from the shared
:class:`~.features.Features` (:func:`inputs`), a 1x1 projection, residual blocks of dilated
3-tap convolutions whose dilations double (1 ... 256 hops: a receptive field of about ±5 s) and a
sigmoid head per task (beat, downbeat). Only the beat head is used.

The weights in ``syncsheet/data/beatnet.npz`` come from ``benchmarks/train_beatnet.py`` (torch, a
development tool; seeded, so rerunning it gives the same weights)::

    .venv/bin/python benchmarks/train_beatnet.py --final --out syncsheet/data/beatnet.npz

Inference runs in blocks whose margins cover the receptive field, so the result equals one pass
over the whole file while memory stays bounded on a feature-length reel; given the analysis's second
thread, every other block runs there.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import numpy as np

from ..progress import Progress, report
from ._threads import Submit
from ._windows import USUAL_SPAN_S, local_mean
from .beats import _pool, beat_activation
from .features import FINE_SCALE, Features

__all__ = ["inputs", "cut", "Net", "load", "activation", "tracker_activation", "N_INPUTS", "SPECTRUM_HZ"]

#: The spectrum inputs: the fine log spectrum interpolated (along log frequency) to these fixed
#: centres, since its bands depend on the sample rate (57 at 8 kHz, 71 at 44.1 kHz, 70 at 192 kHz).
SPECTRUM_HZ = np.geomspace(60.0, 8500.0, 36)
_BLOCK = 8192  # decoder hops a block (82 s)
_MEAN_ROWS = 128  # a longer file's mean spectrum is taken per 1.28 s (a whole number of them a block)
_MEAN_SPAN = int(USUAL_SPAN_S * 100)  # decoder hops (10 ms) the mean spectrum is taken over
#: inputs: spectrum, its rise, 3 flux bands, the note and top-band activations, 12 chroma shares
N_INPUTS = 2 * len(SPECTRUM_HZ) + 5 + 12


def _band_matrix(fine_hz: np.ndarray) -> np.ndarray:
    """(fine bands, len(SPECTRUM_HZ)) weights interpolating a fine spectrum to the fixed centres;
    a centre above the file's top band (plus a quarter tone) gets none: that band is missing."""
    src = np.log2(np.asarray(fine_hz, float))
    dst = np.log2(SPECTRUM_HZ)
    w = np.zeros((len(src), len(dst)), np.float32)
    if not len(src):
        return w
    for j, c in enumerate(dst):
        if c > src[-1] + 1 / 24:
            continue
        k = int(np.searchsorted(src, c))
        if k <= 0 or k >= len(src):
            w[min(k, len(src) - 1), j] = 1.0
        else:
            a = (c - src[k - 1]) / (src[k] - src[k - 1])
            w[k - 1, j], w[k, j] = 1.0 - a, a
    return w


class _Columns:
    """The per-file parts of :func:`inputs` (small: a few columns a hop), from which any span of
    hops is assembled without building the whole (hops, inputs) matrix of a long reel."""

    def __init__(self, f: Features) -> None:
        onset = f.onset if len(f.onset) else np.zeros(f.n, np.float32)
        high = f.onset_high if len(f.onset_high) else np.zeros(f.n, np.float32)
        # each activation over its 8 s local mean (level and mix do not matter), pooled to 10 ms
        acts = [f.flux[:, b] for b in range(f.flux.shape[1])] + [onset, high]
        self.acts = np.stack([np.log1p(_pool(beat_activation(x, power=1.0))) for x in acts], axis=1)
        self.n = len(self.acts)
        self.fine = f.fine
        self.bands = _band_matrix(f.fine_hz) / np.float32(FINE_SCALE)  # to log10(1 + magnitude)
        # the mean log spectrum per band (a gain or an EQ is a constant there): the file's, or over
        # the USUAL_SPAN_S around each second of a longer one (a reel's cues differ in colour)
        self.mean: np.ndarray | None = None
        self.local: np.ndarray | None = None
        if len(f.fine) <= _MEAN_SPAN:
            total = f.fine.sum(axis=0, dtype=np.float64)
            self.mean = (total / max(len(f.fine), 1)).astype(np.float32) @ self.bands
        else:
            k = -(-len(f.fine) // _MEAN_ROWS)
            sums = np.zeros((k, f.fine.shape[1]), np.float64)
            for i in range(0, len(f.fine), _BLOCK):  # a block is a whole number of _MEAN_ROWS
                part = f.fine[i : i + _BLOCK]
                j = i // _MEAN_ROWS
                sums[j : j + -(-len(part) // _MEAN_ROWS)] = np.add.reduceat(
                    part, np.arange(0, len(part), _MEAN_ROWS), axis=0, dtype=np.float64)
            counts = np.full(k, float(_MEAN_ROWS))
            counts[-1] = len(f.fine) - (k - 1) * _MEAN_ROWS
            w = _MEAN_SPAN // _MEAN_ROWS
            cs = np.vstack([np.zeros((1, sums.shape[1])), np.cumsum(sums, axis=0)])
            cn = np.concatenate([[0.0], np.cumsum(counts)])
            lo = np.clip(np.arange(k) - w // 2, 0, max(k - w, 0))
            hi = np.minimum(lo + w, k)
            self.local = (((cs[hi] - cs[lo]) / (cn[hi] - cn[lo])[:, None]).astype(np.float32)) @ self.bands
        self.chroma = f.chroma

    def _mean(self, start: int, stop: int) -> np.ndarray:
        """The mean spectrum for rows start..stop: the file's, or interpolated between seconds."""
        if self.local is None:
            return self.mean
        t = (np.arange(start, stop) + 0.5) / _MEAN_ROWS - 0.5
        i = np.clip(np.floor(t).astype(int), 0, len(self.local) - 1)
        j = np.minimum(i + 1, len(self.local) - 1)
        a = np.clip(t - i, 0.0, 1.0).astype(np.float32)[:, None]
        return (1 - a) * self.local[i] + a * self.local[j]

    def span(self, start: int, stop: int) -> np.ndarray:
        """(stop - start, inputs) float32 for decoder hops start..stop."""
        m = stop - start
        lo = max(start - 1, 0)  # one row before, for the rise
        rows = self.fine[lo:stop]
        spec = rows.astype(np.float32) @ self.bands - self._mean(lo, lo + len(rows))
        spec = np.pad(spec, ((0, stop - lo - len(spec)), (0, 0)))  # the fine spectrum may be a row short
        rise = np.maximum(np.diff(spec, axis=0, prepend=spec[:1]), 0.0)
        spec, rise = spec[start - lo :], rise[start - lo :]
        c = self.chroma[start // 2 : (stop + 1) // 2 + 1].astype(np.float32)
        c = c / (c.sum(axis=1, keepdims=True) + 1e-6)
        c = np.repeat(c, 2, axis=0)[start % 2 :][:m]
        c = np.pad(c, ((0, m - len(c)), (0, 0)))
        return np.concatenate([spec, rise, self.acts[start:stop], c], axis=1).astype(np.float32)


def inputs(f: Features, *, cut_hz: float | None = None) -> np.ndarray:
    """The network's inputs for a whole file, per 10 ms decoder hop.

    Columns: the fine log spectrum at :data:`SPECTRUM_HZ`, less the file's mean per band;
    its positive rise from the hop before; ``log1p`` of each flux band, the note activation and the
    top-band activation over their 8 s local means; the 12 chroma shares.

    Parameters
    ----------
    f : Features
    cut_hz : float, optional
        Zero the spectrum bands starting above this and the top-band activation (training: what an
        8 kHz file lacks).

    Returns
    -------
    numpy.ndarray
        (hops, :data:`N_INPUTS`) float32, ``hops = ceil(f.n / 2)``.
    """
    cols = _Columns(f)
    x = cols.span(0, cols.n)
    if cut_hz is not None:
        cut(x, cut_hz)
    return x


def cut(x: np.ndarray, cut_hz: float) -> None:
    """Zero, in place, the inputs a file sampled at ``2 * cut_hz`` or less lacks: the spectrum
    bands above *cut_hz* and their rise, and the top-band (6 kHz) activation."""
    nb = len(SPECTRUM_HZ)
    gone = np.flatnonzero(cut_hz < SPECTRUM_HZ)
    x[:, gone] = 0.0
    x[:, nb + gone] = 0.0
    x[:, 2 * nb + 4] = 0.0


def _elu(x: np.ndarray) -> np.ndarray:
    return np.where(x > 0, x, np.expm1(np.minimum(x, 0.0)))


class Net:
    """The TCN's weights and its forward pass (numpy, vectorised over hops).

    Parameters
    ----------
    weights : mapping of str to array
        ``in_w`` (H, C), ``in_b`` (H,), ``dilations`` (L,), per block *i* ``conv{i}_w`` (H, H, 3),
        ``conv{i}_b`` (H,), ``res{i}_w`` (H, H), ``res{i}_b`` (H,); ``out_w`` (K, H), ``out_b`` (K,).
    """

    def __init__(self, weights) -> None:
        self.in_w = np.asarray(weights["in_w"], np.float32)
        self.in_b = np.asarray(weights["in_b"], np.float32)
        self.dilations = [int(d) for d in weights["dilations"]]
        # each block's three taps side by side: (H, 3H) against the hop before, the hop, the hop after
        self.blocks = [
            (np.concatenate(np.moveaxis(np.asarray(weights[f"conv{i}_w"], np.float32), 2, 0), axis=1),
             np.asarray(weights[f"conv{i}_b"], np.float32),
             np.asarray(weights[f"res{i}_w"], np.float32), np.asarray(weights[f"res{i}_b"], np.float32))
            for i in range(len(self.dilations))
        ]
        self.out_w = np.asarray(weights["out_w"], np.float32)
        self.out_b = np.asarray(weights["out_b"], np.float32)

    @property
    def context(self) -> int:
        """Hops on either side that reach an output (the receptive field's half)."""
        return sum(self.dilations)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """(hops, inputs) -> (hops, heads) probabilities; the sequence's ends are zero-padded at
        every layer, as in training."""
        # einsum, not matmul: threaded BLAS on products this small stalled up to 50x on the loaded
        # 2-core bench machine (0.6 s against 0.012 s a block); einsum's own loop does not
        h = np.einsum("ij,tj->it", self.in_w, x) + self.in_b[:, None]  # (H, T)
        t = h.shape[1]
        for d, (cw, cb, rw, rb) in zip(self.dilations, self.blocks, strict=True):
            p = np.pad(h, ((0, 0), (d, d)))
            taps = np.concatenate([p[:, :t], h, p[:, 2 * d : 2 * d + t]], axis=0)
            y = np.einsum("ij,jt->it", cw, taps) + cb[:, None]
            h = h + np.einsum("ij,jt->it", rw, _elu(y)) + rb[:, None]
        z = np.einsum("ij,jt->it", self.out_w, _elu(h)) + self.out_b[:, None]
        return (1.0 / (1.0 + np.exp(-z))).T


@lru_cache(maxsize=1)
def load() -> Net:
    """The shipped model (``syncsheet/data/beatnet.npz``)."""
    with resources.files("syncsheet.data").joinpath("beatnet.npz").open("rb") as fh, np.load(fh) as z:
        return Net({k: z[k] for k in z.files})


def activation(f: Features, net: Net | None = None, *, progress: Progress | None = None,
               submit: Submit | None = None) -> np.ndarray:
    """The network's beat probability per 10 ms decoder hop, for a whole file.

    Parameters
    ----------
    f : Features
    net : Net, optional
        Defaults to the shipped model.
    progress : callable(fraction, stage), optional
    submit : callable, optional
        Runs a job on a second thread and returns its future: every other block is computed there,
        beside this thread's (the same numbers: each block is computed whole, wherever it runs).

    Returns
    -------
    numpy.ndarray
        (ceil(f.n / 2),) float32 in 0..1.
    """
    net = net or load()
    cols = _Columns(f)
    out = np.zeros(cols.n, np.float32)
    margin = net.context

    def block(start: int) -> np.ndarray:
        stop = min(start + _BLOCK, cols.n)
        lo, hi = max(0, start - margin), min(cols.n, stop + margin)
        return net.forward(cols.span(lo, hi))[start - lo : stop - lo, 0]

    starts = list(range(0, cols.n, _BLOCK))
    step = 1 if submit is None else 2
    for k in range(0, len(starts), step):
        pair = starts[k : k + step]
        # the block after this one on the second thread while this one runs here: one job at a time
        other = submit(block, pair[1]) if len(pair) == 2 else None
        out[pair[0] : pair[0] + _BLOCK] = block(pair[0])
        if other is not None:
            out[pair[1] : pair[1] + _BLOCK] = other.result()
        report(progress, min(pair[-1] + _BLOCK, cols.n) / max(cols.n, 1), "beat activation")
    return out


#: Shortest audio (seconds) the model's activation is used on: below it the model sees less context
#: than it was trained with, and the hand-made activation is used alone.
MIN_SECONDS = 4.0
#: The learned activation's share in the tracker's activation, the rest the hand-made one's, and
#: the tracker's threshold on the mixture (chosen leave-set-out: docs/analysis.md, *Beats*).
SHARE = 0.25
THRESHOLD = 3.0
#: A peak probability below this hears no beat at all (ambience, a drone): dividing by the mean
#: would blow the model's noise up to beats, so the hand-made activation is used alone.
MIN_PEAK = 0.2


def tracker_activation(f: Features, hand: np.ndarray, *, progress: Progress | None = None,
                       submit: Submit | None = None) -> tuple[np.ndarray, float] | None:
    """The beat activation the tracker decodes, with the learned one mixed in, or None where the
    model is not used.

    Parameters
    ----------
    f : Features
    hand : (f.n,) array
        The hand-made activation (:func:`~.beats.beat_activation`), about 1 on average.
    progress : callable(fraction, stage), optional
    submit : callable, optional
        As :func:`activation`'s.

    Returns
    -------
    (numpy.ndarray, float) or None
        ``SHARE * learned + (1 - SHARE) * hand`` at the features' rate, where *learned* is the
        network's beat probability over its mean (each decoder hop's value twice), and the
        threshold :func:`~.beats.track_beats` decodes it with; None for audio shorter than
        :data:`MIN_SECONDS` or where no hop's probability reaches :data:`MIN_PEAK`.
    """
    if f.duration < MIN_SECONDS or not f.n:
        return None
    p = activation(f, progress=progress, submit=submit)
    if float(p.max(initial=0.0)) < MIN_PEAK:
        return None
    # over its mean around each moment (a reel's quiet scene must not scale up its loud cue)
    a = np.repeat(p / local_mean(p, _MEAN_SPAN), 2)[: len(hand)]
    a = np.pad(a, (0, len(hand) - len(a)))
    return (SHARE * a + (1.0 - SHARE) * hand).astype(np.float32), THRESHOLD
