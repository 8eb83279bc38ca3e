"""The working level the spectral features are taken at, measured around each moment of the file.

The spectral features' log compressions are not pure logs (``log10(1 + m)`` is nearly linear for
soft sounds) and the cue detector's evidence follows them: the same music 10 dB softer gave three
times the false cues, 20 dB softer lost a quarter of the cue F, and 10 dB louder (a mastered track)
lost effects. So the features are taken near one working level, :data:`LEVEL_REF_DB`, the level of
the benchmark music every threshold and model was set on (98 % of it within :data:`LEVEL_BAND_DB`:
music inside that band is analysed as it is; music outside it is brought to the reference, by at
most :data:`MAX_GAIN_DB`). Energies, levels and stops stay the file's own.

The level is the mean square of the signal (all channels) in 0.4 s blocks above a tenth of their
mean (a relative gate, as in EBU R128, so a pause or a fade counts little), over :data:`LEVEL_S`
seconds centred on each moment (shifted inside the file at its ends). That span holds every
excerpt the models learned from (32-36 s), so a file that short is measured whole, as they were;
a longer one is measured passage by passage. Measured once over the first minute instead, a
quiet first minute (a film reel's leader, a soft intro) set the gain for all the music after it,
and five cues at different levels played as one reel lost a sixth of their cue F. The gain
follows at most :data:`LEVEL_SLEW_DB_S`, except in silence: a step would be a broadband rise that
every onset and cue detector hears as an attack, while 3 dB a second is 0.06 dB between the frames
the onset novelty compares (its step is 1 dB), and a span's half (20 s) is time enough for 30 dB.
"""

from __future__ import annotations

import numpy as np

from ._windows import USUAL_SPAN_S

__all__ = ["LEVEL_REF_DB", "LEVEL_BAND_DB", "LEVEL_S", "MAX_GAIN_DB", "LEVEL_SLEW_DB_S", "level_gain_db",
           "RunningGain"]

LEVEL_REF_DB = -20.0
LEVEL_BAND_DB = 3.0
LEVEL_S = USUAL_SPAN_S
MAX_GAIN_DB = 30.0
LEVEL_SLEW_DB_S = 3.0
#: A run of 0.1 s chunks under SILENT_DB (40 dB under the working level) this long separates pieces
#: (a reel's cues): a moment's span stays inside its piece, as the analysis keeps to it (the
#: pipeline's PIECE_GAP_S is this), so a loud cue does not set the gain of a quiet one after it.
SILENT_DB = -60.0
GAP_S = 2.0
_SILENT_LEVEL_DB = -90.0
CHUNK_S = 0.1  # the level's blocks are 4 chunks long and start every chunk
_BLOCK_CHUNKS = 4


def _gain_from_levels(level: np.ndarray) -> np.ndarray:
    """The gain (dB) for gated levels (dB): 0 inside the band and for silence, else the step to the
    reference, at most :data:`MAX_GAIN_DB`."""
    level = np.asarray(level, np.float64)
    off = LEVEL_REF_DB - level
    gain = np.clip(off, -MAX_GAIN_DB, MAX_GAIN_DB)
    return np.where((level < _SILENT_LEVEL_DB) | (np.abs(off) <= LEVEL_BAND_DB), 0.0, gain)


def gain_from_chunks(chunks: np.ndarray) -> float:
    """:func:`level_gain_db` from the mean squares of consecutive :data:`CHUNK_S` chunks."""
    chunks = np.asarray(chunks, np.float64)
    if not len(chunks):
        return 0.0
    if len(chunks) >= _BLOCK_CHUNKS:
        blocks = np.convolve(chunks, np.full(_BLOCK_CHUNKS, 1 / _BLOCK_CHUNKS), mode="valid")
    else:
        blocks = np.array([chunks.mean()])
    mean = float(blocks.mean())
    if mean <= 0.0:
        return 0.0
    level = 10.0 * np.log10(float(blocks[blocks > 0.1 * mean].mean()))
    return float(_gain_from_levels(np.array([level]))[0])


