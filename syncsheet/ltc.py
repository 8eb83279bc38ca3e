"""SMPTE linear timecode (LTC) on an audio channel: found, read, and left out of the music.

A camera's second channel, a location recorder's last track or a tape transfer often carries LTC:
80 bits a frame, biphase-mark coded (a level change at every bit's start, and another half-way
through a 1), ending in the sync word ``0011111111111101``. Mixed in with the music it is a loud
buzz from 1 kHz up: the beats, onsets, cues and per-frame levels were the timecode's, not the
music's. :func:`find` reads a file's first seconds, channel by channel; a channel whose frames carry
consecutive labels carries timecode, whose label at the first sample is the file's place on its
timeline (as a Broadcast WAV's time reference is), and where the code is all the channel holds
(:data:`ALONE_DB`) :mod:`syncsheet.audio` leaves that channel out of the mix.

Bit layout (SMPTE ST 12-1, each field least significant bit first): frame units 0–3, frame tens
8–9, drop-frame flag 10, second units 16–19, tens 24–26, minute units 32–35, tens 40–42, hour
units 48–51, tens 56–57, sync word 64–79; the rest are user bits and flags.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from fractions import Fraction

import numpy as np

from . import timebase as tb

__all__ = ["Ltc", "find", "search", "without", "unexplained_db", "encode", "PROBE_SECONDS", "LEADER_SECONDS",
           "MIN_FRAMES", "ALONE_DB"]

#: Seconds of the file's start read for timecode: 48 frames at 24 fps, a seconds boundary for sure.
PROBE_SECONDS = 2.0
#: How far a file is read on for a code while one of its channels is still silent (a tape's blank
#: leader before its timecode track starts): a sheet's start is the code's only where it is found.
LEADER_SECONDS = 30.0
_SILENT = 10 ** (-50 / 20)  # a channel under -50 dBFS throughout a block is silent
#: Consecutive frames that make a channel timecode: music never forms even one sync word with
#: valid digits before it at the bit rate, let alone a run of labels counting up.
MIN_FRAMES = 4
_SYNC = "0011111111111101"
#: The rates LTC runs at, and the whole-frame count each is written in.
_RATES = (Fraction(24000, 1001), Fraction(24), Fraction(25), Fraction(30000, 1001), Fraction(30))
_LEVEL = 0.2  # a level change is a swing past a fifth of the signal's peak (noise near 0 is none)
_SLACK = 0.3  # a half-bit interval is within 30 % of its period, a whole bit within 30 % of twice it
_MIN_RATE = 16000  # below it a half bit (3,000 a second at 30 fps) is under three samples
#: A channel is timecode alone where the loudest 50 ms of what its code does not explain, under
#: :data:`_LOW_HZ`, are this far under it (dB; :func:`unexplained_db`). At 23.976-30 fps a code
#: through a camera's input or a lossy codec leaves at most -25.2 there (MP3 at its lowest quality;
#: high-passed at 300 Hz -27.3 to -28.9; Ogg Vorbis, low-passed, clipped or over a hiss lower);
#: bench music mixed in 20 dB under the code -21.3 and up (median -17.7), 10 dB under -14.0 and up:
#: such a channel is kept for its sound. Music 30 dB under a code is mostly taken for the code's.
ALONE_DB = -23.0
#: What a code leaves is measured under this (Hz): a codec's noise and a filter's ringing lie with
#: the code's own energy (1-2.4 kHz and up), music mixed in mostly below it (over every band, a
#: Vorbis file's code left -14 dB against music's -16 to -19).
_LOW_HZ = 800.0
_FIT_TAPS = 64  # the code's path to the channel (filters, a high-pass's droop), fitted as an FIR
_FIT_SECONDS = 0.5
_WINDOW_S = 0.05


@dataclass(frozen=True)
class Ltc:
    """The timecode a file's channels carry.

    Attributes
    ----------
    channels : tuple of int
        The channels (0-based) that carry it alone (:data:`ALONE_DB`): one as a rule, every one
        where a timecode file was copied to stereo. They are left out of the sound.
    mixed : tuple of int
        Channels where the code is mixed with louder other sound, which are kept for it.
    rate : FrameRate
        The frame rate the timecode counts (29.97 drop-frame where its frames say so).
    time_reference : int or None
        Samples since midnight of the file's first sample, as a Broadcast WAV's TimeReference
        counts them; None where the timecode would put the file's start before midnight.
    start : str or None
        The timecode of the frame nearest the file's first sample, at :attr:`rate`.
    """

    channels: tuple[int, ...]
    rate: tb.FrameRate
    time_reference: int | None
    start: str | None
    mixed: tuple[int, ...] = ()

    @property
    def channel(self) -> int:
        """The channel whose code gave :attr:`rate` and :attr:`time_reference` (the first)."""
        return min(self.channels + self.mixed)


def _edges(x: np.ndarray) -> np.ndarray:
    """Sample indices where the level changes: the first sample past the threshold on the other
    side (a fixed delay, the same at every edge, so the intervals are exact)."""
    x = np.asarray(x, np.float64)
    x = x - np.median(x)
    peak = float(np.percentile(np.abs(x), 95)) if len(x) else 0.0
    if peak <= 1e-4:
        return np.zeros(0, np.int64)
    idx = np.flatnonzero(np.abs(x) > _LEVEL * peak)
    high = x[idx] > 0
    return idx[np.flatnonzero(high[1:] != high[:-1]) + 1]


def unexplained_db(x: np.ndarray, edges: np.ndarray, sample_rate: int) -> float:
    """How far under the channel *x* the loudest 50 ms of what its code does not explain are (dB):
    the code rebuilt from its *edges* as a square wave and passed through the least-squares FIR of
    :data:`_FIT_TAPS` taps (the recording's filters and droop) fitted on :data:`_FIT_SECONDS` of it,
    what is left taken under :data:`_LOW_HZ`; the loudest stretch, not the mean, since music mixed in
    can be a few notes or clicks."""
    x = np.asarray(x, np.float64)
    a, b = int(edges[0]) + _FIT_TAPS, int(edges[-1]) - _FIT_TAPS
    fit_end = min(b, a + int(_FIT_SECONDS * sample_rate))
    if fit_end - a < 4 * _FIT_TAPS:
        return 0.0
    steps = np.zeros(len(x))
    steps[edges] = 2.0 * (np.arange(len(edges)) % 2) - 1.0  # the level flips at every edge
    square = np.cumsum(steps)
    square -= square[a:b].mean()
    shifts = range(-_FIT_TAPS // 2, _FIT_TAPS // 2)
    lags = np.stack([square[a + k : fit_end + k] for k in shifts], axis=1)
    fit, *_ = np.linalg.lstsq(lags, x[a:fit_end], rcond=None)
    model = sum(w * square[a + k : b + k] for w, k in zip(fit, shifts, strict=True))
    rest = np.fft.rfft(x[a:b] - model)
    rest[np.fft.rfftfreq(b - a, 1.0 / sample_rate) > _LOW_HZ] = 0.0
    rest = np.fft.irfft(rest, b - a) ** 2
    win = max(1, int(_WINDOW_S * sample_rate))
    rest = rest[win : len(rest) - win] if len(rest) > 4 * win else rest  # the filter wraps around its ends
    loudest = max(float(rest[i : i + win].mean()) for i in range(0, max(1, len(rest) - win + 1), win // 2 or 1))
    return 10.0 * np.log10(max(loudest, 1e-30) / max(float(np.mean(x[a:b] ** 2)), 1e-30))


def _half_bit(d: np.ndarray) -> float | None:
    """The half-bit period (samples) of the intervals *d*, or None where they are no biphase code:
    each is one half bit or two, so splitting them at 1.5 half bits and refitting settles at once."""
    if len(d) < 2 * 80 * MIN_FRAMES:
        return None
    h = float(np.median(d)) / 1.5
    for _ in range(4):
        short = d < 1.5 * h
        if short.all() or not short.any():
            return None
        h = float(np.concatenate([d[short], d[~short] / 2.0]).mean())
    near = (np.abs(d - h) <= _SLACK * h) | (np.abs(d - 2 * h) <= 2 * _SLACK * h)
    return h if near.mean() >= 0.95 else None


def _bits(edges: np.ndarray, h: float) -> tuple[str, np.ndarray]:
    """The bits ('0', '1', or 'x' where the code breaks) and the sample each starts at."""
    d = np.diff(edges)
    short = np.abs(d - h) <= _SLACK * h
    long = np.abs(d - 2 * h) <= 2 * _SLACK * h
    out, at = [], []
    i = 0
    while i < len(d):
        at.append(edges[i])
        if long[i]:
            out.append("0")
            i += 1
        elif short[i] and i + 1 < len(d) and short[i + 1]:
            out.append("1")
            i += 2
        else:
            out.append("x")
            i += 1
    return "".join(out), np.asarray(at, np.int64)


def _field(bits: str, at: int, n: int) -> int:
    return sum(1 << k for k in range(n) if bits[at + k] == "1")


def _read(x: np.ndarray, sample_rate: int) -> tuple[list, np.ndarray]:
    """Every whole LTC frame in one channel's samples *x*, and the edges they were read from. Per
    frame: the sample its first bit starts at, its (hours, minutes, seconds, frames) label and its
    drop-frame flag; frames whose digits are out of range are left out."""
    if sample_rate < _MIN_RATE:
        return [], np.zeros(0, np.int64)
    edges = _edges(x)
    h = _half_bit(np.diff(edges)) if len(edges) > 1 else None
    if h is None:
        return [], edges
    bits, at = _bits(edges, h)
    frames = []
    p = bits.find(_SYNC, 64)
    while p >= 0:
        frame = bits[p - 64 : p + 16]
        if "x" not in frame:
            # (units, tens) of frames, seconds, minutes and hours, each BCD digit in range
            digits = [(_field(frame, u, 4), _field(frame, t, w)) for u, t, w in ((0, 8, 2), (16, 24, 3), (32, 40, 3),
                                                                              (48, 56, 2))]
            ff, ss, mm, hh = (units + 10 * tens for units, tens in digits)
            if all(units < 10 for units, _ in digits) and ff < 30 and ss < 60 and mm < 60 and hh < 24:
                frames.append((int(at[p - 64]), (hh, mm, ss, ff), frame[10] == "1"))
        p = bits.find(_SYNC, p + 16)
    return frames, edges


def _rate(frames: list, sample_rate: int) -> tb.FrameRate | None:
    """The frame rate of a run of consecutive *frames*: the LTC rate nearest their period, among
    those whose count the labels fit (a label of frame 24 is no 24 fps code; 29.97 where flagged
    drop-frame)."""
    period = (frames[-1][0] - frames[0][0]) / (len(frames) - 1)
    measured = sample_rate / period
    top = max(f[1][3] for f in frames)
    drop = all(f[2] for f in frames)
    fits = [r for r in _RATES if tb.FrameRate(r).nominal > top and (not drop or r == Fraction(30000, 1001))]
    if not fits:
        return None
    best = min(fits, key=lambda r: abs(np.log(measured / float(r))))
    if abs(np.log(measured / float(best))) > 0.02:  # a code at some other speed (varispeed, a wrong rate)
        return None
    return tb.FrameRate(best, drop_frame=drop)


def _consecutive(frames: list) -> list:
    """The longest run of frames whose labels count up by one frame each: within a second, or
    from a second's last frame (23 at 24 fps, 29 at 30) to the next one's first (02 where
    drop-frame skips 00 and 01); the count itself is checked by :func:`_rate`."""
    best: list = []
    run: list = []
    for f in frames:
        if run:
            (h0, m0, s0, f0), (h1, m1, s1, f1) = run[-1][1], f[1]
            secs0, secs1 = h0 * 3600 + m0 * 60 + s0, h1 * 3600 + m1 * 60 + s1
            if not ((secs1 == secs0 and f1 == f0 + 1) or (secs1 == secs0 + 1 and f1 in (0, 2) and f0 >= 23)):
                run = []
        run.append(f)
        if len(run) > len(best):
            best = list(run)
    return best


def search(blocks: Iterable[np.ndarray], sample_rate: int) -> Ltc | None:
    """:func:`find` in a file's first block (:data:`PROBE_SECONDS`), and in the next ones while a
    channel has been silent so far (a tape's blank leader before its code), up to
    :data:`LEADER_SECONDS` in: each later block only on those channels (an 8-track recorder's
    empty tracks would otherwise have every track read for 30 s)."""
    at = 0
    waiting: list[int] | None = None  # the channels silent so far (None: every channel, at first)
    for block in blocks:
        block = np.asarray(block)
        block = block.reshape(len(block), -1)
        look = block if waiting is None else block[:, waiting]
        if (code := find(look, sample_rate, at=at)) is not None:
            if waiting is None:
                return code
            return replace(code, channels=tuple(waiting[c] for c in code.channels),
                           mixed=tuple(waiting[c] for c in code.mixed))
        at += len(block)
        peaks = np.max(np.abs(np.nan_to_num(look)), axis=0, initial=0.0)
        waiting = [c for c, p in zip(range(block.shape[1]) if waiting is None else waiting, peaks, strict=True)
                   if p < _SILENT]
        if not waiting or at >= LEADER_SECONDS * sample_rate:
            return None
    return None


def find(block: np.ndarray, sample_rate: int, *, at: int = 0) -> Ltc | None:
    """The LTC that channels of *block* carry (the first one's: its rate and place), or None.

    Parameters
    ----------
    block : (n,) or (n, channels) array
        The start of a file (:data:`PROBE_SECONDS` of it is enough).
    sample_rate : int
    at : int
        The file's sample *block* starts at (the file's place is its first sample's).

    Returns
    -------
    Ltc or None
        None where no channel has :data:`MIN_FRAMES` consecutive frames at an LTC rate.
    """
    # a corrupt sample is no code (and must not warn): as the analysis reads it
    block = np.nan_to_num(np.asarray(block, np.float32), nan=0.0, posinf=1.0, neginf=-1.0)
    if block.ndim == 1:
        block = block[:, None]
    if len(block) < 2:
        return None
    found = []
    for c in range(block.shape[1]):
        frames, edges = _read(block[:, c], sample_rate)
        run = _consecutive(frames)
        if len(run) >= MIN_FRAMES and (rate := _rate(run, sample_rate)) is not None:
            found.append((c, run, rate, unexplained_db(block[:, c], edges, sample_rate) <= ALONE_DB))
    if not found:
        return None
    channels = tuple(c for c, _, _, alone in found if alone)
    mixed = tuple(c for c, _, _, alone in found if not alone)
    _, run, rate, _ = found[0]
    first, (hh, mm, ss, ff), _ = run[0]
    label = int(tb.frames_from_fields(hh, mm, ss, ff, rate))
    # a frame's first bit starts with the frame it labels: the file's first sample is *at* + *first*
    # samples before that
    reference = round(Fraction(label) * sample_rate / rate.rate) - at - first
    if reference < 0:
        return Ltc(channels, rate, None, None, mixed)
    start = tb.to_timecode(round(Fraction(reference) * rate.rate / sample_rate), rate)
    return Ltc(channels, rate, reference, start, mixed)


def without(block: np.ndarray, channels: tuple[int, ...]) -> np.ndarray:
    """*block* (samples, channels) less *channels*; where that leaves none, one channel of silence."""
    keep = [c for c in range(block.shape[1]) if c not in channels]
    if len(keep) == block.shape[1]:
        return block
    return block[:, keep] if keep else np.zeros((len(block), 1), block.dtype)


def encode(seconds: float, sample_rate: int, rate: tb.FrameRate, first_frame: int, *, lead: float = 0.0,
           level: float = 0.5) -> np.ndarray:
    """LTC as a generator writes it (for tests and benchmarks): frames from *first_frame* (0-based
    since midnight, counted at *rate*), biphase-mark coded at *level*, edges softened over a few
    samples; the first frame's first bit starts *lead* seconds in, after the end of the frame before.

    Returns
    -------
    numpy.ndarray
        (round(seconds * sample_rate),) float32.
    """
    bit = sample_rate / (80 * float(rate.rate))
    total = int(round(seconds * sample_rate))
    start = lead * sample_rate - 80 * bit  # the frame before the first
    n_frames = int((total - start) / (80 * bit)) + 1
    y = np.zeros(total, np.float32)
    sign = 1.0
    for k in range(n_frames):
        hh, mm, ss, ff = (int(v) for v in tb.timecode_fields(first_frame - 1 + k, rate))
        bits = [0] * 80
        for value, at, width in ((ff % 10, 0, 4), (ff // 10, 8, 2), (ss % 10, 16, 4), (ss // 10, 24, 3),
                                 (mm % 10, 32, 4), (mm // 10, 40, 3), (hh % 10, 48, 4), (hh // 10, 56, 2)):
            for i in range(width):
                bits[at + i] = (value >> i) & 1
        bits[10] = int(rate.drop_frame)
        bits[64:80] = [int(c) for c in _SYNC]
        for i, v in enumerate(bits):
            a = start + (80 * k + i) * bit
            for lo, hi, flips in ((a, a + bit / 2, True), (a + bit / 2, a + bit, bool(v))):
                if flips:
                    sign = -sign
                y[max(0, int(round(lo))) : max(0, min(total, int(round(hi))))] = sign
    kernel = np.hanning(6)[1:-1]
    return (level * np.convolve(y, kernel / kernel.sum(), "same")).astype(np.float32)
