"""The one spectral pass: stream audio into compact per-hop features every detector shares.

Audio of any sample rate is freed of DC, resampled to the one analysis rate, 22.05 kHz
(:mod:`.resample`: exact in time, with state across blocks), and cut into Hann-windowed frames of
42.7 ms every 5 ms: hop *n* is centred on exactly ``n / FPS`` seconds whatever the rate (the hop
in samples is fractional and rounded per frame), so every detector downstream works in one clock.
Each block of frames goes through one FFT and is reduced at once to small per-hop arrays; the
spectrogram itself is never kept, so a two-hour reel needs only ~183 bytes per hop (≈ 264 MB
less what it shares). The pass runs on two threads (:mod:`._threads`): the caller's decodes,
resamples, windows and transforms each block while a second thread reduces the one before. The FFT
is numpy's: scipy's is four times as fast on these frames, but importing it (with the numpy modules
it pulls in) took 0.3 s, about what numpy's FFTs of a 3-minute song take (0.34 s).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import numpy as np

from ..progress import Progress
from ._threads import InOrder, one_blas_thread
from ._windows import window_extreme
from .resample import ANALYSIS_RATE, Resampler, analysis_rate
from .working_level import RunningGain

__all__ = ["FPS", "WINDOW_S", "Features", "extract"]

FPS = 200  # hops a second: 5 ms
WINDOW_S = 0.0427  # analysis window (941 samples at the 22.05 kHz analysis rate)
LAG = 2  # SuperFlux difference lag in hops
CHROMA_DECIM = 4  # chroma is kept every 4 hops (50 per second)
FINE_DECIM = 2  # the fine log spectrum is kept every 2 hops (100 per second)
FINE_SCALE = 50.0  # fine log spectrum stored as uint8: log10(1 + magnitude) * FINE_SCALE
#: The onset novelty's log compression: log10(1 + ONSET_GAIN * magnitude) is logarithmic down to
#: partials near -100 dBFS, so a soft note's rise counts like a loud one's (plain log10(1 + magnitude)
#: is nearly linear below -50 dBFS, where soft legato notes live).
ONSET_GAIN = 1000.0
#: The onset novelty's bands an octave (where FFT bins are finer): fine enough that a new note's
#: partials rise from the floor between a held chord's partials instead of sharing their bands.
ONSET_BANDS_PER_OCTAVE = 48
#: The onset novelty compares each band with its maximum over hops LAG .. ONSET_HOLD + LAG earlier
#: (10-40 ms): a tremolo or bowing swell that returns to a level the band just held is no onset.
ONSET_HOLD = 6
#: A band counts in the onset novelty only for what it rises beyond this step (log10 units: 1 dB).
#: Tremolo and the beating of a held chord move a band by a dB or so a hop, an attack by many.
ONSET_STEP = 0.05
#: No band counts below the loudest band of the reference hops less this range (log10 units, about
#: 70 dB, so independent of the mix level): the splatter of a note's abrupt end lands there.
ONSET_RANGE = 3.5
#: :attr:`Features.onset_strong` keeps, of each band's rise over the last ONSET_SPAN hops, only the
#: bands up by ONSET_STRONG or more (log10 units: 6 dB): a note lifts its partials out of the sound
#: by many dB each, while a dense held sound (ensemble strings, a choir, reverb) wobbles in many
#: bands by a little at once.
ONSET_STRONG = 0.3
ONSET_SPAN = 3
#: :attr:`Features.onset_high` is the onset novelty of the bands above this (Hz) alone: a hi-hat or
#: cymbal tick rises there only, in a tenth of the bands, so a dense held sound's wobble below hides it
#: in the sum.
ONSET_HIGH_HZ = 6000.0
#: Edges (Hz) of the three flux bands: bass (kick, bass notes), mid, high (cymbals, noise).
FLUX_SPLITS = (250.0, 2000.0)
_CHUNK_FRAMES = 1024
#: The spectral floor (:attr:`Features.floor`): each FFT bin's log magnitude opened along frequency
#: (a minimum, then a maximum, over ±FLOOR_HALF_HZ), which drops partials (a Hann main lobe is
#: ±47 Hz wide) and keeps what fills the gaps between them; averaged in third-octave bands.
FLOOR_HALF_HZ = 110.0
FLOOR_BANDS_PER_OCTAVE = 3


@dataclass
class Features:
    """Per-hop features of a whole file (hop *n* is at ``n / FPS`` seconds).

    Attributes
    ----------
    flux : (n, 3) float32
        SuperFlux-style positive log-spectral flux in the bass, mid and high bands.
    energy : (n,) float32
        Mean square of the (DC-free) signal over each hop, for levels and stops (the file's own
        level: :attr:`gain_db` is not applied).
    bands : (n, NB) float16
        Log band magnitudes on a coarse (half-octave) scale, for cue surprise and meter features.
    chroma : (n // 4, 12) float16
        Pitch-class profile (each hop's shares summed over :data:`CHROMA_DECIM` hops).
    onset : (n,) float32
        The onset novelty: per band, the rise of the strongly compressed log magnitude above the
        band's maximum 10-40 ms earlier (plus :data:`ONSET_STEP`, and never less than the loudest band
        then less :data:`ONSET_RANGE`), summed over :data:`ONSET_BANDS_PER_OCTAVE` bands an
        octave. Unlike :attr:`flux` it has no max filter across bands: on the benchmark sets it hid
        more new notes next to held ones than vibrato it kept out.
    onset_strong : (n,) float32
        Of each band's rise in :attr:`onset` summed over the last :data:`ONSET_SPAN` hops, the sum
        over the bands whose rise reaches :data:`ONSET_STRONG` (the rest is small rises, what a
        dense held sound's wobble makes); the whole of it is ``onset`` summed over those hops.
    onset_high : (n,) float32
        The part of :attr:`onset` from the bands above :data:`ONSET_HIGH_HZ` (zeros where the
        analysis rate has none).
    fine : (n // 2, NF) uint8
        The log spectrum on 12 bands an octave, max over :data:`FINE_DECIM` hops, quantised
        (``log10(1 + magnitude) * FINE_SCALE``): for the cue detector, where effects' noise shows
        between the music's partials.
    floor : (n // 2, NL) uint8
        The spectral floor between partials, same scale and rows as :attr:`fine`: per FFT bin the
        log magnitude (max over :data:`FINE_DECIM` hops) opened along frequency over
        ±:data:`FLOOR_HALF_HZ` (so a partial's peak is dropped and the noise between partials is
        kept), averaged in third-octave bands: for the cue detector, since effects are mostly noise
        that raises the floor where a new note raises only its partials.
    band_hz : (NB,) float
        Centre frequency of each coarse band.
    fine_hz : (NF,) float
        Centre frequency of each band of :attr:`fine`.
    duration : float
        Seconds of audio at the source rate.
    sample_rate : int
        Of the source.
    gain_db : float
        The mean gain (dB) the spectral features were taken at (:mod:`.working_level`; 0 for most
        music).
    gain : (n,) float16
        The gain (dB) each hop's spectrum was taken at: it steps in the silences between a slow click
        track's clicks, so like sounds a few seconds apart differ by it in :attr:`fine`.
    flipped : tuple of int
        The channels whose polarity was turned over for the mix (:data:`CANCEL_DB`; none for most
        files).
    """

    flux: np.ndarray
    energy: np.ndarray
    bands: np.ndarray
    chroma: np.ndarray
    fine: np.ndarray
    band_hz: np.ndarray
    duration: float
    sample_rate: int
    fine_hz: np.ndarray = field(default_factory=lambda: np.zeros(0))
    onset: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    onset_strong: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    onset_high: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    floor: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.uint8))
    gain_db: float = 0.0
    gain: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float16))
    flipped: tuple[int, ...] = ()

    #: A slice must start on a multiple of this many hops (a chroma row, and so a fine row).
    ALIGN = CHROMA_DECIM

    @property
    def n(self) -> int:
        return len(self.energy)

    def slice(self, start: int, stop: int) -> Features:
        """The features of hops *start* .. *stop* (views, not copies), as if the audio were that part.

        *start* must be a multiple of :attr:`ALIGN`. The gain and the sample rate stay the file's."""
        if start % self.ALIGN:
            raise ValueError(f"a slice starts on a multiple of {self.ALIGN} hops, not at hop {start}")
        stop = min(max(stop, start), self.n)
        rows = slice(start // FINE_DECIM, start // FINE_DECIM + (stop - start) // FINE_DECIM)
        hop = slice(start, stop)

        def cut(x: np.ndarray, s: slice) -> np.ndarray:
            return x[s] if len(x) else x

        return replace(
            self, flux=self.flux[hop], energy=self.energy[hop], bands=self.bands[hop],
            chroma=self.chroma[start // CHROMA_DECIM : start // CHROMA_DECIM + (stop - start) // CHROMA_DECIM],
            fine=self.fine[rows], floor=cut(self.floor, rows), onset=cut(self.onset, hop),
            onset_strong=cut(self.onset_strong, hop), onset_high=cut(self.onset_high, hop),
            gain=cut(self.gain, hop), duration=(stop - start) / FPS,
        )

    @property
    def activation(self) -> np.ndarray:
        """The onset activation: flux summed over the bands."""
        return self.flux.sum(axis=1)


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
    return fb, freqs[bins[1:-1]], bins


class _Triangles:
    """The triangular filterbank applied as two segment sums (each bin feeds at most two bands):
    a tenth of the work of the dense matrix product."""

    def __init__(self, fb: np.ndarray, bins: np.ndarray) -> None:
        nb = fb.shape[1]
        self.lo, self.hi = int(bins[0]), int(bins[-1])
        k = np.arange(self.lo, self.hi)
        rise_band = np.searchsorted(bins, k, side="right") - 1  # band whose rising edge holds bin k
        fall_band = rise_band - 1  # band whose falling edge (peak included) holds bin k
        self.w_rise = np.where(rise_band < nb, fb[k, np.clip(rise_band, 0, nb - 1)], 0).astype(np.float32)
        self.w_fall = np.where(fall_band >= 0, fb[k, np.clip(fall_band, 0, nb - 1)], 0).astype(np.float32)
        self.starts = (bins[:-1] - self.lo).astype(np.intp)
        self.nb = nb

    def __call__(self, mag: np.ndarray) -> np.ndarray:
        m = mag[:, self.lo : self.hi]
        rise = np.add.reduceat(m * self.w_rise, self.starts, axis=1)
        fall = np.add.reduceat(m * self.w_fall, self.starts, axis=1)
        return rise[:, : self.nb] + fall[:, 1 : self.nb + 1]


class _Column:
    """A feature array filled block by block into one buffer, grown by half when it is full.

    Kept as thousands of per-block pieces until the end of the pass, a reel's features stayed
    scattered through the heap between the blocks' temporaries, which could then not be given
    back: the 2 h reel's spectral pass peaked at about 2.5 times its features. One buffer per
    feature, sized from the audio's length where it is known, keeps the heap to one block's
    temporaries (pages of the buffer not yet written are not resident).
    """

    def __init__(self, width: int, dtype: type, capacity: int) -> None:
        self.buf = np.empty((capacity, width) if width else capacity, dtype)
        self.n = 0

    def append(self, x: np.ndarray) -> None:
        need = self.n + len(x)
        if need > len(self.buf):
            grown = np.empty((max(need, len(self.buf) * 3 // 2 + 1024), *self.buf.shape[1:]), self.buf.dtype)
            grown[: self.n] = self.buf[: self.n]
            self.buf = grown
        self.buf[self.n : need] = x
        self.n = need

    def array(self) -> np.ndarray:
        return self.buf[: self.n]


#: Where the mean of the channels keeps less than this of their power (dB), they cancel: one is in
#: opposite polarity (a miswired transfer: the file plays, but a mono recording copied to two
#: channels with one inverted was analysed as silence), and the channels that run against the
#: loudest are turned over for the mix. Music's own stereo does not come near it: of 1,157 benchmark
#: renders, whose soundfonts' stereo samples are often out of phase, the mix lost at most 13.2 dB.
CANCEL_DB = -20.0


def _zero_runs(x: np.ndarray, min_len: int) -> np.ndarray | None:
    """Mask of the samples in runs of at least *min_len* exact zeros (None: there are none)."""
    zero = x == 0
    if np.count_nonzero(zero) < min_len:  # music has a few exact zeros, never a run's worth
        return None
    z = np.concatenate([[False], zero, [False]])
    edges = np.flatnonzero(np.diff(z.astype(np.int8)))
    starts, ends = edges[::2], edges[1::2]
    long = ends - starts >= min_len
    step = np.zeros(len(x) + 1, np.int32)  # +1 where a long run starts, -1 where it ends
    np.add.at(step, starts[long], 1)
    np.add.at(step, ends[long], -1)
    return np.cumsum(step[:-1]) > 0


def _follow(dc, mean):
    """An offset followed slowly from block means (a fifth of the way each block); the first is taken whole."""
    return mean if dc is None else 0.8 * dc + 0.2 * mean


class _Analyser:
    """Holds the streaming state between blocks."""

    def __init__(self, sample_rate: int, total_samples: int | None = None) -> None:
        self.sample_rate = int(sample_rate)
        self.resample = Resampler(*analysis_rate(self.sample_rate))
        self.sr = float(ANALYSIS_RATE)
        self.win = int(round(WINDOW_S * self.sr))
        self.n_fft = 1 << int(np.ceil(np.log2(self.win)))
        # a file below the analysis rate has nothing above its resampling filter's cut (0.45 of its
        # rate); the filter's images there are zeroed, so those bands are silent, not faint noise
        # that the strongly compressed onset novelty would count
        self.band_limit = None
        if self.sample_rate < self.sr:
            self.band_limit = int(np.floor(0.45 * self.sample_rate * self.n_fft / self.sr)) + 1
        n = np.arange(self.win)
        self.window = (0.5 - 0.5 * np.cos(2 * np.pi * n / self.win)).astype(np.float32)
        # magnitudes as if the window were 1024 samples long: the scale every threshold was set on
        self.window *= np.float32(1024 / self.win)
        fmax = min(11000.0, 0.45 * self.sr)
        self.fb, self.fb_hz, fb_bins = _log_filterbank(self.n_fft, self.sr, 12, 40.0, fmax)
        self.filters = _Triangles(self.fb, fb_bins)
        ofb, ofb_hz, ofb_bins = _log_filterbank(self.n_fft, self.sr, ONSET_BANDS_PER_OCTAVE, 40.0, fmax)
        self.onset_filters = _Triangles(ofb, ofb_bins)
        self.onset_high_from = int(np.searchsorted(ofb_hz, ONSET_HIGH_HZ))
        # coarse bands: groups of the fine bands, half an octave wide
        edges = 40.0 * 2.0 ** (np.arange(0, 16) / 2)
        group = np.clip(np.searchsorted(edges, self.fb_hz) - 1, 0, len(edges) - 2)
        used = np.unique(group)
        self.coarse = np.zeros((self.fb.shape[1], len(used)), np.float32)
        self.coarse[np.arange(self.fb.shape[1]), np.searchsorted(used, group)] = 1.0
        self.band_hz = np.array([np.exp(np.mean(np.log(self.fb_hz[group == u]))) for u in used])
        split = np.searchsorted(self.fb_hz, FLUX_SPLITS)
        self.flux_groups = [slice(0, split[0]), slice(split[0], split[1]), slice(split[1], None)]
        # chroma from the semitone-spaced fine bands where they resolve single semitones
        self.chroma_m = np.zeros((self.fb.shape[1], 12), np.float32)
        ok = (self.fb_hz >= 150) & (self.fb_hz <= 5000)
        pc = np.round(12 * np.log2(self.fb_hz[ok] / 440.0)).astype(int) % 12
        self.chroma_m[np.flatnonzero(ok), pc] = 1.0
        self.half = self.win // 2
        self.buf = np.zeros(self.half, np.float32)  # centred frames: zeros before the start
        self.buf_start = -self.half  # absolute sample index of buf[0]
        self.n_dec = 0  # samples at the analysis rate so far
        self.next_frame = 0
        self.prev_logs = np.zeros((0, self.fb.shape[1]), np.float32)  # last LAG max-filtered frames
        self.prev_onset = np.zeros((LAG + ONSET_HOLD, ofb.shape[1]), np.float32)  # silence before
        self.prev_rise = np.zeros((ONSET_SPAN - 1, ofb.shape[1]), np.float32)
        self.chroma_acc = np.zeros((0, 12), np.float32)
        self.fine_acc = np.zeros((0, self.fb.shape[1]), np.float32)
        # the floor: FFT bins from 40 Hz to fmax, grouped in third-octave bands that hold a bin
        bin_hz = self.sr / self.n_fft
        self.floor_half = max(1, int(round(FLOOR_HALF_HZ / bin_hz)))
        edges = 40.0 * 2.0 ** (np.arange(0, 64) / FLOOR_BANDS_PER_OCTAVE)
        edges = edges[edges < 0.5 * self.sr]
        band = np.searchsorted(edges, np.arange(self.n_fft // 2 + 1) * bin_hz) - 1
        inside = np.flatnonzero((band >= 0) & (band < len(edges) - 1))
        self.floor_lo, self.floor_hi = int(inside[0]), int(inside[-1]) + 1
        used, self.floor_starts, counts = np.unique(band[inside], return_index=True, return_counts=True)
        self.floor_counts = counts.astype(np.float32)
        self.floor_acc = np.zeros((0, self.n_fft // 2 + 1), np.float32)
        # hops of the whole audio where its length is known (else ten minutes' worth, grown as needed)
        hops = int((total_samples or 600 * self.sample_rate) * FPS / self.sample_rate) + _CHUNK_FRAMES + 2
        widths = {"flux": (3, np.float32), "energy": (0, np.float32), "bands": (len(self.band_hz), np.float16),
                  "chroma": (12, np.float16), "fine": (self.fb.shape[1], np.uint8), "onset": (0, np.float32),
                  "onset_strong": (0, np.float32), "onset_high": (0, np.float32), "gain": (0, np.float16),
                  "floor": (len(self.floor_counts), np.uint8)}
        rows = {"chroma": hops // CHROMA_DECIM + 1, "fine": hops // FINE_DECIM + 1, "floor": hops // FINE_DECIM + 1}
        self.out = {k: _Column(w, dt, rows.get(k, hops)) for k, (w, dt) in widths.items()}
        self.n_in = 0
        self.dc: float | None = None
        self.level_dc: np.ndarray | None = None  # each channel's offset, for the working level
        self.started = False  # a sample other than exact zero has come
        self.zero_run = max(1, int(round(0.01 * self.sample_rate)))  # exact zeros this long are silence
        self.level = RunningGain(self.sample_rate)  # the working-level gain (frames wait for it)
        self.signs: np.ndarray | None = None  # each channel's polarity in the mix, once sound has come
        self.gain_sum = 0.0  # of the frames' gains, for the mean reported
        self.waiting: list[np.ndarray] = []  # resampled blocks not yet in buf
        self.later = InOrder()  # each block's spectral features, on a second thread

    def _polarity(self, x: np.ndarray) -> np.ndarray:
        """Each channel's sign in the mix (:data:`CANCEL_DB`): set from the first block where every
        channel sounds, then kept (a sign that changed within the file would be a step in the mix)."""
        if self.signs is not None:
            return self.signs
        power = np.einsum("ij,ij->j", x, x, dtype=np.float64) / max(len(x), 1)
        if not len(x) or power.min() <= 1e-10:
            return np.ones(x.shape[1], np.float32)
        mixed = float(np.mean(np.mean(x, axis=1, dtype=np.float64) ** 2))
        self.signs = np.ones(x.shape[1], np.float32)
        if mixed < 10.0 ** (CANCEL_DB / 10) * float(power.mean()):
            ref = x[:, int(np.argmax(power))].astype(np.float64)
            self.signs[(x.T.astype(np.float64) @ ref) < 0] = -1.0
        return self.signs

    def _power(self, x: np.ndarray, channel: int) -> np.ndarray:
        """Each sample's power (float64) for the working level, less the channel's followed offset:
        an offset of 0.2 read as music 7 dB louder, so the features were taken 7 dB softer and the
        cue detector found 16 effects in music that had none. Exact zeros (digital silence) stay 0."""
        if self.level_dc is None or not len(x):
            return np.square(x, dtype=np.float64)
        power = np.square(x - np.float32(self.level_dc[channel]), dtype=np.float64)
        zero = x == 0
        if zero.any():
            power[zero] = 0.0
        return power

    def _centre(self, n: np.ndarray) -> np.ndarray:
        """Sample index (at the analysis rate) of hop *n*'s centre."""
        return np.round(n * (self.sr / FPS)).astype(np.int64)

    def feed(self, x: np.ndarray, final: bool = False) -> None:
        x = np.asarray(x, np.float32)
        self.n_in += len(x)
        if len(x) and not np.isfinite(x).all():  # a corrupt sample must not poison every FFT
            x = np.nan_to_num(x, nan=0.0, posinf=1.0, neginf=-1.0)
        if len(x):  # each channel's offset, followed as the mix's is below (the level is the music's)
            # column by column: numpy's mean along axis 0 of a (samples, 2) block is 9x slower
            cols = [x[:, c] for c in range(x.shape[1])] if x.ndim == 2 else [x]
            means = np.array([np.mean(col, dtype=np.float64) for col in cols])
            self.level_dc = _follow(self.level_dc, means)
        if x.ndim == 2:  # (samples, channels): the level from every channel, the features from their mean
            ch = x.shape[1]
            power = self._power(x[:, 0], 0)  # channel by channel: 4x einsum's speed
            for c in range(1, ch):
                power += self._power(x[:, c], c)
            self.level.add(power / ch)
            x = x[:, 0] if ch == 1 else x @ (self._polarity(x) / np.float32(ch))
        else:
            self.level.add(self._power(x, 0))
        if len(x):
            # DC offset: follow the block means slowly, so a constant offset never reaches levels.
            # Digital silence stays silent: taken off the silence a file starts with, the first
            # block's mean made a step at 0 s that the onset novelty (logarithmic down to -100 dBFS)
            # heard as the music's entry, so the real entry, after the silence, was judged an
            # effect; taken off the silence between a reel's cues, it made each cue start from a
            # constant instead of silence, unlike the same cue in a file of its own
            m = float(np.mean(x, dtype=np.float64))
            self.dc = _follow(self.dc, m)
            lead = 0
            if not self.started:
                sound = np.flatnonzero(x != 0)
                lead = int(sound[0]) if len(sound) else len(x)
                self.started = bool(len(sound))
            silent = _zero_runs(x, self.zero_run)
            x = x - np.float32(self.dc)
            x[:lead] = 0.0
            if silent is not None:
                x[silent] = 0.0
        y = self.resample(x, final=final)
        self.n_dec += len(y)
        if final:
            y = np.concatenate([y, np.zeros(self.half + 1, np.float32)])
        self.waiting.append(y)
        # frames wait until the working level around them is known (the first LEVEL_S seconds, then
        # LEVEL_S / 2 behind the input), and go a thousand at a time
        ready = None if final else int(np.floor(self.level.ready_s() * FPS))
        if ready is not None and ready - self.next_frame < _CHUNK_FRAMES:
            return
        self.buf = np.concatenate([self.buf, *self.waiting])
        self.waiting = []
        self._frames(final, ready)

    def _frames(self, final: bool, ready: int | None) -> None:
        while True:
            end = self.buf_start + len(self.buf)  # absolute index one past the data held
            if final:
                last = int(np.floor(max(self.n_dec - 1, 0) * FPS / self.sr)) + 1  # hops covering the audio
                if not self.n_dec:
                    last = 0
            else:
                last = int(np.floor((end - self.win + self.half - 1) * FPS / self.sr))  # full windows only
                last = min(max(last, -1) + 1, ready + 1)
            k = min(last - self.next_frame, _CHUNK_FRAMES)
            if k <= 0 or (not final and k < _CHUNK_FRAMES):
                break
            n = np.arange(self.next_frame, self.next_frame + k + 1)
            c = self._centre(n) - self.buf_start  # centres in buf, one extra for the energy span
            starts = c[:-1] - self.half
            view = np.lib.stride_tricks.sliding_window_view(self.buf, self.win)
            frames = np.zeros((k, self.n_fft), np.float32)  # zero-padded for the FFT in place
            np.multiply(view[np.clip(starts, 0, len(view) - 1)], self.window, out=frames[:, : self.win])
            gain = self.level.gains(n[:-1] / FPS, final)
            self.gain_sum += float(gain.sum())
            self.out["gain"].append(gain.astype(np.float16))
            if gain.any():
                frames[:, : self.win] *= (10.0 ** (gain / 20.0)).astype(np.float32)[:, None]
            # energy of each hop: the samples from this centre to the next
            a, b = np.clip(c[:-1], 0, len(self.buf)), np.clip(c[1:], 0, len(self.buf))
            seg = self.buf[a[0] : b[-1]]
            cs = np.concatenate([[0.0], np.cumsum(np.square(seg, dtype=np.float64))])
            a, b = a - a[0], b - a[0]
            self.out["energy"].append(((cs[b] - cs[a]) / np.maximum(b - a, 1)).astype(np.float32))
            self.later.submit(self._spectra, np.fft.rfft(frames, axis=1))  # magnitudes on the other thread
            self.next_frame += k
            drop = int(self._centre(np.array([self.next_frame]))[0]) - self.half - self.buf_start
            if drop > 0:
                self.buf = self.buf[drop:]
                self.buf_start += drop

    def _spectra(self, spectrum: np.ndarray) -> None:
        mag = np.abs(spectrum)
        if self.band_limit is not None:
            mag[:, self.band_limit :] = 0.0
        fine = self.filters(mag)
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
        self._onset(self.onset_filters(mag))
        self.out["bands"].append(np.log10(1.0 + fine @ self.coarse).astype(np.float16))
        ch = np.square(fine) @ self.chroma_m
        ch = np.concatenate([self.chroma_acc, ch / (ch.sum(axis=1, keepdims=True) + 1e-9)])
        n = len(ch) // CHROMA_DECIM
        self.out["chroma"].append(ch[: n * CHROMA_DECIM].reshape(n, CHROMA_DECIM, 12).sum(axis=1).astype(np.float16))
        self.chroma_acc = ch[n * CHROMA_DECIM :]
        fl = np.concatenate([self.fine_acc, logs])
        n = len(fl) // FINE_DECIM
        q = fl[: n * FINE_DECIM].reshape(n, FINE_DECIM, fl.shape[1]).max(axis=1) * FINE_SCALE
        self.out["fine"].append(np.clip(np.round(q), 0, 255).astype(np.uint8))
        self.fine_acc = fl[n * FINE_DECIM :]
        self._floor(mag)

    def _floor(self, mag: np.ndarray) -> None:
        """The spectral floor of a block (see :attr:`Features.floor`), max over FINE_DECIM hops."""
        lb = np.concatenate([self.floor_acc, mag])
        n = len(lb) // FINE_DECIM
        self.floor_acc = lb[n * FINE_DECIM :]
        if not n:
            return
        m = lb[: n * FINE_DECIM].reshape(n, FINE_DECIM, lb.shape[1]).max(axis=1)
        q = np.clip(np.round(np.log10(1.0 + m) * FINE_SCALE), 0, 255).astype(np.uint8)
        h = self.floor_half
        opened = window_extreme(np.maximum, window_extreme(np.minimum, q, h), h)
        seg = opened[:, self.floor_lo : self.floor_hi].astype(np.float32)
        sums = np.add.reduceat(seg, self.floor_starts, axis=1)
        self.out["floor"].append((sums / self.floor_counts).astype(np.uint8))

    def _onset(self, bands: np.ndarray) -> None:
        """The onset novelty of a block (see :attr:`Features.onset`), with state across blocks."""
        comp = np.log10(np.float32(1.0) + np.float32(ONSET_GAIN) * bands)
        hist = np.concatenate([self.prev_onset, comp])
        k, h = len(comp), len(self.prev_onset)  # hist[j + t] is LAG + ONSET_HOLD - j hops before t
        ref = hist[:k].copy()
        for j in range(1, ONSET_HOLD + 1):
            np.maximum(ref, hist[j : k + j], out=ref)
        np.maximum(ref, ref.max(axis=1, keepdims=True) - np.float32(ONSET_RANGE), out=ref)
        ref += np.float32(ONSET_STEP)
        rise = np.maximum(comp - ref, 0.0)
        self.out["onset"].append(rise.sum(axis=1).astype(np.float32))
        self.out["onset_high"].append(rise[:, self.onset_high_from :].sum(axis=1).astype(np.float32))
        self.prev_onset = hist[-h:]
        runs = np.concatenate([self.prev_rise, rise])  # each band's rise over the last ONSET_SPAN hops
        span = sum(runs[j : j + k] for j in range(ONSET_SPAN))
        self.out["onset_strong"].append(np.where(span >= ONSET_STRONG, span, 0.0).sum(axis=1).astype(np.float32))
        self.prev_rise = runs[len(runs) - (ONSET_SPAN - 1) :]

    def result(self) -> Features:
        self.later.wait()

        def cat(name: str) -> np.ndarray:
            return self.out[name].array()

        flux = cat("flux")
        energy = cat("energy")
        n = min(len(flux), len(energy))
        return Features(
            flux=flux[:n],
            energy=energy[:n],
            bands=cat("bands")[:n],
            chroma=cat("chroma"),
            fine=cat("fine"),
            band_hz=self.band_hz,
            duration=self.n_in / self.sample_rate,
            sample_rate=self.sample_rate,
            fine_hz=self.fb_hz,
            onset=cat("onset")[:n],
            onset_strong=cat("onset_strong")[:n],
            onset_high=cat("onset_high")[:n],
            floor=cat("floor"),
            gain_db=self.gain_sum / max(self.next_frame, 1),
            gain=cat("gain")[:n],
            flipped=tuple(int(c) for c in np.flatnonzero(self.signs < 0)) if self.signs is not None else (),
        )


def extract(
    blocks: Iterable[np.ndarray],
    sample_rate: int,
    total_samples: int | None = None,
    *,
    progress: Progress | None = None,
) -> Features:
    """Run the spectral pass over a stream of blocks.

    Parameters
    ----------
    blocks : iterable of float arrays
        Samples in -1..1, in order: mono (n,) or (n, channels), whose mean the features are of (the
        working level is measured on every channel, as the benchmark music was levelled).
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
    an = _Analyser(sample_rate, total_samples)
    try:
        with one_blas_thread():
            for block in blocks:
                an.feed(block)
                if progress is not None and total_samples:
                    progress(min(1.0, an.n_in / total_samples), "spectrum")
            an.feed(np.zeros(0, np.float32), final=True)
            return an.result()
    finally:
        an.later.close()
