"""A learned sound-effect activation: P(an effect starts here) for every 10 ms row.

A small non-causal temporal convolution network (a 1x1 input layer, dilated 3-tap layers with
residual connections, a 1x1 output layer) reads, per row of the fine spectrum: the fine log
spectrum pooled to :data:`POOL` bands, its rise over the previous row, the spectral floor and its
rise (each level relative to its own mean over ±:data:`LOCAL_S` seconds, so the music's loudness
and colour are taken out), and the repetition detector's evidence (:func:`~.cues.surprise`, the
floor's surprise and the picker's weight, each over its 90th percentile around it). Four such networks,
trained from different seeds, are averaged (:class:`Ensemble`; since the eleventh session). It runs
in plain numpy, block by block (memory is bounded by a block, not the file), from weights in
``syncsheet/data/cuenet.npz`` made by::

    .venv/bin/python benchmarks/train_cuenet.py final

(seeded: rerunning it gives the same weights; see the script for the training data, which never
holds the benchmark's own effects).

Since the tenth session the pipeline gives its starts, with the repetition detector's, to the cue
judge (:mod:`.cue_judge`); :func:`combine` (:data:`GATE`, :data:`THRESHOLD`) is how they were joined
before, kept for ``benchmarks/train_cuenet.py``'s measurements. :data:`STRONG` still applies.
"""

from __future__ import annotations

import bisect
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from ..progress import Progress, report
from ._threads import Submit
from ._windows import USUAL_SPAN_S, local_percentile
from .features import FINE_DECIM, FINE_SCALE, FLOOR_BANDS_PER_OCTAVE, FPS, WINDOW_S
from .resample import analysis_rate

__all__ = [
    "RATE", "POOL", "LOCAL_S", "GATE", "THRESHOLD", "Net", "Ensemble", "load", "evidence_columns", "inputs",
    "activation", "pick", "near", "combine",
]

POOL = 3  # fine bands pooled into one model input (12 bands an octave -> 4)
LOCAL_S = 2.0  # seconds: each band's level is taken relative to its mean over ± this
RATE = FPS / FINE_DECIM  # rows a second of the fine spectrum
#: A repetition-detector cue is kept where the network's start probability reaches this within ±0.15 s.
GATE = 0.3
#: The network's own starts at least this probable are cues too (away from the kept ones).
THRESHOLD = 0.93
#: A repetition-detector cue scoring this much (six times its picking threshold) stands even where
#: the network (now the cue judge) hears no effect start: the network knows only the GM-rendered music it was trained
#: on, and on other music (the bundled demo's synthesised band) it vetoed an impact after a whoosh
#: that the detector scored 58. Leave-set-out on the six sets, no cue that strong was vetoed (the
#: figures are the same with and without it; /tmp/s6override.py, sixth session).
STRONG = 30.0


