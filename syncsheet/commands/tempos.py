"""``syncsheet tempos --fps 24``: the frame-friendly tempo table (frames per beat with BPM)."""

from __future__ import annotations

import argparse
import sys
from fractions import Fraction

from ..hits import friendly_tempos, mixed
from .common import rate_arg


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "tempos", help="frame-friendly tempos: frames per beat and BPM",
        description="List tempos whose beats fall on whole frames (or a repeating pattern of them, such as "
                    "12½ frames = beats alternately 12 and 13 frames apart), with their exact BPM at the "
                    "frame rate. The pattern column gives the frames from each beat to the next over one cycle.",
    )
    p.add_argument("--fps", type=rate_arg, required=True, metavar="RATE", help="frame rate: 24, 23.976, 25, 29.97...")
    p.add_argument("--bpm-min", type=float, default=60.0, metavar="BPM", help="slowest tempo (default %(default)s)")
    p.add_argument("--bpm-max", type=float, default=200.0, metavar="BPM", help="fastest tempo (default %(default)s)")
    p.add_argument("--divisions", type=int, nargs="+", default=[1, 2], metavar="N",
                   help="fractions of a frame per beat to list: 1 = whole frames, 2 = halves (12½), "
                        "3 = thirds, 4 = quarters (default: 1 2)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    rows = friendly_tempos(args.fps, args.bpm_min, args.bpm_max, tuple(args.divisions))
    uni = _can_print("½⅓¼")
    print(f"{'frames/beat':>11}  {'BPM':>9}  pattern   ({args.fps.name} fps; ~ = rounded)")
    for r in rows:
        pattern = "-".join(str(n) for n in r.pattern)
        print(f"{mixed(r.frames_per_beat, uni):>11}  {bpm_text(r.bpm):>9}  {pattern}")
    return 0


def bpm_text(bpm: Fraction) -> str:
    """BPM to 3 decimals, with ``~`` when that is not exact (127.059 is ~127.0588...)."""
    shown = f"{float(bpm):.3f}"
    return shown if Fraction(shown) == bpm else "~" + shown


def _can_print(text: str) -> bool:
    """Whether stdout can show these characters (else fractions are written 12+1/2)."""
    try:
        text.encode(sys.stdout.encoding or "ascii")
    except (UnicodeEncodeError, LookupError):
        return False
    return True
