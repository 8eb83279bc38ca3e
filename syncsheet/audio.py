"""Open, check and stream audio files (WAV and BWF, AIFF, CAF, FLAC, Ogg Vorbis and Opus, MP3 through soundfile).

Audio is read in blocks and mixed to mono as it streams, so a two-hour reel never sits in
memory as multichannel samples; a channel of timecode (:mod:`syncsheet.ltc`) is left out. Every
way a file can be bad gets its own one-line error that names the file.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
import soundfile as sf

from . import ltc
from . import timebase as tb
from .errors import (
    AudioDecodeError,
    AudioNotFoundError,
    AudioTruncatedError,
    EmptyAudioError,
    TimecodeError,
)
from .mp3info import gapless_info
from .progress import Progress

__all__ = ["AudioInfo", "probe", "blocks", "read_mono", "SUFFIXES", "MIN_RATE", "MAX_RATE"]

#: File suffixes offered in open dialogs.
SUFFIXES = (".wav", ".wave", ".bwf", ".aif", ".aiff", ".aifc", ".caf", ".flac", ".ogg", ".oga", ".opus", ".mp3")
#: Largest sample magnitude accepted (120 dB over full scale); beyond it float audio is corrupt.
_MAX_SAMPLE = 1e6
#: The sample rates read and analysed. Outside them a header is more likely damaged than the audio
#: real: one that said 1 Hz made 44,100 samples 12 hours long, upsampled 22,050-fold a block at a
#: time (7.8 GB after 5 minutes), and a rate of 2^31 - 1 asked for a 256 GB filter.
MIN_RATE = 1_000
MAX_RATE = 768_000
#: Formats whose header counts the samples exactly (an MP3's only with a counting LAME header, see
#: _exact_length; an Ogg's is read from the end of the file, so a cut copy's is its own).
_EXACT_LENGTH = frozenset({"WAV", "WAVEX", "RF64", "W64", "AIFF", "CAF", "FLAC"})
#: Samples an MP3 with a counting LAME header may decode short of its count without being cut: two
#: frames, for an encoder's padding the decoder counts otherwise (a cut copy lacks seconds).
_MP3_SLACK = 2 * 1152


@dataclass(frozen=True)
class AudioInfo:
    """What an audio file holds.

    Attributes
    ----------
    path : Path
    sample_rate : int
    channels : int
    samples : int
        Samples per channel.
    format, subtype : str
        soundfile's names (``WAV``, ``PCM_16``).
    time_reference : int or None
        A Broadcast WAV's place on its timeline: samples since midnight of its first sample (the
        ``bext`` chunk's TimeReference, which a DAW writes from its session's timecode); None
        without one.
    timecode : Ltc or None
        The SMPTE linear timecode the file's channels carry (:mod:`syncsheet.ltc`), found in its
        first seconds: :func:`blocks` leaves out the channels that hold nothing else
        (:attr:`timecode_channels`), and where the file has no time reference the code places
        the file on its timeline.
    """

    path: Path
    sample_rate: int
    channels: int
    samples: int
    format: str
    subtype: str
    time_reference: int | None = None
    timecode: ltc.Ltc | None = None

    @property
    def duration(self) -> float:
        return self.samples / self.sample_rate

    @property
    def timecode_channels(self) -> tuple[int, ...]:
        """The channels (0-based) that hold timecode and nothing else: left out of the sound."""
        return self.timecode.channels if self.timecode is not None else ()

    @property
    def timeline_reference(self) -> int | None:
        """Samples since midnight of the first sample: the BWF time reference, which a DAW writes on
        purpose, or else the place the file's timecode channel gives it; None without either."""
        if self.time_reference is not None:
            return self.time_reference
        return self.timecode.time_reference if self.timecode is not None else None

    @property
    def timeline_source(self) -> str | None:
        """Where :attr:`timeline_reference` comes from, as a user is told it."""
        if self.time_reference is not None:
            return "BWF time reference"
        if self.timecode is not None and self.timecode.time_reference is not None:
            return f"LTC timecode on channel {self.timecode.channel + 1} ({self.timecode.rate.name} fps)"
        return None

    def start_timecode(self, fps: tb.FrameRate) -> str | None:
        """The timecode of the frame nearest the file's first sample, from its BWF time reference or
        its timecode channel (:attr:`timeline_reference`; None without either, or at a rate timecode
        cannot count). Nearest: at 29.97 fps a frame is 1,601.6 samples at 48 kHz, and a DAW rounds
        its session's start to a whole sample."""
        reference = self.timeline_reference
        if reference is None:
            return None
        frame = round(Fraction(reference) * fps.rate / self.sample_rate)
        try:
            return tb.to_timecode(frame, fps)
        except TimecodeError:  # 12.5 fps, or a reference past midnight (a damaged chunk)
            return None


