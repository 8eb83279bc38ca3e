"""Streamed resampling to the one analysis rate, exact across blocks and in time.

Every file is analysed at :data:`ANALYSIS_RATE`, whatever its own rate: the spectral pass's window,
FFT size and bands, and so what the detectors and the learned activations see, are then the same
for a 48 kHz film mix as for the 44.1 kHz music they were measured and trained on. (Analysed at
24 kHz, the same music at 48 kHz put some beats a frame away from where it put them at 44.1 kHz.)

The 44.1 kHz family reaches it by keeping every *d*-th sample of a low-passed stream; any other rate
by a polyphase filter at the ratio ``up / down`` in lowest terms (147/320 from 48 kHz). Both are
centred windowed sincs, so output sample *m* sits exactly at input time ``m * down / up``: no
latency, no drift, on a two-hour reel as on a second.
"""

from __future__ import annotations

from math import gcd

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..audio import MAX_RATE, MIN_RATE
from ..errors import AnalysisError

__all__ = ["ANALYSIS_RATE", "Resampler", "analysis_rate"]

#: Samples a second the spectral pass works at (the band limit is 0.45 of it: 9.9 kHz).
ANALYSIS_RATE = 22050
#: Half the filter's length, in periods of the slower of the two rates.
_WIDTH = 8
#: Outputs computed at once (bounds the gathered windows to a few MB).
_BLOCK = 4096


def analysis_rate(sample_rate: int) -> tuple[int, int]:
    """The ratio ``(up, down)``, in lowest terms, that takes *sample_rate* to :data:`ANALYSIS_RATE`."""
    sample_rate = int(sample_rate)
    if not MIN_RATE <= sample_rate <= MAX_RATE:
        raise AnalysisError(f"a sample rate of {sample_rate} Hz is not one syncsheet analyses "
                            f"({MIN_RATE:,} to {MAX_RATE:,} Hz)")
    g = gcd(ANALYSIS_RATE, sample_rate)
    return ANALYSIS_RATE // g, sample_rate // g


def _sinc(up: int, down: int) -> tuple[np.ndarray, int]:
    """The prototype low-pass at the rate ``up`` times the input's: cut at 0.9 of the lower of the
    two Nyquist frequencies, Blackman-windowed over ±:data:`_WIDTH` periods of the slower rate."""
    half = _WIDTH * max(up, down)
    k = np.arange(-half, half + 1)
    fc = 0.9 / max(up, down)  # of the upsampled Nyquist frequency
    return fc * np.sinc(fc * k) * np.blackman(2 * half + 1), half


class Resampler:
    """Resample a stream by ``up / down``; the same output whatever the block sizes.

    Parameters
    ----------
    up, down : int
        The ratio of output to input rate, in lowest terms (``up == 1``: decimation by *down*).
    """

    def __init__(self, up: int = 1, down: int = 1) -> None:
        self.up, self.down = int(up), int(down)
        self.n_in = 0
        self.n_out = 0
        if self.up == 1 and self.down == 1:
            return
        h, half = _sinc(self.up, self.down)
        if self.up == 1:
            # plain decimation: one FIR, output j centred on input j * down
            self.h = (h / h.sum()).astype(np.float32)
            self.half = half
            self._buf = np.zeros(half, np.float32)  # zeros before the start
            return
        # polyphase: output m sits at upsampled position m * down, i.e. between inputs i = floor(m *
        # down / up) and i + 1 at phase r = m * down mod up; its taps are h at r - j * up for inputs
        # i + j, j in -J .. J, each phase scaled to unit gain at DC
        self.J = -(-half // self.up)
        j = np.arange(-self.J, self.J + 1)
        t = np.arange(self.up)[:, None] - j[None, :] * self.up
        taps = np.where(np.abs(t) <= half, h[np.clip(t + half, 0, 2 * half)], 0.0)
        taps /= taps.sum(axis=1, keepdims=True)
        p = np.arange(self.up)
        # one period: `up` outputs over `down` inputs; output p of a period starts its window at
        # input offset p * down // up and uses phase p * down % up
        self.offsets = (p * self.down) // self.up
        self.taps = taps[(p * self.down) % self.up].astype(np.float32)
        self._buf = np.zeros(self.J, np.float32)  # zeros before the start
        self._buf_start = -self.J  # input index of _buf[0]

    def __call__(self, x: np.ndarray, final: bool = False) -> np.ndarray:
        """The output samples that *x* completes (all that remain if *final*)."""
        x = np.asarray(x, np.float32)
        self.n_in += len(x)
        if self.up == 1 and self.down == 1:
            return x
        y = self._decimate(x, final) if self.up == 1 else self._polyphase(x, final)
        self.n_out += len(y)
        return y

    def _decimate(self, x: np.ndarray, final: bool) -> np.ndarray:
        # buf[0] is the left edge of the next output's filter window (output j is centred on
        # input j * d; the stream is padded with `half` zeros on both ends)
        d = self.down
        buf = np.concatenate([self._buf, x] + ([np.zeros(self.half, np.float32)] if final else []))
        span = 2 * self.half + 1
        if len(buf) < span:
            self._buf = buf
            return np.zeros(0, np.float32)
        k = (len(buf) - span) // d + 1
        y = np.convolve(buf[: (k - 1) * d + span], self.h[::-1], mode="valid")[::d]
        self._buf = buf[k * d :]
        return y.astype(np.float32, copy=False)

    def _polyphase(self, x: np.ndarray, final: bool) -> np.ndarray:
        up, down, ntaps = self.up, self.down, 2 * self.J + 1
        buf = np.concatenate([self._buf, x] + ([np.zeros(self.J + 1, np.float32)] if final else []))
        # outputs m whose window (inputs m * down // up - J .. + J) the buffer holds; all of the
        # input's outputs (ceil(n_in * up / down)) when it is final
        held = self._buf_start + len(buf)
        if final:
            stop = -(-self.n_in * up // down)
        else:
            stop = ((held - self.J) * up - 1) // down + 1 if held > self.J else 0
        m0 = self.n_out
        if stop <= m0:
            self._buf = buf
            return np.zeros(0, np.float32)
        windows = sliding_window_view(buf, ntaps)
        out = np.empty(stop - m0, np.float32)
        for a in range(m0, stop, _BLOCK):
            m = np.arange(a, min(a + _BLOCK, stop))
            p = m % up  # the phase within its period of `up` outputs
            start = (m // up) * down + self.offsets[p] - self.J - self._buf_start
            out[a - m0 : a - m0 + len(m)] = np.einsum("ij,ij->i", windows[start], self.taps[p])
        # keep the inputs the next output's window starts at
        first = (stop * down) // up - self.J
        self._buf = buf[first - self._buf_start :]
        self._buf_start = first
        return out
