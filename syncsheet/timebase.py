"""The one time base: exact frame rates, frames, timecode and footage.

Conventions (stated once, here, and used everywhere):

* A frame rate is exact: ``FrameRate(Fraction(24000, 1001))`` for 23.976. Drop-frame exists for
  29.97 and 59.94 only.
* Frames are 0-based inside the code; sheets show them 1-based unless asked otherwise.
* An event belongs to the frame on screen when it sounds: ``floor(t * fps)``. Analysis times are
  float seconds, which cannot hold a boundary such as 1001/24000 s exactly, so a time is first
  rounded to the nearest nanosecond and a time within one nanosecond below a frame boundary counts
  as on it; after that the arithmetic is on integers. This makes frame -> seconds -> frame exact.
* An optional *lead* of N frames marks an event N frames earlier (animators lead the sound so the
  picture reads on it); a mark is never placed before frame 0.
* Ranges exclude their end: frames ``[a, b)``.
* Samples: frame *n* starts at sample ``ceil(n * sr / fps)``; sample *s* is in frame
  ``floor(s * fps / sr)``.
* SMPTE timecode counts frames at the nominal whole rate (24 for 23.976, 30 for 29.97); drop-frame
  skips frame numbers 0 and 1 (0-3 at 59.94) at each minute except every tenth, and is written with
  ``;`` before the frames. Timecode wraps at 24 h: past that is an error, never a silent wrap.
* Footage: 35 mm film has 16 frames a foot, 16 mm film 40; written ``feet+frames`` (``6+04``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .errors import FrameRateError, TimecodeError

__all__ = [
    "FrameRate",
    "STANDARD_RATES",
    "FRAMES_PER_FOOT",
    "frame_of",
    "frames_of",
    "frame_start",
    "frame_of_sample",
    "first_sample",
    "to_timecode",
    "from_timecode",
    "timecode_fields",
    "frames_from_fields",
    "to_feet",
    "from_feet",
    "parse_rate",
    "MAX_SCORE_S",
]

_NS = 10**9
#: The longest timing a file may describe (a day: timecode wraps there). A labels file with one
#: label at 10^9 s asked for an 89 GB sheet.
MAX_SCORE_S = 86400.0
#: Frames per foot of film, by gauge.
FRAMES_PER_FOOT = {"35mm": 16, "16mm": 40}
_NTSC = {
    "23.976": Fraction(24000, 1001),
    "23.98": Fraction(24000, 1001),
    "29.97": Fraction(30000, 1001),
    "47.952": Fraction(48000, 1001),
    "47.95": Fraction(48000, 1001),
    "59.94": Fraction(60000, 1001),
    "119.88": Fraction(120000, 1001),
}
_DROP_FRAMES = {Fraction(30000, 1001): 2, Fraction(60000, 1001): 4}
_MAX_RATE = 1000


@dataclass(frozen=True)
class FrameRate:
    """An exact film/video frame rate.

    Parameters
    ----------
    rate : Fraction > 0
        Frames per second, exact (``Fraction(30000, 1001)`` for 29.97).
    drop_frame : bool
        Drop-frame timecode; only valid at 29.97 and 59.94.
    """

    rate: Fraction
    drop_frame: bool = False

    def __post_init__(self) -> None:
        rate = Fraction(self.rate)
        if rate <= 0 or rate > _MAX_RATE:
            raise FrameRateError(f"frame rate {float(rate):g} must be above 0 and at most {_MAX_RATE} fps")
        object.__setattr__(self, "rate", rate)
        if self.drop_frame and rate not in _DROP_FRAMES:
            raise FrameRateError(
                f"drop-frame timecode exists only at 29.97 and 59.94 fps, not at {self.name.removesuffix('df')}"
            )

    @classmethod
    def parse(cls, text: str | int | float | Fraction | FrameRate) -> FrameRate:
        """Read a rate as users write it: ``24``, ``23.976``, ``29.97df``, ``24000/1001``."""
        return parse_rate(text)

    @property
    def fps(self) -> float:
        """The rate as a float, for display and plotting only (never for frame maths)."""
        return float(self.rate)

    @property
    def name(self) -> str:
        """How the rate is written: ``24``, ``23.976``, ``29.97df``, ``25/2``."""
        if self.rate.denominator == 1:
            text = str(self.rate.numerator)
        elif self.rate in _NTSC.values():  # other N/1001 rates have no decimal name that reads back exactly
            text = f"{float(self.rate):.3f}".rstrip("0").rstrip(".")
        else:
            text = f"{self.rate.numerator}/{self.rate.denominator}"
        return text + ("df" if self.drop_frame else "")

    def __str__(self) -> str:
        return self.name

    @property
    def nominal(self) -> int:
        """The whole frames-per-second count timecode is written in (30 for 29.97)."""
        if self.rate.denominator == 1:
            return self.rate.numerator
        if self.rate.denominator == 1001:
            return math.ceil(self.rate)
        raise TimecodeError(
            f"timecode needs a whole-number or NTSC (N*1000/1001) frame rate; {self.name} fps is neither"
        )

    @property
    def _drop(self) -> int:
        return _DROP_FRAMES[self.rate] if self.drop_frame else 0

    @property
    def frames_per_day(self) -> int:
        """Timecode frame numbers in 24 hours (fewer with drop-frame)."""
        nom = self.nominal
        return 24 * 6 * (600 * nom - 9 * self._drop)


def parse_rate(text: str | int | float | Fraction | FrameRate) -> FrameRate:
    """Parse a frame rate.

    Parameters
    ----------
    text : str, int, Fraction or FrameRate
        ``24``, ``23.976`` (or ``23.98``), ``29.97``, ``29.97df``/``29.97ndf``, ``59.94df``,
        ``N/D`` such as ``24000/1001``, or any positive decimal (``12.5``).

    Returns
    -------
    FrameRate

    Raises
    ------
    FrameRateError
        For anything else, naming the value and the forms that are valid.
    """
    if isinstance(text, FrameRate):
        return text
    if isinstance(text, (int, Fraction)):
        return FrameRate(Fraction(text))
    if isinstance(text, float):
        text = repr(text)
    raw = str(text).strip().lower()
    drop = False
    body = raw
    if body.endswith("ndf"):
        body = body[:-3]
    elif body.endswith("df"):
        body, drop = body[:-2], True
    body = body.removesuffix("fps").strip()
    try:
        if body in _NTSC:
            rate = _NTSC[body]
        elif re.fullmatch(r"\d+/\d+", body):
            num, den = body.split("/")
            if int(den) == 0:
                raise ZeroDivisionError
            rate = Fraction(int(num), int(den))
        elif re.fullmatch(r"\d+(\.\d+)?", body):
            rate = Fraction(body)
        else:
            raise ValueError
    except (ValueError, ZeroDivisionError):
        raise FrameRateError(
            f"frame rate {str(text)!r} is not a rate: use 12, 23.976, 24, 25, 29.97, 29.97df, 30, "
            "47.952, 48, 50, 59.94, 59.94df, 60 or N/D such as 24000/1001"
        ) from None
    return FrameRate(rate, drop)


#: The rates offered in menus, in order.
STANDARD_RATES = tuple(
    parse_rate(r)
    for r in (
        "12", "23.976", "24", "25", "29.97", "29.97df", "30", "47.952", "48", "50", "59.94",
        "59.94df", "60",
    )
)


def _ns(seconds: float) -> int:
    if not math.isfinite(seconds):
        raise TimecodeError(f"time {seconds} s is not a finite number of seconds")
    return round(seconds * _NS)


def frame_of(seconds: float, fps: FrameRate, lead: int = 0) -> int:
    """The 0-based frame on screen when an event at *seconds* sounds, *lead* frames earlier.

    Parameters
    ----------
    seconds : float
        Event time from the start of the audio.
    fps : FrameRate
    lead : int >= 0
        Mark the event this many frames early; never before frame 0.
    """
    n = ((_ns(seconds) + 1) * fps.rate.numerator) // (_NS * fps.rate.denominator)
    return max(0, n - lead)


def frames_of(seconds: np.ndarray, fps: FrameRate, lead: int = 0) -> np.ndarray:
    """Vectorised :func:`frame_of` (same rule, integer arithmetic), as int64."""
    t = np.asarray(seconds, dtype=np.float64)
    if t.size and not np.all(np.isfinite(t)):
        raise TimecodeError("times must be finite numbers of seconds")
    ns = np.rint(t * _NS).astype(np.int64) + 1
    num, den = fps.rate.numerator, fps.rate.denominator
    if t.size and int(np.abs(ns).max()) * num >= 2**62:  # would overflow int64: exact Python ints
        out = np.array([(int(v) * num) // (_NS * den) for v in ns], dtype=np.int64)
    else:
        out = (ns * num) // (_NS * den)
    return np.maximum(out - lead, 0)


def frame_start(frame: int, fps: FrameRate) -> float:
    """Start of a 0-based frame in seconds (the nearest float to the exact value)."""
    return float(Fraction(frame) / fps.rate)


def frame_of_sample(sample: int, sample_rate: int, fps: FrameRate) -> int:
    """The frame holding a 0-based sample index (exact)."""
    return (sample * fps.rate.numerator) // (sample_rate * fps.rate.denominator)


def first_sample(frame: int, sample_rate: int, fps: FrameRate) -> int:
    """The first sample index inside a 0-based frame (exact, rounds up)."""
    num = frame * sample_rate * fps.rate.denominator
    return -((-num) // fps.rate.numerator)


def to_timecode(frame: int, fps: FrameRate, start: int = 0) -> str:
    """SMPTE timecode of a 0-based frame count, optionally offset by a start frame.

    Raises
    ------
    TimecodeError
        For a negative frame or one at or past 24 h (timecode would wrap).
    """
    n = int(frame) + int(start)
    if n < 0:
        raise TimecodeError(f"frame {n} is before 00:00:00:00")
    if n >= fps.frames_per_day:
        raise TimecodeError(
            f"frame {n} is at or past 24 hours at {fps.name} fps ({fps.frames_per_day} frames); "
            "timecode would wrap to 00:00:00:00"
        )
    hh, mm, ss, ff = (int(x) for x in timecode_fields(n, fps))
    drop = fps._drop
    sep = ";" if drop else ":"
    return f"{hh:02d}:{mm:02d}:{ss:02d}{sep}{ff:02d}"


def timecode_fields(frames, fps: FrameRate):
    """Hours, minutes, seconds and frames of 0-based frame counts (int or int array), no checks.

    The drop-frame count adds back the skipped numbers: ``drop`` per minute, except the
    minutes divisible by ten.
    """
    nom, drop = fps.nominal, fps._drop
    n = np.asarray(frames, dtype=np.int64)
    if drop:
        per_10 = 600 * nom - 9 * drop
        per_min = 60 * nom - drop
        tens, rem = np.divmod(n, per_10)
        n = n + 9 * drop * tens + drop * (np.maximum(rem - drop, 0) // per_min)
    secs = n // nom
    return secs // 3600, secs // 60 % 60, secs % 60, n % nom


def frames_from_fields(hh, mm, ss, ff, fps: FrameRate):
    """Inverse of :func:`timecode_fields` (no range checks)."""
    nom, drop = fps.nominal, fps._drop
    minutes = np.asarray(hh, dtype=np.int64) * 60 + mm
    return (minutes * 60 + ss) * nom + ff - drop * (minutes - minutes // 10)


_TC = re.compile(r"^(\d{1,2})[:.](\d{2})[:.](\d{2})([:;.,])(\d{2,3})$")


def from_timecode(text: str, fps: FrameRate, start: int = 0) -> int:
    """0-based frame count of a timecode, less an optional start frame.

    ``HH:MM:SS:FF`` at non-drop rates; ``HH:MM:SS;FF`` (``:`` also accepted) at drop-frame rates.

    Raises
    ------
    TimecodeError
        For a malformed timecode, a field out of range, a frame number that drop-frame skips, or
        drop-frame notation at a non-drop rate.
    """
    m = _TC.match(str(text).strip())
    if not m:
        raise TimecodeError(f"timecode {text!r} is not HH:MM:SS:FF (or HH:MM:SS;FF for drop-frame)")
    hh, mm, ss, sep, ff = int(m[1]), int(m[2]), int(m[3]), m[4], int(m[5])
    nom, drop = fps.nominal, fps._drop
    if sep in ";," and not drop:
        hint = f" (use --fps {fps.name}df)" if fps.rate in _DROP_FRAMES else ""
        raise TimecodeError(f"timecode {text} is drop-frame but {fps.name} fps is non-drop{hint}")
    if hh >= 24 or mm >= 60 or ss >= 60:
        raise TimecodeError(f"timecode {text} is out of range (hours < 24, minutes and seconds < 60)")
    if ff >= nom:
        raise TimecodeError(f"timecode {text} has frame {ff}, but frames run 00-{nom - 1:02d} at {fps.name} fps")
    if drop and ss == 0 and mm % 10 != 0 and ff < drop:
        raise TimecodeError(
            f"timecode {text} does not exist at {fps.name}: drop-frame skips frames "
            f"00-{drop - 1:02d} at the start of each minute except every tenth"
        )
    n = int(frames_from_fields(hh, mm, ss, ff, fps)) - int(start)
    if n < 0:
        raise TimecodeError(f"timecode {text} is before the start timecode")
    return n


def to_feet(frame: int, gauge: str = "35mm") -> str:
    """Footage of a 0-based frame count: ``feet+frames`` (``100`` -> ``6+04`` on 35 mm)."""
    per = _per_foot(gauge)
    if frame < 0:
        raise TimecodeError(f"frame {frame} is negative; footage starts at 0+00")
    width = len(str(per - 1))
    return f"{frame // per}+{frame % per:0{width}d}"


def from_feet(text: str, gauge: str = "35mm") -> int:
    """Frame count of ``feet+frames`` footage (``90+00`` -> 1440 on 35 mm)."""
    per = _per_foot(gauge)
    m = re.fullmatch(r"\s*(\d{1,15})\+(\d{1,15})\s*", str(text))
    if not m:
        shown = str(text) if len(str(text)) <= 40 else str(text)[:40] + "..."
        raise TimecodeError(f"footage {shown!r} is not feet+frames such as 90+00")
    feet, frames = int(m[1]), int(m[2])
    if frames >= per:
        raise TimecodeError(f"footage {text} has {frames} frames, but a {gauge} foot has {per} (00-{per - 1})")
    return feet * per + frames


def _per_foot(gauge: str) -> int:
    try:
        return FRAMES_PER_FOOT[gauge]
    except KeyError:
        raise TimecodeError(f"film gauge {gauge!r} is unknown; use one of {', '.join(FRAMES_PER_FOOT)}") from None
