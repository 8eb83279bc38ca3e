"""``syncsheet analyze AUDIO``: analyse a file and write sheets and exports."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..analysis import analyze
from ..audio import probe
from ..sheet import ExposureSheet, check_timecode_room, with_audio_start
from ..wording import counted
from . import common


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("analyze", help="analyse an audio file and write sheets/exports",
                       description="Analyse AUDIO and write the outputs asked for (or all of them into -o DIR).")
    p.add_argument("audio", type=Path, help="WAV or BWF, AIFF, CAF, FLAC, Ogg (Vorbis, Opus) or MP3")
    common.add_sheet_arguments(p)
    common.add_analysis_arguments(p)
    common.add_output_arguments(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = common.settings_from(args)
    # a Broadcast WAV's own timecode starts the sheet unless --start-tc says otherwise; a start the
    # audio would run past midnight from, or an output that cannot be written, is said now, not
    # after a reel's analysis
    info = probe(args.audio)
    options = with_audio_start(common.sheet_options(args), info, args.fps)
    from_file = options.start_timecode if args.start_tc is None else None
    check_timecode_room(info.duration, args.fps, options)
    common.check_outputs(args, args.audio.stem)
    bar = common.progress_bar(args, args.audio.name)
    try:
        result = analyze(args.audio, settings, progress=bar, info=info)
    finally:
        bar.close()
    sheet = ExposureSheet(result, args.fps, options)
    written = common.write_outputs(sheet, args, args.audio.stem)
    if not args.quiet:
        print(summary(sheet))
        if from_file:
            print(f"start timecode {from_file}, from the file's {info.timeline_source}")
            code = info.timecode
            if info.time_reference is None and code is not None and code.rate.name != args.fps.name:
                # a camera's code at 25 fps beside a 24 fps sheet: the start is converted, the frames are not the code's
                print(f"the file's timecode counts {code.rate.name} fps and the sheet {args.fps.name} fps: "
                      f"--fps {code.rate.name} numbers the sheet in the code's frames")
        elif args.start_tc is None and info.timeline_reference and (own := info.start_timecode(args.fps)):
            print(f"the file's {info.timeline_source}, {own}, is not used: the audio would run past midnight from it")
        for w in result.warnings:
            print(f"warning: {w}")
        for path in written:
            print(f"wrote {path}")
    return 0


def summary(sheet) -> str:
    """One line on what was found."""
    a = sheet.analysis
    tempo = ", ".join(
        f"{s.bpm:.1f} BPM ({sheet.frames_per_beat(s):.1f} fpb, {s.beats_per_bar}/4)" for s in a.tempo.segments[:4]
    )
    more = " ..." if len(a.tempo.segments) > 4 else ""
    return (
        f"{a.source or 'audio'}: {a.duration:.2f} s = {counted(sheet.frames, 'frame')} at {sheet.fps.name} fps; "
        f"{counted(len(a.beats), 'beat')}, {counted(len(a.downbeats), 'bar')}, {counted(len(a.onsets), 'onset')}, "
        f"{counted(len(a.cues), 'cue')}; "
        f"tempo {tempo or '-'}{more}"
    )
