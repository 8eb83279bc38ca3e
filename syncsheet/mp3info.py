"""Whether an MP3 file says how much silence its encoder put in front of the music.

An MP3 encoder delays the music: LAME by 576 samples, plus the decoder's own 529, so 1105 samples
(25 ms at 44.1 kHz, more than half a frame at 24 fps). LAME, ffmpeg and most current encoders write
that delay into an *Info* / *Xing* header with a LAME extension in the first frame, and the decoder
behind soundfile (mpg123) then removes it: the decoded samples line up with the music encoded. An
Info / Xing header without the extension makes it remove its own 529 only, and a file with neither
decodes with the whole delay left in; so does every other program that plays it. See
:func:`gapless_info` (its verdicts were checked against what soundfile decodes, header by header).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

__all__ = ["GaplessInfo", "gapless_info", "ENCODER_DELAY", "DECODER_DELAY"]

#: LAME's encoder delay and the MPEG decoder's (samples).
ENCODER_DELAY = 576
DECODER_DELAY = 529
_SCAN = 1 << 16  # bytes after the ID3 tag searched for the first frame
_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


@dataclass(frozen=True)
class GaplessInfo:
    """What the first MPEG audio frame of a file says about its start.

    Attributes
    ----------
    tagged : bool
        An Info / Xing header with a LAME extension is there: the decoder removes the delay it records.
    delay : int or None
        The encoder delay the LAME extension records (samples), where it is there.
    sample_rate : int
        The first frame's sample rate.
    header : bool
        An Info / Xing header is there (with or without the extension).
    counted : bool
        That header counts the file's frames: with the LAME extension the decoder then knows the
        file's length exactly before it decodes (a copy cut short decodes short of it).
    """

    tagged: bool
    delay: int | None
    sample_rate: int
    header: bool = False
    counted: bool = False

    @property
    def late(self) -> int:
        """Samples by which the decoded audio likely lags the music encoded (LAME's delays where
        the file does not say)."""
        if self.tagged:
            return 0
        return ENCODER_DELAY if self.header else ENCODER_DELAY + DECODER_DELAY


def _id3_size(head: bytes) -> int:
    """Bytes taken by an ID3v2 tag at the start of *head* (0 if none)."""
    if len(head) < 10 or head[:3] != b"ID3":
        return 0
    size = 0
    for b in head[6:10]:
        size = (size << 7) | (b & 0x7F)  # a "syncsafe" integer: 7 bits a byte
    return 10 + size + (10 if head[5] & 0x10 else 0)  # a footer doubles the header


def _frame_header(buf: bytes, i: int) -> tuple[int, int, bool, bool] | None:
    """(MPEG version bits, sample rate, mono, CRC present) of a layer III frame header at *i*."""
    if buf[i] != 0xFF or buf[i + 1] & 0xE0 != 0xE0:
        return None
    version, layer = (buf[i + 1] >> 3) & 3, (buf[i + 1] >> 1) & 3
    bitrate, rate = buf[i + 2] >> 4, (buf[i + 2] >> 2) & 3
    if version == 1 or layer != 1 or bitrate in (0, 15) or rate == 3:
        return None
    return version, _RATES[version][rate], (buf[i + 3] >> 6) == 3, not buf[i + 1] & 1


def gapless_info(path: str | os.PathLike) -> GaplessInfo | None:
    """Read the first MPEG layer III frame of *path* for an encoder-delay header.

    Parameters
    ----------
    path : path-like
        An MP3 file (any other file gives None).

    Returns
    -------
    GaplessInfo or None
        None where no layer III frame is found near the start.
    """
    with open(path, "rb") as fh:
        head = fh.read(10)
        fh.seek(_id3_size(head))
        buf = fh.read(_SCAN)
    for i in range(len(buf) - 4):
        hdr = _frame_header(buf, i)
        if hdr is None:
            continue
        version, rate, mono, crc = hdr
        # the Info/Xing header follows the side information, whose size depends on these
        side = (17 if mono else 32) if version == 3 else (9 if mono else 17)
        at = i + 4 + side + (2 if crc else 0)
        tag = buf[at : at + 4]
        if tag not in (b"Info", b"Xing"):
            # a frame of audio: whatever comes first is what the decoder sees
            return GaplessInfo(False, None, rate)
        flags = int.from_bytes(buf[at + 4 : at + 8], "big")
        lame = at + 8 + 4 * bool(flags & 1) + 4 * bool(flags & 2) + 100 * bool(flags & 4) + 4 * bool(flags & 8)
        ext = buf[lame : lame + 24]
        # an encoder's name ("LAME3.100", "Lavc58", "L3.99r") opens the extension: any, for mpg123
        if len(ext) < 24 or not any(ext[:9]):
            return GaplessInfo(False, None, rate, header=True, counted=bool(flags & 1))
        delay = (ext[21] << 4) | (ext[22] >> 4)
        return GaplessInfo(True, delay, rate, header=True, counted=bool(flags & 1))
    return None