class Net:
    """The network's weights (see :func:`load`) and its numpy forward pass.

    Parameters
    ----------
    weights : mapping
        ``mean``, ``std`` (input standardisation, (C_in,)); ``w_in`` (C, C_in), ``b_in`` (C,);
        for each layer k ``w{k}`` (C, C, 3), ``b{k}`` (C,), dilation ``dil[k]``; ``w_out``
        (K, C), ``b_out`` (K,); optionally ``latency`` (s), ``fine_hz`` and ``floor_bands`` (the band
        layout trained on, see :func:`floor_bands`; without them the columns are taken as they come).
    """

    def __init__(self, weights) -> None:
        self.mean = np.asarray(weights["mean"], np.float32)
        self.std = np.asarray(weights["std"], np.float32)
        self.w_in = np.asarray(weights["w_in"], np.float32)
        self.b_in = np.asarray(weights["b_in"], np.float32)
        self.dil = [int(d) for d in np.asarray(weights["dil"])]
        self.layers = [(np.asarray(weights[f"w{k}"], np.float32), np.asarray(weights[f"b{k}"], np.float32))
                       for k in range(len(self.dil))]
        self.w_out = np.asarray(weights["w_out"], np.float32)
        self.b_out = np.asarray(weights["b_out"], np.float32)
        #: the layout of the bands trained on: fine band centres (Hz) and floor third-octave indices
        self.fine_hz = np.asarray(weights.get("fine_hz", np.zeros(0)), np.float64)
        self.floor_bands = np.asarray(weights.get("floor_bands", np.zeros(0)), np.int64)
        #: seconds the picked starts lie after the true ones on the training mixes (removed)
        self.latency = float(np.asarray(weights.get("latency", 0.0)))

    @property
    def reach(self) -> int:
        """Rows each side that one output row sees (half the receptive field)."""
        return int(sum(self.dil))

    @property
    def outputs(self) -> int:
        return int(self.w_out.shape[0])

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Logits (n, K) for inputs *x* (n, C_in); rows beyond either end count as zeros."""
        h = np.maximum((x - self.mean) / self.std @ self.w_in.T + self.b_in, 0.0)
        for (w, b), d in zip(self.layers, self.dil, strict=True):
            p = np.pad(h, ((d, d), (0, 0)))
            n = len(h)
            y = p[:n] @ w[:, :, 0].T + h @ w[:, :, 1].T + p[2 * d : 2 * d + n] @ w[:, :, 2].T + b
            h = h + np.maximum(y, 0.0)
        return h @ self.w_out.T + self.b_out

    def probability(self, x: np.ndarray) -> np.ndarray:
        """Probabilities (n, K) for inputs *x* (n, C_in)."""
        return 1.0 / (1.0 + np.exp(-np.clip(self.forward(x), -60.0, 60.0)))


class Ensemble:
    """Networks of one layout trained from different seeds; their probabilities are averaged.

    Each alone ranks quiet effects against the music's own novelties unevenly, one seed better
    here and another there; the mean is steadier (docs/analysis.md, *Cues*, eleventh session).

    Parameters
    ----------
    weights : mapping
        One network's arrays (as :class:`Net`) under the prefix ``m{i}_`` for each member i, with
        ``fine_hz``, ``floor_bands`` and ``latency`` shared; or a single network's arrays unprefixed.
    """

    def __init__(self, weights) -> None:
        shared = {k: weights[k] for k in ("fine_hz", "floor_bands", "latency") if k in weights}
        members: dict[str, dict] = {}
        for key, value in weights.items():
            if (m := re.fullmatch(r"(m\d+)_(.+)", key)) is not None:
                members.setdefault(m.group(1), {})[m.group(2)] = value
        self.nets = ([Net(members[f"m{i}"] | shared) for i in range(len(members))] if members
                     else [Net(weights)])
        first = self.nets[0]
        self.fine_hz, self.floor_bands, self.latency = first.fine_hz, first.floor_bands, first.latency
        if any(n.outputs != first.outputs or len(n.mean) != len(first.mean) for n in self.nets):
            raise ValueError("the ensemble's networks differ in their inputs or outputs")

    @property
    def reach(self) -> int:
        return max(n.reach for n in self.nets)

    @property
    def outputs(self) -> int:
        return self.nets[0].outputs

    def probability(self, x: np.ndarray, submit: Submit | None = None) -> np.ndarray:
        """The members' mean probabilities (n, K) for inputs *x* (n, C_in); given *submit* (a
        second thread's, as :func:`activation`'s), every other member runs there."""
        def run(nets: list[Net]) -> list[np.ndarray]:
            return [net.probability(x) for net in nets]

        if submit is None or len(self.nets) < 2:
            probs = run(self.nets)
        else:
            theirs = submit(run, self.nets[1::2])
            probs: list = [None] * len(self.nets)
            probs[::2] = run(self.nets[::2])
            probs[1::2] = theirs.result()
        out = probs[0]
        for p in probs[1:]:  # summed in the members' order, wherever each ran
            out += p
        return out / len(self.nets)


@lru_cache(maxsize=4)
def load(path: str | None = None) -> Ensemble:
    """The shipped networks (``syncsheet/data/cuenet.npz``), or those saved at *path*."""
    if path is None:
        with resources.as_file(resources.files("syncsheet.data") / "cuenet.npz") as p, np.load(p) as z:
            return Ensemble(dict(z))
    with np.load(Path(path)) as z:
        return Ensemble(dict(z))


def floor_bands(sample_rate: int) -> np.ndarray:
    """Third-octave index (from 40 Hz) of each column of :attr:`Features.floor` for a file at
    *sample_rate* (the bands that hold an FFT bin below the analysis rate's Nyquist frequency)."""
    up, down = analysis_rate(int(sample_rate))
    sr = int(sample_rate) * up / down
    n_fft = 1 << int(np.ceil(np.log2(int(round(WINDOW_S * sr)))))
    edges = 40.0 * 2.0 ** (np.arange(0, 64) / FLOOR_BANDS_PER_OCTAVE)
    edges = edges[edges < 0.5 * sr]
    band = np.searchsorted(edges, np.arange(n_fft // 2 + 1) * (sr / n_fft)) - 1
    return np.unique(band[(band >= 0) & (band < len(edges) - 1)])


def _column_map(have: np.ndarray, want: np.ndarray, tol: float) -> np.ndarray:
    """For each of *want*, the index of the nearest of *have* within *tol* (-1: none)."""
    if not len(have) or not len(want):
        return np.full(len(want), -1, np.int64)
    d = np.abs(np.asarray(have, float)[None, :] - np.asarray(want, float)[:, None])
    j = d.argmin(axis=1)
    return np.where(d[np.arange(len(want)), j] <= tol, j, -1)


def _take(x: np.ndarray, cols: np.ndarray | None) -> np.ndarray:
    """Columns *cols* of *x* (zeros where -1: a band this sample rate does not have)."""
    if cols is None:
        return x
    out = np.zeros((len(x), len(cols)), x.dtype)
    ok = cols >= 0
    out[:, ok] = x[:, cols[ok]]
    return out


def _local(x: np.ndarray, half: int) -> np.ndarray:
    """Each column of *x* less its mean over ±*half* rows (the rows there are, at the ends)."""
    c = np.zeros((len(x) + 1, x.shape[1]), np.float64)
    np.cumsum(x, axis=0, out=c[1:])
    i = np.arange(len(x))
    lo, hi = np.maximum(i - half, 0), np.minimum(i + half + 1, len(x))
    return x - ((c[hi] - c[lo]) / (hi - lo)[:, None]).astype(np.float32)


def _rise(x: np.ndarray) -> np.ndarray:
    out = np.zeros_like(x)
    out[1:] = np.maximum(x[1:] - x[:-1], 0.0)
    return out


def _scaled(e: np.ndarray) -> np.ndarray:
    """Evidence over its 90th percentile over the :data:`~._windows.USUAL_SPAN_S` seconds around each
    row (the whole of a file that short), log-compressed."""
    e = np.asarray(e, np.float32)
    ref = (local_percentile(e, 90, int(USUAL_SPAN_S * RATE), int(5 * RATE)) + 1e-3).astype(np.float32)
    return np.log1p(np.maximum(e, 0.0) / ref).astype(np.float32)


def evidence_columns(surp: np.ndarray, fsurp: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """(n, 3) evidence inputs: the fine spectrum's and the floor's surprise (:func:`~.cues.surprise`,
    :func:`~.cues.floor_surprise`) each over its 90th percentile around it, log-compressed, and
    the picker's weight (:func:`~.cues.evidence_weight` times :func:`~.cues.harmony_weight`)."""
    return np.stack([_scaled(surp), _scaled(fsurp), np.asarray(weight, np.float32)], axis=1)


def inputs(fine: np.ndarray, floor: np.ndarray, evidence: np.ndarray) -> np.ndarray:
    """Model inputs (n, C_in) float32 for rows of the fine spectrum.

    Parameters
    ----------
    fine : (n, NF) uint8
        :attr:`Features.fine`.
    floor : (n, NL) uint8
        :attr:`Features.floor` (NL may be 0).
    evidence : (n, E) float
        Per-row evidence already scaled (see :func:`activation`).

    Returns
    -------
    numpy.ndarray
        Pooled fine level (less its local mean) and rise, floor level (less its local mean) and
        rise, in units of ``FINE_SCALE`` steps (a factor of 10 in magnitude), then the evidence columns.
    """
    n, nf = fine.shape
    k = nf // POOL
    pooled = fine[:, : k * POOL].reshape(n, k, POOL).astype(np.float32).mean(axis=2) / FINE_SCALE
    fl = floor.astype(np.float32) / FINE_SCALE
    half = int(LOCAL_S * RATE)
    cols = [_local(pooled, half), _rise(pooled), _local(fl, half), _rise(fl), np.asarray(evidence, np.float32)]
    return np.concatenate([c.reshape(n, -1) for c in cols], axis=1)


def activation(
    fine: np.ndarray,
    floor: np.ndarray,
    evidence: np.ndarray,
    *,
    net: Net | Ensemble | None = None,
    fine_hz: np.ndarray | None = None,
    sample_rate: int | None = None,
    block: int = 1 << 14,
    submit: Submit | None = None,
    progress: Progress | None = None,
) -> np.ndarray:
    """P(an effect starts at this row) and P(an effect sounds here), (n, 2) float32.

    Parameters
    ----------
    fine, floor : uint8 arrays
        :attr:`Features.fine` and :attr:`Features.floor` (same rows; *floor* may have no columns).
    evidence : (n, 3) array
        :func:`evidence_columns` of the repetition detector's surprises and weight.
    net : Net or Ensemble, optional
        Defaults to the shipped networks.
    fine_hz, sample_rate : optional
        :attr:`Features.fine_hz` and the source's rate: the bands are matched by frequency to those
        the network was trained on (every rate is analysed at 22.05 kHz, so they are the same unless
        the weights came from another layout). Without them the columns are taken as they come.
    block : int
        Rows computed at once; each block is padded by the network's reach and the local mean's
        window on both sides, so the result does not depend on it. 16384 rows (164 s) hold the
        transient inputs of a block to about 23 MB, against 76 MB at 65536, at the same speed.
    submit : callable, optional
        Runs a job on a second thread and returns its future (:meth:`~._threads.InOrder.submit`):
        half an ensemble's members run there, beside the others (the same numbers).
    progress : callable(fraction, stage), optional
        Called after each block (it may raise Cancelled).
    """
    net = net or load()
    n = len(fine)
    if not n:  # a sound of a few milliseconds has no row yet (its evidence does not reshape to none)
        return np.zeros((0, net.outputs), np.float32)
    if floor.ndim != 2 or len(floor) != n:
        floor = np.zeros((n, 0), np.uint8)
    ev = np.asarray(evidence, np.float32).reshape(n, -1)
    fcols = lcols = None
    if fine_hz is not None and len(net.fine_hz):
        fcols = _column_map(np.log2(np.maximum(fine_hz, 1e-3)), np.log2(net.fine_hz), 1 / 24)
    if sample_rate is not None and len(net.floor_bands):
        have = floor_bands(sample_rate)
        lcols = (_column_map(have, net.floor_bands, 0) if len(have) == floor.shape[1]
                 else np.full(len(net.floor_bands), -1))  # no floor (or not this layout): silence
    out = np.zeros((n, net.outputs), np.float32)
    margin = net.reach + int(LOCAL_S * RATE) + 1
    for a in range(0, n, block):
        b = min(n, a + block)
        lo, hi = max(0, a - margin), min(n, b + margin)
        x = inputs(_take(fine[lo:hi], fcols), _take(floor[lo:hi], lcols), ev[lo:hi])
        probs = net.probability(x, submit) if isinstance(net, Ensemble) else net.probability(x)
        out[a:b] = probs[a - lo : b - lo]
        report(progress, b / n, "cues")
    return out


def pick(p: np.ndarray, *, threshold: float = 0.5, gap_s: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Effect starts from the start probability *p* (rows of 10 ms).

    Local maxima over ±0.1 s above *threshold* are taken strongest first, each suppressing weaker
    ones within *gap_s*; each is placed between rows by a parabola through its peak.

    Returns
    -------
    positions : numpy.ndarray
        Rows (fractional), in time order.
    scores : numpy.ndarray
        The peak probabilities.
    """
    n = len(p)
    if n < 3:
        return np.zeros(0), np.zeros(0)
    half = int(0.1 * RATE)
    pad = np.pad(p, half, constant_values=-1.0)
    win = np.lib.stride_tricks.sliding_window_view(pad, 2 * half + 1).max(axis=1)
    cand = np.flatnonzero((p >= win) & (p > threshold))
    order = cand[np.argsort(-p[cand], kind="stable")]
    gap = gap_s * RATE
    kept: list[int] = []  # sorted: each candidate is checked against its two kept neighbours
    for i in order.tolist():  # only the candidates (a few a minute), not the rows
        k = bisect.bisect(kept, i)
        if (k == 0 or i - kept[k - 1] >= gap) and (k == len(kept) or kept[k] - i >= gap):
            kept.insert(k, i)
    idx = np.asarray(kept, np.int64)
    if not len(idx):
        return np.zeros(0), np.zeros(0)
    left, mid, right = p[np.maximum(idx - 1, 0)], p[idx], p[np.minimum(idx + 1, n - 1)]
    den = left - 2 * mid + right
    shift = np.where(np.abs(den) > 1e-9, 0.5 * (left - right) / np.where(den == 0, 1, den), 0.0)
    return idx + np.clip(shift, -0.5, 0.5), mid.astype(np.float64)


def near(p: np.ndarray, times: np.ndarray, *, half_s: float = 0.15) -> np.ndarray:
    """The largest of *p* (rows of 10 ms) within ±*half_s* of each of *times* (seconds)."""
    t = np.asarray(times, np.float64)
    if not len(t) or not len(p):
        return np.zeros(len(t))
    half = int(round(half_s * RATE))
    r = np.clip(np.round(t * RATE).astype(np.int64), 0, len(p) - 1)
    win = np.clip(r[:, None] + np.arange(-half, half + 1)[None, :], 0, len(p) - 1)
    return p[win].max(axis=1).astype(np.float64)


def combine(
    times: np.ndarray,
    net_times: np.ndarray,
    p: np.ndarray,
    *,
    gate: float = GATE,
    gap_s: float = 1.0,
    scores: np.ndarray | None = None,
    strong: float = STRONG,
) -> tuple[np.ndarray, np.ndarray]:
    """The repetition detector's cues the network confirms, plus the network's own elsewhere.

    Parameters
    ----------
    times : array
        Seconds: the repetition detector's cues (:func:`~.cues.pick_cues`).
    net_times : array
        Seconds: the network's confident starts (:func:`pick` at :data:`THRESHOLD`).
    p : (n,) array
        The start probability (rows of 10 ms).
    gate : float
        A detector cue is kept where *p* reaches this within ±0.15 s: its music novelty (a note
        heard once) is dropped where the network hears no effect.
    gap_s : float
        A network start within this of a kept cue is the same effect (the kept cue's time stands).
    scores : array, optional
        The detector's scores of *times*; a cue scoring *strong* or more stands without the
        network's confirmation.
    strong : float
        See *scores*.

    Returns
    -------
    keep : numpy.ndarray of bool
        Which of *times* are kept.
    add : numpy.ndarray of bool
        Which of *net_times* are added.
    """
    times, net_times = np.asarray(times, float), np.asarray(net_times, float)
    keep = near(p, times) >= gate
    if scores is not None:
        keep |= np.asarray(scores, float) >= strong
    kept = times[keep]
    if len(kept) and len(net_times):
        add = np.abs(net_times[:, None] - kept[None, :]).min(axis=1) >= gap_s
    else:
        add = np.ones(len(net_times), bool)
    return keep, add