def probe(path: str | os.PathLike) -> AudioInfo:
    """Check that *path* is readable audio and describe it.

    Raises
    ------
    AudioNotFoundError, AudioDecodeError, AudioTruncatedError, EmptyAudioError
    """
    p = Path(path)
    if not p.exists():
        raise AudioNotFoundError(f"{p}: no such file")
    if p.is_dir():
        raise AudioDecodeError(f"{p}: is a folder, not an audio file")
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise AudioDecodeError(f"{p}: cannot be read ({exc.strerror})") from None
    if size == 0:
        raise EmptyAudioError(f"{p}: the file is empty (0 bytes)")
    if not os.access(p, os.R_OK):
        raise AudioDecodeError(f"{p}: permission denied")
    try:
        info = sf.info(str(p))
    except (sf.LibsndfileError, RuntimeError, TypeError) as exc:
        if (kind := _unsupported_kind(p)) is not None:
            raise AudioDecodeError(f"{p}: {kind}, which syncsheet cannot decode (it reads WAV, AIFF, FLAC, Ogg and "
                                   "MP3): export the sound as WAV") from None
        raise AudioDecodeError(f"{p}: not an audio file that can be decoded ({_why(exc)})") from None
    if info.samplerate <= 0 or info.channels <= 0:
        raise AudioDecodeError(f"{p}: header has {info.samplerate} Hz and {info.channels} channels")
    if not MIN_RATE <= info.samplerate <= MAX_RATE:
        raise AudioDecodeError(f"{p}: its header says {info.samplerate} Hz, not a sample rate syncsheet "
                               f"analyses ({MIN_RATE:,} to {MAX_RATE:,} Hz): a damaged header, or resample it")
    reference = _read_riff_chunks(p, size)
    samples = int(info.frames) if 0 <= info.frames < 2**62 else -1
    if samples == 0:
        raise EmptyAudioError(f"{p}: holds no samples (a header with no audio)")
    return AudioInfo(p, int(info.samplerate), int(info.channels), samples, info.format, info.subtype, reference,
                     _timecode(p, int(info.samplerate)))


def _timecode(path: Path, sample_rate: int) -> ltc.Ltc | None:
    """The LTC the file's first seconds carry (:func:`~syncsheet.ltc.search`); None where they carry
    none, or where they cannot be read (:func:`blocks` then says why)."""
    def starts(fh: sf.SoundFile):
        while len(block := fh.read(int(ltc.PROBE_SECONDS * sample_rate), dtype="float32", always_2d=True)):
            yield block

    try:
        with sf.SoundFile(str(path)) as fh:
            return ltc.search(starts(fh), sample_rate)
    except (sf.LibsndfileError, RuntimeError, TypeError):
        return None


def _check_finite(data: np.ndarray, first: int, info: AudioInfo) -> None:
    """Float files can hold NaN, infinity or absurd values: corrupt data, not audio.

    *data* is (samples, channels); *first* the index of its first sample in the file."""
    sane = np.abs(data) <= _MAX_SAMPLE  # False for NaN too
    if not sane.all():
        i, c = np.unravel_index(int(np.argmin(sane)), sane.shape)
        raise AudioDecodeError(
            f"{info.path}: corrupt audio: the sample at {(first + i) / info.sample_rate:.3f} s is "
            f"{data[i, c]:g}; float audio must be finite and within +-{_MAX_SAMPLE:g} (1.0 is full scale)"
        )


#: (offset, magic bytes, what it is) of containers that often hold a production's sound but that
#: soundfile's libsndfile does not decode
_UNSUPPORTED = (
    (4, b"ftyp", "an MP4 / QuickTime file (M4A, AAC, MOV or MP4 video)"),
    (4, b"moov", "a QuickTime movie"),
    (4, b"mdat", "a QuickTime movie"),
    (4, b"wide", "a QuickTime movie"),
    (0, bytes.fromhex("3026b2758e66cf11"), "a Windows Media file (WMA or WMV)"),
    (0, bytes.fromhex("1a45dfa3"), "a Matroska / WebM file"),
    (0, b"#!AMR", "an AMR voice recording"),
    (0, bytes.fromhex("0b77"), "an AC-3 (Dolby Digital) stream"),
    (0, b"RIFF", "an AVI video"),  # only with the AVI form type, checked below
)


def _unsupported_kind(path: Path) -> str | None:
    """What a file that libsndfile refused is, where its first bytes name a known container."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
    except OSError:
        return None
    for at, magic, what in _UNSUPPORTED:
        if head[at : at + len(magic)] == magic and (magic != b"RIFF" or head[8:12] == b"AVI "):
            return what
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0:  # ADTS sync, layer 0: raw AAC
        return "a raw AAC stream"
    return None


def _why(exc: BaseException) -> str:
    """The decoder's reason, without the path the message already starts with. libsndfile says an
    MP3 it cannot parse "does not exist or is not a regular file": the file was found and is one."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    text = text.removeprefix("Error opening ").strip()
    if text.startswith("'") and (end := text.find("': ", 1)) > 0:
        text = text[end + 3 :].strip()
    if text.startswith("File does not exist or is not a regular file"):
        return "no audio format recognised in it"
    return text


