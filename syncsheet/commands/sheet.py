"""``syncsheet sheet --from-midi score.mid --fps 24``: sheets and exports from a composer's file.

The timing comes from a file instead of audio: a MIDI file's tempo map, time signatures, markers
and cue points (or any readable format: a JSON sheet, Audacity labels, an EDL, an OTIO timeline),
and the outputs are the same as ``analyze`` writes.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .. import exporters
from ..exporters import midi
from . import common
from .analyze import summary


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sheet", help="make sheets and exports from a MIDI file (or labels, EDL, OTIO, JSON)",
        description="Read the timing of a MIDI file (tempo map, time signatures, markers, cue points) or of "
                    "another readable file, and write the outputs asked for, as 'analyze' does for audio. "
                    "A MIDI file's SMPTE offset becomes the start timecode unless --start-tc is given.",
    )
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--from-midi", type=Path, metavar="MIDI", help="a Standard MIDI File (.mid)")
    src.add_argument("--from", dest="from_file", type=Path, metavar="FILE",
                     help="any readable file, by its suffix: .json, .mid, .labels.txt/.txt, .edl, .otio")
    common.add_sheet_arguments(p)
    common.add_output_arguments(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    path = args.from_midi or args.from_file
    fmt = midi.NAME if args.from_midi else None
    start_tc = args.start_tc
    analysis = exporters.read_file(path, fmt, fps=args.fps, start_timecode=start_tc)
    mod = exporters.get(fmt) if fmt else exporters.for_path(path)
    notes = []
    if mod is midi and start_tc is None:
        with open(path, "rb") as stream:
            start_tc = midi.smpte_start(stream, args.fps)
        if start_tc:
            args.start_tc = start_tc
            notes.append(f"start timecode {start_tc} from the MIDI file's SMPTE offset")
        else:
            with open(path, "rb") as stream:
                other = midi.smpte_start(stream)
            if other:
                notes.append(f"the MIDI file's SMPTE offset {other} is at another frame rate than "
                             f"{args.fps.name} fps: not used (give --start-tc)")
    analysis = analysis.replace(source=path.name)
    sheet = common.sheet_from(analysis, args)
    written = common.write_outputs(sheet, args, _stem(path))
    if not args.quiet:
        print(summary(sheet))
        for note in notes:
            print(f"note: {note}")
        for path_out in written:
            print(f"wrote {path_out}")
        if not written:
            print("nothing written: give -o DIR or --json/--csv/--midi... PATH")
    return 0


def _stem(path: Path) -> str:
    name = path.name
    for suffix in (".labels.txt",):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return path.stem
