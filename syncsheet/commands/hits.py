"""``syncsheet hits --fps 24 FRAME...``: tempos whose beat grid lands on given hit frames."""

from __future__ import annotations

import argparse
from fractions import Fraction

from ..errors import AnalysisError
from ..hits import find_tempos, mixed
from .common import rate_arg
from .convert import parse_value
from .tempos import _can_print, bpm_text


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "hits", help="find tempos whose beats land on hit frames (like Auricle's hit finder)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "List the tempos in a BPM range whose beat grid, started at the offset, lands every hit\n"
            "within ±TOLERANCE frames. Hits are frames (1440), timecode (00:01:00:00), feet+frames (90+00)\n"
            "or seconds (2.5s), all in the same numbering as --offset.\n\n"
            "Ranking: each line is one way of counting the hits (hit on beat N); its tempo is the one that\n"
            "makes the WORST error smallest (exact minimax). Lines are sorted by that worst error in frames\n"
            "(the largest distance between any hit and its nearest grid line), then by the mean error,\n"
            "then by the simplest subdivision. 'range' is the span of tempos over which the same count\n"
            "keeps every hit within the tolerance: pick a round BPM inside it if you prefer one.\n"
            "Beats are counted from 1 at the offset; 5½ is half a beat after beat 5."
        ),
    )
    p.add_argument("hits", nargs="+", metavar="FRAME", help="hit frames (or timecode, feet+frames, seconds)")
    p.add_argument("--fps", type=rate_arg, required=True, metavar="RATE", help="frame rate: 24, 23.976, 25, 29.97...")
    p.add_argument("--bpm-min", type=float, default=60.0, metavar="BPM", help="slowest tempo (default %(default)s)")
    p.add_argument("--bpm-max", type=float, default=200.0, metavar="BPM", help="fastest tempo (default %(default)s)")
    p.add_argument("--tolerance", type=float, default=1.0, metavar="N",
                   help="largest distance of a hit from its grid line, in frames (default %(default)s)")
    p.add_argument("--offset", default=None, metavar="FRAME",
                   help="frame of the first beat of the grid (default: the first hit)")
    p.add_argument("--subdivisions", type=int, nargs="+", default=[1], metavar="N",
                   help="grid lines a hit may land on: 1 = beats, 2 = eighths, 3 = triplets, 4 = sixteenths "
                        "(default: 1)")
    p.add_argument("--limit", type=int, default=20, metavar="N", help="show the best N tempos (default %(default)s)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise AnalysisError(f"--limit {args.limit} must be 1 or more")
    hits = [parse_value(h, args.fps) for h in args.hits]
    offset = parse_value(args.offset, args.fps) if args.offset is not None else None
    found = find_tempos(hits, args.fps, bpm_min=args.bpm_min, bpm_max=args.bpm_max, tolerance=args.tolerance,
                        offset=offset, subdivisions=tuple(args.subdivisions), limit=args.limit)
    start = min(hits) if offset is None else offset
    print(f"{len(hits)} hits at {args.fps.name} fps, grid from frame {start}, tolerance ±{args.tolerance:g} frames")
    if not found:
        print(f"no tempo between {args.bpm_min:g} and {args.bpm_max:g} BPM lands every hit within "
              f"±{args.tolerance:g} frames; try a larger --tolerance, more --subdivisions or a wider range")
        return 1
    uni = _can_print("½⅓¼")
    print(f"{'BPM':>9}  {'frames/beat':>11}  {'worst':>5}  {'mean':>5}  {'range (BPM)':>15}  hits on beats")
    for h in found:
        beats = " ".join(_beat(p + 1, uni) for p in h.positions)
        rng = f"{float(h.bpm_low):.2f}-{float(h.bpm_high):.2f}"
        print(f"{bpm_text(h.bpm):>9}  {mixed(h.frames_per_beat, uni):>11}  {_f(h.worst):>5}  {h.mean:>5.2f}  "
              f"{rng:>15}  {beats}")
    return 0


def _beat(n: Fraction, uni: bool) -> str:
    """Beat number as a mixed fraction; a hit before the offset gets a minus sign."""
    return ("-" if n < 0 else "") + mixed(abs(n), uni)


def _f(x: Fraction) -> str:
    return f"{float(x):.2f}"