def _read_riff_chunks(path: Path, size: int) -> int | None:
    """Walk a WAV's chunks up to its audio. One whose data chunk is cut short decodes silently
    short: name it as truncated. Returns the BWF time reference (samples since midnight) of its
    ``bext`` chunk, if any (before the audio, or after it where the audio's size is known)."""
    reference = None
    with open(path, "rb") as fh:
        head = fh.read(12)
        if len(head) < 12 or head[:4] not in (b"RIFF", b"RIFX", b"RF64") or head[8:12] != b"WAVE":
            return None
        endian = ">" if head[:4] == b"RIFX" else "<"
        pos = 12
        while pos + 8 <= size:
            fh.seek(pos)
            chunk = fh.read(8)
            cid, clen = chunk[:4], struct.unpack(endian + "I", chunk[4:])[0]
            if cid == b"bext" and clen >= _BEXT_TIME_AT + 8 and pos + 8 + clen <= size:
                fh.seek(pos + 8 + _BEXT_TIME_AT)
                low, high = struct.unpack(endian + "II", fh.read(8))
                reference = low | high << 32
            if cid == b"data":
                # 0xFFFFFFFF: streaming writers, and RF64 (its size is in the ds64 chunk)
                if head[:4] != b"RF64" and clen != 0xFFFFFFFF and pos + 8 + clen > size:
                    missing = pos + 8 + clen - size
                    raise AudioTruncatedError(
                        f"{path}: truncated: the header promises {clen} bytes of audio, {missing} are missing"
                    )
                if reference is not None or head[:4] == b"RF64" or clen == 0xFFFFFFFF:
                    return reference  # else a bext chunk may follow the audio (some writers put it last)
            pos += 8 + clen + (clen & 1)
    return reference


#: Where a ``bext`` chunk's TimeReference (two 32-bit words, low first) starts: after the
#: description (256 bytes), originator (32), its reference (32), date (10) and time (8).
_BEXT_TIME_AT = 338


def blocks(
    path: str | os.PathLike,
    blocksize: int = 1 << 16,
    *,
    info: AudioInfo | None = None,
    progress: Progress | None = None,
    mono: bool = True,
) -> Iterator[np.ndarray]:
    """Stream a file as mono float32 blocks of *blocksize* samples (the last may be shorter), less
    the channels that hold timecode alone (:attr:`AudioInfo.timecode_channels`).

    Parameters
    ----------
    path : path-like
    blocksize : int > 0
    info : AudioInfo, optional
        From :func:`probe`, to skip probing again.
    progress : callable(fraction, stage), optional
        Called after each block with the share decoded; may raise :class:`Cancelled`.
    mono : bool
        False yields every channel, (samples, channels), for the analysis to measure the level on.

    Yields
    ------
    numpy.ndarray
        1-D float32, the mean of the channels; or 2-D with *mono* False (either without a
        timecode channel).
    """
    info = info or probe(path)
    done = 0
    timecode = info.timecode_channels
    try:
        with sf.SoundFile(str(info.path)) as fh:
            while True:
                data = fh.read(blocksize, dtype="float32", always_2d=True)
                if not len(data):
                    break
                _check_finite(data, done, info)
                done += len(data)
                if timecode:  # the timecode's buzz is no part of the sound (a file of timecode alone: silence)
                    data = ltc.without(data, timecode)
                if mono:
                    # a matrix-vector product mixes channels ten times faster than mean(axis=1)
                    ch = data.shape[1]
                    yield np.ascontiguousarray(data[:, 0] if ch == 1 else data @ np.full(ch, 1 / ch, np.float32))
                else:
                    yield data
                if progress is not None and info.samples > 0:
                    progress(min(1.0, done / info.samples), "decoding")
    except (sf.LibsndfileError, RuntimeError) as exc:
        at = done / info.sample_rate
        raise AudioDecodeError(f"{info.path}: corrupt or truncated audio after {at:.2f} s ({_why(exc)})") from None
    if done < info.samples and _exact_length(info, info.samples - done):
        # cut short after it was opened (a copy still running, a recording still being written): the
        # sheet would silently end early
        raise AudioTruncatedError(
            f"{info.path}: ended at {done / info.sample_rate:.2f} s though its header says "
            f"{info.samples / info.sample_rate:.2f} s: was it cut short, or still being written?"
        )


def _exact_length(info: AudioInfo, missing: int) -> bool:
    """Whether *info*'s sample count is exact, so that *missing* samples mean the file was cut: a
    format whose header counts them, or an MP3 whose LAME header counts its frames (then the count
    is the whole file's even where a copy was cut short)."""
    if info.format in _EXACT_LENGTH:
        return True
    if info.format == "MP3" and missing > _MP3_SLACK:
        gap = gapless_info(info.path)
        return gap is not None and gap.tagged and gap.counted
    return False


def read_mono(
    path: str | os.PathLike,
    *,
    progress: Progress | None = None,
) -> tuple[np.ndarray, int]:
    """Decode a whole file to one mono float32 array (for short files and tests).

    Returns
    -------
    samples : numpy.ndarray
    sample_rate : int
    """
    info = probe(path)
    parts = list(blocks(path, info=info, progress=progress))
    out = np.concatenate(parts) if parts else np.zeros(0, np.float32)
    if not out.size:
        raise EmptyAudioError(f"{info.path}: decodes to no samples")
    return out, info.sample_rate
