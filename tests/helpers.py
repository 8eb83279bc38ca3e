"""Synthesised test signals with known answers (importable from any test: `from helpers import ...`)."""

from __future__ import annotations

import numpy as np


def click_track(bpm: float, seconds: float, sr: int = 44100, accent_every: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """A decaying-noise click on every beat (louder on the first of each bar).

    Returns the samples and the exact beat times.
    """
    rng = np.random.default_rng(7)
    y = np.zeros(int(seconds * sr), np.float32)
    times = np.arange(0.0, seconds - 0.2, 60.0 / bpm)
    n = int(0.05 * sr)
    click = (rng.standard_normal(n) * np.exp(-np.arange(n) / (0.008 * sr))).astype(np.float32)
    for i, t in enumerate(times):
        s = int(round(t * sr))
        gain = 0.9 if i % accent_every == 0 else 0.5
        y[s : s + n] += gain * click[: len(y) - s]
    return y, times


def write_bwf(path, y: np.ndarray, sr: int, time_reference: int, bext_size: int = 602, last: bool = False) -> None:
    """A Broadcast WAV: *y* as 16-bit PCM with a ``bext`` chunk (before the audio, or after it if
    *last*) whose TimeReference is *time_reference* samples since midnight (*bext_size* below 346
    leaves it out)."""
    import io
    import struct

    import soundfile as sf

    buf = io.BytesIO()
    sf.write(buf, y, sr, format="WAV", subtype="PCM_16")
    wav = buf.getvalue()
    bext = bytearray(bext_size)
    bext[:24] = b"syncsheet test".ljust(24, b"\0")
    if bext_size >= 346:
        bext[338:346] = struct.pack("<II", time_reference & 0xFFFFFFFF, time_reference >> 32)
    chunk = b"bext" + struct.pack("<I", bext_size) + bytes(bext)
    at = wav.index(b"data")
    body = wav[12:] + chunk if last else wav[12:at] + chunk + wav[at:]
    with open(path, "wb") as fh:
        fh.write(b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WAVE" + body)
