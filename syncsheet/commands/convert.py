"""``syncsheet convert VALUE --fps RATE --to UNIT``: frames, timecode, feet, seconds."""

from __future__ import annotations

import argparse
import re
from fractions import Fraction

from .. import timebase as tb
from ..errors import TimecodeError
from .common import rate_arg


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "convert", help="convert between frames, timecode, feet+frames and seconds",
        description="VALUE is read by its form: frames 1440, timecode 00:01:00:00 or 00:01:00;02, "
                    "feet+frames 90+00, seconds 60s or 2.5s. Prints only the result.",
    )
    p.add_argument("value")
    p.add_argument("--fps", type=rate_arg, required=True, metavar="RATE")
    p.add_argument("--to", choices=("frames", "timecode", "feet", "seconds"), required=True)
    p.add_argument("--gauge", choices=tuple(tb.FRAMES_PER_FOOT), default="35mm")
    p.set_defaults(func=run)


def parse_value(text: str, fps: tb.FrameRate, gauge: str = "35mm") -> int:
    """A 0-based frame count from any of the forms ``convert`` accepts."""
    s = text.strip()
    if re.fullmatch(r"\d+", s):
        if len(s) > 15:  # also keeps int() from refusing thousands of digits with a ValueError
            raise TimecodeError(f"frame count {s[:20]}... has {len(s)} digits; that is past any timecode")
        return int(s)
    if re.fullmatch(r"\d+\+\d+", s):
        return tb.from_feet(s, gauge)
    if re.fullmatch(r"\d+(\.\d+)?s", s):
        return tb.frame_of(float(s[:-1]), fps)
    if ":" in s or ";" in s:
        return tb.from_timecode(s, fps)
    raise TimecodeError(
        f"{text!r} is not a value: use frames (1440), timecode (00:01:00:00), feet+frames (90+00) or seconds (2.5s)"
    )


def format_value(frames: int, unit: str, fps: tb.FrameRate, gauge: str = "35mm") -> str:
    if unit == "frames":
        return str(frames)
    if unit == "timecode":
        return tb.to_timecode(frames, fps)
    if unit == "feet":
        return tb.to_feet(frames, gauge)
    exact = Fraction(frames) / fps.rate
    return f"{float(exact):.9f}".rstrip("0").rstrip(".") if exact.denominator != 1 else str(exact.numerator)


def run(args: argparse.Namespace) -> int:
    frames = parse_value(args.value, args.fps, args.gauge)
    print(format_value(frames, args.to, args.fps, args.gauge))
    return 0
