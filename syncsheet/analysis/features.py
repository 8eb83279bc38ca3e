"""The one spectral pass: stream audio into compact per-hop features every detector shares.

Audio of any sample rate is DC-blocked and resampled (polyphase, with state across blocks) to
:data:`SR` = 24 kHz, then cut into Hann-windowed frames of :data:`N_FFT` samples every :data:`HOP`
samples (5 ms, 200 hops a second; hop *n* is centred on ``n * HOP / SR`` seconds). Each block of
frames goes through one FFT and is reduced at once to small per-hop arrays; the spectrogram itself
is never kept, so a two-hour reel needs only ~60 bytes per hop (≈ 90 MB).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from math import gcd

import numpy as np
from scipy import signal

from ..progress import Progress

__all__ = ["SR", "HOP", "FPS", "N_FFT", "Features", "extract", "Resampler"]

SR = 24000
HOP = 120
FPS = SR / HOP  # 200 hops a second
N_FFT = 1024
LAG = 2  # SuperFlux difference lag in hops
CHROMA_DECIM = 4  # chroma is kept every 4 hops (50 per second)
FINE_DECIM = 2  # the fine log spectrum is kept every 2 hops (100 per second)
FINE_SCALE = 50.0  # fine log spectrum stored as uint8: log10(1 + magnitude) * FINE_SCALE
#: Edges (Hz) of the three flux bands: bass (kick, bass notes), mid, high (cymbals, noise).
FLUX_SPLITS = (250.0, 2000.0)
_CHUNK_FRAMES = 2048


@dataclass
class Features:
    """Per-hop features of a whole file (hop *n* is at ``n / FPS`` seconds).

    Attributes
    ----------
    flux : (n, 3) float32
        SuperFlux-style positive log-spectral flux in the bass, mid and high bands.
    energy : (n,) float32
        Mean square of the (DC-free) signal over each hop, for levels and stops.
    bands : (n, NB) float16
        Log band magnitudes on a coarse (half-octave) scale, for cue surprise and meter features.
    chroma : (n // 4, 12) float16
        Pitch-class profile (each hop's shares summed over :data:`CHROMA_DECIM` hops).
    fine : (n // 2, NF) uint8
        The log spectrum on 12 bands an octave, max over :data:`FINE_DECIM` hops, quantised
        (``log10(1 + magnitude) * FINE_SCALE``): for the cue detector, where effects' noise shows
        between the music's partials.
    band_hz : (NB,) float
        Centre frequency of each coarse band.
    duration : float
        Seconds of audio at the source rate.
    sample_rate : int
        Of the source.
    """

    flux: np.ndarray
    energy: np.ndarray
    bands: np.ndarray
    chroma: np.ndarray
    fine: np.ndarray
    band_hz: np.ndarray
    duration: float
    sample_rate: int

    @property
    def n(self) -> int:
        return len(self.energy)

    @property
    def activation(self) -> np.ndarray:
        """The onset activation: flux summed over the bands."""
        return self.flux.sum(axis=1)


class Resampler:
    """Polyphase resampling of a stream, exact across block boundaries.

    Each chunk is resampled with enough context on both sides that the output equals
    ``scipy.signal.resample_poly`` of the whole signal, but only a few blocks are ever held.
    """

    def __init__(self, sr_in: int, sr_out: int) -> None:
        g = gcd(int(sr_in), int(sr_out))
        self.up, self.down = int(sr_out) // g, int(sr_in) // g
        half = 10 * max(self.up, self.down) / self.up + 2  # filter half-length in input samples
        self.ctx = self.down * int(np.ceil(half / self.down))
        self._buf = np.zeros(self.ctx, np.float32)  # left context: zeros before the start
        self._done = 0  # input samples consumed into output (multiple of down)
        self._total = 0

    def __call__(self, x: np.ndarray, final: bool = False) -> np.ndarray:
        if self.up == self.down:
            return np.asarray(x, np.float32)
        self._total += len(x)
        self._buf = np.concatenate([self._buf, np.asarray(x, np.float32)])
        if final:
            n_out_total = -(-self._total * self.up // self.down)
            remaining = self._total - self._done
            n = self.down * -(-remaining // self.down)
            seg = np.concatenate([self._buf, np.zeros(n - remaining + self.ctx, np.float32)])
            out = self._run(seg, n)
            produced = self._done * self.up // self.down
            self._done += n
            return out[: max(0, n_out_total - produced)]
        avail = len(self._buf) - 2 * self.ctx
        n = (avail // self.down) * self.down
        if n <= 0:
            return np.zeros(0, np.float32)
        out = self._run(self._buf[: n + 2 * self.ctx], n)
        self._buf = self._buf[n:]
        self._done += n
        return out

    def _run(self, seg: np.ndarray, n: int) -> np.ndarray:
        y = signal.resample_poly(seg, self.up, self.down)
        skip = self.ctx * self.up // self.down
        return y[skip : skip + n * self.up // self.down].astype(np.float32, copy=False)


def _log_filterbank(n_fft: int, sr: int, per_octave: int, fmin: float, fmax: float) -> tuple[np.ndarray, np.ndarray]:
    """Triangular filters on a log frequency axis, merged where FFT bins are coarser than bands."""
    freqs = np.fft.rfftfreq(n_fft, 1.0 / sr)
    n_oct = np.log2(fmax / fmin)
    centres = fmin * 2.0 ** (np.arange(int(n_oct * per_octave) + 1) / per_octave)
    bins = np.unique(np.round(centres / (sr / n_fft)).astype(int))
    bins = bins[(bins > 0) & (bins < len(freqs) - 1)]
    fb = np.zeros((len(freqs), len(bins) - 2), np.float32)
    for i in range(len(bins) - 2):
        lo, c, hi = bins[i], bins[i + 1], bins[i + 2]
        fb[lo : c + 1, i] = np.linspace(0, 1, c - lo + 1)
        fb[c : hi + 1, i] = np.linspace(1, 0, hi - c + 1)
        fb[:, i] /= fb[:, i].sum()
    return fb, freqs[bins[1:-1]]


def _chroma_matrix(n_fft: int, sr: int) -> np.ndarray:
    freqs = np.fft.rfftfreq(n_fft, 1.0 / sr)
    m = np.zeros((len(freqs), 12), np.float32)
    ok = (freqs >= 100) & (freqs <= 5000)
    pc = np.round(12 * np.log2(freqs[ok] / 440.0)).astype(int) % 12
    m[np.flatnonzero(ok), pc] = 1.0
    return m


class _Analyser:
    """Holds the streaming state between blocks."""

    def __init__(self, sample_rate: int) -> None:
        self.sample_rate = int(sample_rate)
        self.resample = Resampler(sample_rate, SR)
        # one-pole DC blocker at ~10 Hz, so DC offset never reaches levels or spectra
        r = 1.0 - 2 * np.pi * 10.0 / sample_rate
        self._dc_b, self._dc_a = np.array([1.0, -1.0]), np.array([1.0, -r])
        self._dc_zi = np.zeros(1)
        self._first = True
        self.window = signal.windows.hann(N_FFT, sym=False).astype(np.float32)
        self.fb, self.fb_hz = _log_filterbank(N_FFT, SR, 12, 40.0, 11000.0)
        # coarse bands: groups of the fine bands, half an octave wide
        edges = 40.0 * 2.0 ** (np.arange(0, 16) / 2)
        group = np.clip(np.searchsorted(edges, self.fb_hz) - 1, 0, len(edges) - 2)
        used = np.unique(group)
        self.coarse = np.zeros((self.fb.shape[1], len(used)), np.float32)
        self.coarse[np.arange(self.fb.shape[1]), np.searchsorted(used, group)] = 1.0
        self.band_hz = np.array([np.exp(np.mean(np.log(self.fb_hz[group == u]))) for u in used])
        split = np.searchsorted(self.fb_hz, FLUX_SPLITS)
        self.flux_groups = [slice(0, split[0]), slice(split[0], split[1]), slice(split[1], None)]
        self.chroma_m = _chroma_matrix(N_FFT, SR)
        self.buf = np.zeros(N_FFT // 2, np.float32)  # centred frames: zeros before the start
        self.buf_start = -(N_FFT // 2)  # absolute sample index of buf[0]
        self.next_frame = 0
        self.prev_logs = np.zeros((0, self.fb.shape[1]), np.float32)  # last LAG max-filtered frames
        self.chroma_acc = np.zeros((0, 12), np.float32)
        self.energy_tail = np.zeros(0, np.float32)
        self.fine_acc = np.zeros((0, self.fb.shape[1]), np.float32)
        self.out: dict[str, list[np.ndarray]] = {"flux": [], "energy": [], "bands": [], "chroma": [], "fine": []}
        self.n_in = 0

    def feed(self, x: np.ndarray, final: bool = False) -> None:
        x = np.asarray(x, np.float64)
        if self._first and len(x):
            self._dc_zi = signal.lfilter_zi(self._dc_b, self._dc_a) * x[0]
            self._first = False
        self.n_in += len(x)
        if len(x):
            x, self._dc_zi = signal.lfilter(self._dc_b, self._dc_a, x, zi=self._dc_zi)
        y = self.resample(x.astype(np.float32), final=final)
        self._energy(y, final)
        if final:
            y = np.concatenate([y, np.zeros(N_FFT // 2, np.float32)])
        self.buf = np.concatenate([self.buf, y])
        self._frames(final)

    def _energy(self, y: np.ndarray, final: bool) -> None:
        e = np.concatenate([self.energy_tail, y])
        n = len(e) // HOP
        if final and len(e) > n * HOP:
            e = np.concatenate([e, np.zeros((n + 1) * HOP - len(e), np.float32)])
            n += 1
        sq = np.square(e[: n * HOP].reshape(n, HOP), dtype=np.float32).mean(axis=1)
        self.out["energy"].append(sq.astype(np.float32))
        self.energy_tail = e[n * HOP :]

    def _frames(self, final: bool) -> None:
        while True:
            first = self.next_frame * HOP - N_FFT // 2 - self.buf_start
            avail = (len(self.buf) - first - N_FFT) // HOP + 1
            if avail <= 0:
                break
            if not final and avail < _CHUNK_FRAMES:
                break
            k = min(avail, _CHUNK_FRAMES)
            seg = self.buf[first : first + (k - 1) * HOP + N_FFT]
            frames = np.lib.stride_tricks.sliding_window_view(seg, N_FFT)[::HOP]
            self._spectra(frames * self.window)
            self.next_frame += k
            drop = self.next_frame * HOP - N_FFT // 2 - self.buf_start
            if drop > 0:
                self.buf = self.buf[drop:]
                self.buf_start += drop

    def _spectra(self, frames: np.ndarray) -> None:
        mag = np.abs(np.fft.rfft(frames, axis=1)).astype(np.float32)
        fine = mag @ self.fb
        logs = np.log10(1.0 + fine)
        # SuperFlux: compare with the max over neighbouring bands LAG hops earlier (vibrato-proof)
        mx = np.maximum(logs, np.maximum(np.roll(logs, 1, axis=1), np.roll(logs, -1, axis=1)))
        hist = np.concatenate([self.prev_logs, mx])
        ref = hist[: len(hist) - LAG] if len(hist) > LAG else np.zeros((0, logs.shape[1]), np.float32)
        pad = len(logs) - len(ref)
        if pad > 0:  # the very first hops compare with silence
            ref = np.concatenate([np.zeros((pad, logs.shape[1]), np.float32), ref])
        diff = np.maximum(logs - ref[-len(logs) :], 0.0)
        self.prev_logs = hist[-LAG:]
        self.out["flux"].append(np.stack([diff[:, g].sum(axis=1) for g in self.flux_groups], axis=1))
        self.out["bands"].append(np.log10(1.0 + fine @ self.coarse).astype(np.float16))
        ch = np.square(mag) @ self.chroma_m
        ch = np.concatenate([self.chroma_acc, ch / (ch.sum(axis=1, keepdims=True) + 1e-9)])
        n = len(ch) // CHROMA_DECIM
        self.out["chroma"].append(ch[: n * CHROMA_DECIM].reshape(n, CHROMA_DECIM, 12).sum(axis=1).astype(np.float16))
        self.chroma_acc = ch[n * CHROMA_DECIM :]
        fl = np.concatenate([self.fine_acc, logs])
        n = len(fl) // FINE_DECIM
        q = fl[: n * FINE_DECIM].reshape(n, FINE_DECIM, -1).max(axis=1) * FINE_SCALE
        self.out["fine"].append(np.clip(np.round(q), 0, 255).astype(np.uint8))
        self.fine_acc = fl[n * FINE_DECIM :]

    def result(self) -> Features:
        def cat(name, width, dtype):
            parts = self.out[name]
            return np.concatenate(parts) if parts else np.zeros((0, width) if width else 0, dtype)

        flux = cat("flux", 3, np.float32)
        energy = cat("energy", 0, np.float32)
        n = min(len(flux), len(energy))
        return Features(
            flux=flux[:n],
            energy=energy[:n],
            bands=cat("bands", len(self.band_hz), np.float16)[:n],
            chroma=cat("chroma", 12, np.float16),
            fine=cat("fine", self.fb.shape[1], np.uint8),
            band_hz=self.band_hz,
            duration=self.n_in / self.sample_rate,
            sample_rate=self.sample_rate,
        )


def extract(
    blocks: Iterable[np.ndarray],
    sample_rate: int,
    total_samples: int | None = None,
    *,
    progress: Progress | None = None,
) -> Features:
    """Run the spectral pass over a stream of mono blocks.

    Parameters
    ----------
    blocks : iterable of 1-D float arrays
        Mono samples in -1..1, in order.
    sample_rate : int
        Of the blocks (any rate; 8 kHz to 192 kHz and beyond).
    total_samples : int, optional
        For progress reports.
    progress : callable(fraction, stage), optional
        May raise :class:`~syncsheet.errors.Cancelled`.

    Returns
    -------
    Features
    """
    an = _Analyser(sample_rate)
    for block in blocks:
        an.feed(block)
        if progress is not None and total_samples:
            progress(min(1.0, an.n_in / total_samples), "spectrum")
    an.feed(np.zeros(0, np.float32), final=True)
    return an.result()
