"""Peak envelopes for drawing waveforms: min/max/RMS per bucket at a few resolutions.

A two-hour reel at 48 kHz has 345 million samples; no screen needs more than a few thousand
columns of them. :func:`compute_peaks` streams the file once through :func:`syncsheet.audio.blocks`
and keeps, for every bucket of ``base`` samples, the lowest and highest sample and the RMS;
coarser levels are folded from the finer ones (``factor`` buckets into one). Memory is bounded by
the base level: 12 bytes per 256 samples, about 16 MB for two hours at 48 kHz (22 MB with the
coarser levels). A view then asks for the level whose buckets are just finer than its pixels
(:meth:`Peaks.view`), and for spans too short for the base level, :func:`read_span` decodes the
few samples it needs from the file.

This module is numpy only; the UI draws what it returns.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import soundfile as sf

from . import audio, ltc
from .errors import AudioDecodeError
from .progress import Progress

__all__ = ["PeakLevel", "Envelope", "Peaks", "compute_peaks", "peaks_of_samples", "read_span"]


@dataclass(frozen=True)
class PeakLevel:
    """One resolution: ``mins[i]``, ``maxs[i]`` and ``rms[i]`` cover samples ``[i * size, (i + 1) * size)``."""

    size: int
    mins: np.ndarray
    maxs: np.ndarray
    rms: np.ndarray

    def __len__(self) -> int:
        return len(self.mins)


class Envelope(NamedTuple):
    """A slice of one level: bucket start times (seconds), minima, maxima and RMS."""

    times: np.ndarray
    mins: np.ndarray
    maxs: np.ndarray
    rms: np.ndarray


@dataclass(frozen=True)
class Peaks:
    """Min/max envelopes of a mono signal at several bucket sizes, finest first.

    Attributes
    ----------
    sample_rate : int
    samples : int
        Length of the signal.
    levels : tuple of PeakLevel
        Bucket sizes grow by a constant factor; the last level has at most ``min_buckets``
        buckets (or is the base level of a short signal).
    without : tuple of int
        The file's channels left out of the signal: those that carry timecode
        (:attr:`syncsheet.audio.AudioInfo.timecode`), whose buzz would fill the waveform.
    """

    sample_rate: int
    samples: int
    levels: tuple[PeakLevel, ...]
    without: tuple[int, ...] = ()

    @property
    def duration(self) -> float:
        return self.samples / self.sample_rate

    def level_for(self, samples_per_pixel: float) -> PeakLevel | None:
        """The coarsest level still at least as fine as *samples_per_pixel*; None if even the
        base level is coarser (the caller should draw raw samples from :func:`read_span`)."""
        best = None
        for lvl in self.levels:
            if lvl.size <= samples_per_pixel:
                best = lvl
        return best

    def view(self, t0: float, t1: float, pixels: int) -> Envelope | None:
        """The envelope of seconds ``[t0, t1)`` for a view *pixels* wide.

        Returns
        -------
        Envelope or None
            Start time of each bucket (seconds), its extremes and its RMS; between one and
            ``factor`` buckets a pixel. None when the span is so short that raw samples should be
            drawn instead.
        """
        t0, t1 = max(0.0, t0), min(self.duration, t1)
        if t1 <= t0 or pixels < 1:
            empty = np.zeros(0, np.float32)
            return Envelope(np.zeros(0), empty, empty, empty)
        spp = (t1 - t0) * self.sample_rate / pixels
        lvl = self.level_for(spp)
        if lvl is None:
            return None
        i0 = max(0, int(t0 * self.sample_rate) // lvl.size - 1)
        i1 = min(len(lvl), int(t1 * self.sample_rate) // lvl.size + 2)
        times = np.arange(i0, i1, dtype=np.float64) * (lvl.size / self.sample_rate)
        return Envelope(times, lvl.mins[i0:i1], lvl.maxs[i0:i1], lvl.rms[i0:i1])


class _Folder:
    """Accumulates min/max of streamed blocks into buckets of *size* samples."""

    def __init__(self, size: int, capacity: int) -> None:
        self.size = size
        self.mins = np.empty(capacity, np.float32)
        self.maxs = np.empty(capacity, np.float32)
        self.ms = np.empty(capacity, np.float32)  # mean square
        self.n = 0
        self.carry = np.zeros(0, np.float32)

    def feed(self, block: np.ndarray) -> None:
        data = np.concatenate((self.carry, block)) if self.carry.size else block
        whole = len(data) // self.size * self.size
        if whole:
            cols = data[:whole].reshape(-1, self.size)
            k = len(cols)
            self._grow(self.n + k)
            self.mins[self.n : self.n + k] = cols.min(axis=1)
            self.maxs[self.n : self.n + k] = cols.max(axis=1)
            self.ms[self.n : self.n + k] = np.einsum("ij,ij->i", cols, cols) / self.size
            self.n += k
        self.carry = np.array(data[whole:], np.float32)

    def close(self) -> PeakLevel:
        if self.carry.size:
            self._grow(self.n + 1)
            self.mins[self.n], self.maxs[self.n] = self.carry.min(), self.carry.max()
            self.ms[self.n] = float(np.mean(np.square(self.carry, dtype=np.float64)))
            self.n += 1
            self.carry = np.zeros(0, np.float32)
        return PeakLevel(self.size, self.mins[: self.n].copy(), self.maxs[: self.n].copy(),
                         np.sqrt(self.ms[: self.n]))

    def _grow(self, need: int) -> None:
        if need > len(self.mins):  # only when the file held more samples than its header said
            cap = max(need, 2 * len(self.mins))
            self.mins = np.resize(self.mins, cap)
            self.maxs = np.resize(self.maxs, cap)
            self.ms = np.resize(self.ms, cap)


def _pyramid(base: PeakLevel, factor: int, min_buckets: int) -> tuple[PeakLevel, ...]:
    levels = [base]
    while len(levels[-1]) > min_buckets:
        prev = levels[-1]
        n = -(-len(prev) // factor)
        pad = n * factor - len(prev)
        mins = np.concatenate((prev.mins, np.full(pad, prev.mins[-1], np.float32))).reshape(n, factor).min(axis=1)
        maxs = np.concatenate((prev.maxs, np.full(pad, prev.maxs[-1], np.float32))).reshape(n, factor).max(axis=1)
        # RMS of the whole bucket from its parts (the padded tail reuses the last part's value)
        sq = np.concatenate((prev.rms, np.full(pad, prev.rms[-1], np.float32))) ** 2
        rms = np.sqrt(sq.reshape(n, factor).mean(axis=1)).astype(np.float32)
        levels.append(PeakLevel(prev.size * factor, mins, maxs, rms))
    return tuple(levels)


def _check(base: int, factor: int, min_buckets: int) -> None:
    if base < 1 or factor < 2 or min_buckets < 1:
        raise ValueError(f"peak levels need base >= 1, factor >= 2, min_buckets >= 1 (got {base}, {factor}, "
                         f"{min_buckets})")


def compute_peaks(
    path: str | os.PathLike,
    *,
    base: int = 256,
    factor: int = 4,
    min_buckets: int = 2048,
    progress: Progress | None = None,
) -> Peaks:
    """Stream an audio file once and build its peak pyramid.

    Parameters
    ----------
    path : path-like
    base : int >= 1
        Samples per bucket at the finest level (256 = 5.3 ms at 48 kHz, 8 buckets a 24 fps frame).
    factor : int >= 2
        Each level's buckets hold this many of the level below.
    min_buckets : int >= 1
        Stop folding once a level has at most this many buckets (the overview's resolution).
    progress : callable(fraction, stage), optional
        May raise :class:`~syncsheet.errors.Cancelled`.

    Returns
    -------
    Peaks

    Raises
    ------
    AudioError
        Whatever :func:`syncsheet.audio.probe` or :func:`~syncsheet.audio.blocks` raise.
    """
    _check(base, factor, min_buckets)
    info = audio.probe(path)
    folder = _Folder(base, max(1, -(-max(info.samples, 0) // base)))
    total = 0
    for block in audio.blocks(path, info=info, progress=progress):
        folder.feed(block)
        total += len(block)
    level = folder.close()
    if not len(level):
        level = PeakLevel(base, np.zeros(1, np.float32), np.zeros(1, np.float32), np.zeros(1, np.float32))
    return Peaks(info.sample_rate, total, _pyramid(level, factor, min_buckets), info.timecode_channels)


def peaks_of_samples(
    y: np.ndarray, sample_rate: int, *, base: int = 256, factor: int = 4, min_buckets: int = 2048
) -> Peaks:
    """:func:`compute_peaks` for samples already in memory (tests, synthesised signals)."""
    _check(base, factor, min_buckets)
    y = np.asarray(y, dtype=np.float32).ravel()
    folder = _Folder(base, max(1, -(-len(y) // base)))
    folder.feed(y)
    level = folder.close()
    if not len(level):
        level = PeakLevel(base, np.zeros(1, np.float32), np.zeros(1, np.float32), np.zeros(1, np.float32))
    return Peaks(int(sample_rate), len(y), _pyramid(level, factor, min_buckets))


def read_span(path: str | os.PathLike, start: int, stop: int, *, without: tuple[int, ...] = ()) -> np.ndarray:
    """Decode samples ``[start, stop)`` of a file as mono float32 (seeking, not streaming the rest).

    Used to draw a close zoom and to play one frame's slice of sound. A span past the end of the
    file comes back short. *without* are channels left out of the mix (:attr:`Peaks.without`); a
    file of those alone comes back silent.

    Raises
    ------
    AudioDecodeError
        When the file cannot be opened or sought.
    """
    start, stop = max(0, int(start)), max(0, int(stop))
    if stop <= start:
        return np.zeros(0, np.float32)
    try:
        with sf.SoundFile(os.fspath(path)) as fh:
            if start >= fh.frames > 0:
                return np.zeros(0, np.float32)
            fh.seek(start)
            data = fh.read(stop - start, dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, OSError) as exc:
        raise AudioDecodeError(f"{path}: cannot read samples {start}-{stop} ({exc})") from None
    data = ltc.without(data, without)
    mono = data[:, 0] if data.shape[1] == 1 else data.mean(axis=1, dtype=np.float32)
    return np.ascontiguousarray(mono)
