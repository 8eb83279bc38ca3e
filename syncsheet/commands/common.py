"""Arguments and steps shared by the commands that make sheets (analyze, demo, sheet, batch)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import exporters
from ..analysis import AnalysisSettings
from ..errors import FrameRateError, OutputError
from ..fileio import check_writable
from ..progress import TerminalBar
from ..sheet import ExposureSheet, SheetOptions
from ..timebase import parse_rate

__all__ = [
    "add_analysis_arguments",
    "add_sheet_arguments",
    "add_output_arguments",
    "settings_from",
    "check_outputs",
    "sheet_from",
    "sheet_options",
    "write_outputs",
    "progress_bar",
]


def rate_arg(text: str):
    """argparse type for --fps that keeps our message (argparse hides ValueError's)."""
    try:
        return parse_rate(text)
    except FrameRateError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _seconds_arg(text: str) -> float:
    try:
        t = float(text[:-1] if text.endswith("s") else text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a time in seconds (say 12.5)") from None
    if not (t >= 0 and t != float("inf")):
        raise argparse.ArgumentTypeError(f"{text!r} is not a time in seconds from the start (0 or more)")
    return t


def add_analysis_arguments(p: argparse.ArgumentParser, *, one_file: bool = True) -> None:
    """The analysis settings' flags; *one_file* adds those that name times in one file's audio."""
    g = p.add_argument_group("analysis")
    g.add_argument("--bpm-min", type=float, default=AnalysisSettings.bpm_min, metavar="BPM",
                   help="slowest beat tempo (default %(default)s); a range around the notated tempo folds beats "
                        "found at twice or half of it to it")
    g.add_argument("--bpm-max", type=float, default=AnalysisSettings.bpm_max, metavar="BPM",
                   help="fastest beat tempo (default %(default)s)")
    g.add_argument("--meter", type=int, default=None, metavar="N",
                   help="beats per bar (default: detect)")
    g.add_argument("--sensitivity", type=float, default=AnalysisSettings.sensitivity, metavar="0..1",
                   help="higher finds more onsets and cues (default %(default)s)")
    g.add_argument("--offbeat", action="store_true",
                   help="the beats found fall between the music's beats: move every beat half a beat")
    if one_file:
        g.add_argument("--bar-start", type=_seconds_arg, action="append", default=None, metavar="SECONDS",
                       dest="bar_starts", help="a bar starts on the beat nearest this time (seconds into the "
                       "audio, as in the JSON's beat times); the bars around it move to match (repeatable)")


def add_sheet_arguments(p: argparse.ArgumentParser, fps_required: bool = False) -> None:
    g = p.add_argument_group("sheet")
    g.add_argument("--fps", type=rate_arg, default=None if fps_required else parse_rate("24"),
                   required=fps_required, metavar="RATE",
                   help="frame rate: 24, 23.976, 25, 29.97df, 30, N/D... (default 24)")
    g.add_argument("--first-frame", type=int, choices=(0, 1), default=1, help="number of the first row (default 1)")
    g.add_argument("--lead", type=int, default=0, metavar="N", help="mark events N frames early (default 0)")
    g.add_argument("--start-tc", default=None, metavar="TC", help="timecode of the first frame, e.g. 01:00:00:00")
    g.add_argument("--production", default="", help="production title for sheet headers")
    g.add_argument("--scene", default="", help="scene number for sheet headers")
    g.add_argument("--cut", default="", help="cut number for sheet headers")
    g.add_argument("--gauge", choices=("35mm", "16mm"), default="35mm", help="film gauge for footage")


def add_output_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("outputs (any number)")
    g.add_argument("-o", "--out-dir", type=Path, default=None, metavar="DIR",
                   help="write every format into DIR, named after the audio file")
    for mod in exporters.all_formats():
        g.add_argument(f"--{mod.NAME}", type=Path, default=None, metavar="PATH", dest=f"out_{mod.NAME}",
                       help=mod.DESCRIPTION)
    for mod in exporters.all_formats():
        if hasattr(mod, "add_arguments"):
            mod.add_arguments(p.add_argument_group(f"{mod.NAME} options"))
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")


def settings_from(args: argparse.Namespace) -> AnalysisSettings:
    return AnalysisSettings(args.bpm_min, args.bpm_max, args.meter, args.sensitivity, args.offbeat,
                            tuple(getattr(args, "bar_starts", None) or ()))


def sheet_options(args: argparse.Namespace) -> SheetOptions:
    return SheetOptions(
        first_frame=args.first_frame, lead=args.lead, start_timecode=args.start_tc,
        production=args.production, scene=args.scene, cut=args.cut, gauge=args.gauge,
    )


def sheet_from(analysis, args: argparse.Namespace) -> ExposureSheet:
    return ExposureSheet(analysis, args.fps, sheet_options(args))


def requested_outputs(args: argparse.Namespace, stem: str, everything: bool = False) -> list[tuple[object, Path]]:
    """(format module, path) pairs asked for: explicit flags, plus every format into -o DIR."""
    out: list[tuple[object, Path]] = []
    for mod in exporters.all_formats():
        path = getattr(args, f"out_{mod.NAME}", None)
        if path is not None:
            out.append((mod, path))
        elif args.out_dir is not None and (everything or not _any_explicit(args)):
            out.append((mod, args.out_dir / exporters.default_name(mod, stem)))
    return out


def _any_explicit(args: argparse.Namespace) -> bool:
    return any(getattr(args, f"out_{m.NAME}", None) is not None for m in exporters.all_formats())


def check_outputs(args: argparse.Namespace, stem: str, everything: bool = False) -> None:
    """Make the output folder and check that every requested file can be written there, before the
    analysis: a missing or read-only folder is said at once, not after a reel's minute."""
    _make_out_dir(args)
    for _, path in requested_outputs(args, stem, everything):
        check_writable(path)


def _make_out_dir(args: argparse.Namespace) -> None:
    if args.out_dir is not None:
        try:
            args.out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"{args.out_dir}: cannot create the output folder ({exc.strerror})") from None


def write_outputs(sheet: ExposureSheet, args: argparse.Namespace, stem: str, everything: bool = False) -> list[Path]:
    """Write every requested format atomically; returns the paths written."""
    _make_out_dir(args)
    written = []
    for mod, path in requested_outputs(args, stem, everything):
        opts = mod.options_from(args) if hasattr(mod, "options_from") else {}
        bar = progress_bar(args, path.name)  # shows only for formats that report (a long PDF)
        try:
            written.append(exporters.write_file(sheet, path, mod.NAME, progress=bar, **opts))
        finally:
            bar.close()
    return written


def progress_bar(args: argparse.Namespace, label: str) -> TerminalBar:
    return TerminalBar(label, stream=sys.stderr if not getattr(args, "quiet", False) else _Null())


class _Null:
    def isatty(self) -> bool:
        return False