def level_gain_db(power: np.ndarray, sr: float) -> float:
    """The gain (dB) the spectral features of a signal no longer than :data:`LEVEL_S` are taken at.

    Parameters
    ----------
    power : numpy.ndarray
        Per sample, the mean square over the channels (``x ** 2`` for mono).
    sr : float
        Its sample rate.

    Returns
    -------
    float
        0 for a level within :data:`LEVEL_BAND_DB` of :data:`LEVEL_REF_DB`, for silence and for no
        samples; else the step to :data:`LEVEL_REF_DB`, at most :data:`MAX_GAIN_DB`.
    """
    power = np.asarray(power, np.float64)
    n = max(1, int(round(CHUNK_S * sr)))
    k = len(power) // n
    if k:
        chunks = power[: k * n].reshape(k, n).mean(axis=1)
    else:  # under one chunk: one chunk of all there is
        chunks = power[None, :].mean(axis=1) if len(power) else power
    return gain_from_chunks(chunks)


class RunningGain:
    """The working-level gain along a stream, from its samples' power as they come.

    A moment's gain needs the :data:`LEVEL_S` seconds around it, so the frames of a stream wait
    :data:`LEVEL_S` / 2 seconds (and :data:`GAP_S`) behind its input, the first ones until
    :data:`LEVEL_S` seconds are in: :meth:`ready_s` says how far they may go.
    """

    def __init__(self, sample_rate: float) -> None:
        self.chunk = max(1, int(round(CHUNK_S * sample_rate)))
        self.half = int(round(LEVEL_S / CHUNK_S / 2))  # chunks either side of a moment
        self.gap = int(round(GAP_S / CHUNK_S))  # silent chunks that separate pieces
        self.means = np.zeros(1024, np.float64)  # each whole chunk's mean square (the first n)
        self.n = 0
        self.rest = np.zeros(0, np.float64)  # power of the samples after the last whole chunk
        self.limited = np.zeros(1024, np.float64)  # the gain at each chunk's centre, slew-limited (dB)
        self.done = 0  # chunks whose gain is in self.limited
        self.quiet_from: int | None = None  # where the present run of silent chunks started
        self.cuts: list[list[int]] = []  # runs of silent chunks >= gap long: [start, end] (end grows)

    def add(self, power: np.ndarray) -> None:
        """Add samples' power (mean square over the channels)."""
        rest = np.concatenate([self.rest, np.asarray(power, np.float64)])
        k = len(rest) // self.chunk
        self.rest = rest[k * self.chunk :]
        if not k:
            return
        new = rest[: k * self.chunk].reshape(k, self.chunk).mean(axis=1)
        if self.n + k > len(self.means):
            self.means = np.concatenate([self.means[: self.n], np.zeros(max(k, self.n), np.float64)])
        self.means[self.n : self.n + k] = new
        silent = 10.0 * np.log10(np.maximum(new, 1e-30)) < SILENT_DB
        for i, q in enumerate(silent, start=self.n):
            if not q:
                self.quiet_from = None
                continue
            if self.quiet_from is None:
                self.quiet_from = i
            if i + 1 - self.quiet_from == self.gap:
                self.cuts.append([self.quiet_from, i + 1])
            elif i + 1 - self.quiet_from > self.gap:
                self.cuts[-1][1] = i + 1
        self.n += k

    def ready_s(self) -> float:
        """Seconds from the start whose gains are known before the stream ends."""
        if self.n < 2 * self.half + self.gap:
            return 0.0
        return max(0.0, (self.n - self.half - self.gap - 2) * CHUNK_S)

    def _chunks(self) -> np.ndarray:
        if self.n:
            return self.means[: self.n]
        return np.array([float(self.rest.mean())]) if len(self.rest) else np.zeros(0)

    def _windows(self, js: np.ndarray, n: int, final: bool) -> tuple[np.ndarray, np.ndarray]:
        """Each chunk's span: LEVEL_S centred on it, shifted inside its piece (cut short if the
        piece is shorter). A silence between pieces belongs to the piece after it, so the gain is
        that piece's where its sound starts."""
        big = np.iinfo(np.int64).max // 4
        p0 = np.zeros(len(js), np.int64)
        p1 = np.full(len(js), n if final else big, np.int64)
        for a, _end in self.cuts:
            p0 = np.where(js >= a, a, p0)
            p1 = np.where(js < a, np.minimum(p1, a), p1)
        lo = np.maximum(np.minimum(js - self.half, p1 - 2 * self.half), p0)
        hi = np.minimum(lo + 2 * self.half, np.minimum(p1, n))
        return lo, hi

    def _extend(self, upto: int, final: bool) -> None:
        """Slew-limited gains of the chunks up to *upto* (exclusive)."""
        chunks = self._chunks()
        n = len(chunks)
        upto = min(upto, n)
        j0 = self.done
        if upto <= j0:
            return
        js = np.arange(j0, upto)
        lo, hi = self._windows(js, n, final)
        target = np.empty(len(js))
        full = hi - lo == 2 * self.half
        if full.any():  # full spans at once: the gated mean of each span's blocks
            a, b = int(lo[full].min()), int(hi[full].max())
            blocks = np.convolve(chunks[a:b], np.full(_BLOCK_CHUNKS, 1 / _BLOCK_CHUNKS), mode="valid")
            win = np.lib.stride_tricks.sliding_window_view(blocks, 2 * self.half - _BLOCK_CHUNKS + 1)[lo[full] - a]
            mean = win.mean(axis=1, keepdims=True)
            keep = win > 0.1 * mean
            with np.errstate(divide="ignore", invalid="ignore"):
                level = 10.0 * np.log10(np.where(keep, win, 0.0).sum(axis=1) / np.maximum(keep.sum(axis=1), 1))
            target[full] = np.where(mean[:, 0] > 0, _gain_from_levels(np.where(mean[:, 0] > 0, level, 0.0)), 0.0)
        for i in np.flatnonzero(~full):  # spans cut short by a piece's ends
            target[i] = gain_from_chunks(chunks[lo[i] : max(hi[i], lo[i] + 1)])
        step = LEVEL_SLEW_DB_S * CHUNK_S
        prev = float(self.limited[j0 - 1]) if j0 else float(target[0])
        silent = chunks[js] < 10.0 ** (SILENT_DB / 10)
        if upto > len(self.limited):
            grown = np.zeros(max(upto, 2 * len(self.limited)))
            grown[:j0] = self.limited[:j0]
            self.limited = grown
        for j, g, q in zip(js, target, silent, strict=True):  # in silence a step is not heard: no limit
            prev = float(g) if q else min(max(float(g), prev - step), prev + step)
            self.limited[j] = prev
        self.done = upto

    def gains(self, times: np.ndarray, final: bool) -> np.ndarray:
        """The gain (dB) at each of *times* (seconds, increasing; within :meth:`ready_s` unless the
        stream has ended)."""
        times = np.asarray(times, np.float64)
        n = len(self._chunks())
        if not len(times) or not n:
            return np.zeros(len(times))
        need = n if final else min(n, int(np.ceil(times[-1] / CHUNK_S)) + 2)
        self._extend(need, final)
        # only the chunks around these times (interpolating over the whole reel at every block cost
        # seconds on a 2 h reel)
        lo = min(max(0, int(times[0] / CHUNK_S) - 2), self.done - 1)
        hi = min(self.done, int(np.ceil(times[-1] / CHUNK_S)) + 2)
        centres = (np.arange(lo, hi) + 0.5) * CHUNK_S
        return np.interp(times, centres, self.limited[lo:hi])
