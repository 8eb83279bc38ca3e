"""``syncsheet demo``: analyse the bundled score and write every output to ./syncsheet-demo/."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from .. import demo, timebase
from ..analysis import analyze
from . import common
from .analyze import summary


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="analyse the bundled demo score and write every output",
                       description="Analyse the demo score shipped with syncsheet, write every format into "
                                   "DIR (default ./syncsheet-demo) and compare with its ground truth.")
    common.add_sheet_arguments(p)
    common.add_analysis_arguments(p)
    common.add_output_arguments(p)
    p.set_defaults(func=run, out_dir_default=Path("syncsheet-demo"))


def run(args: argparse.Namespace) -> int:
    if args.out_dir is None:
        args.out_dir = args.out_dir_default
    audio = demo.score_path()
    bar = common.progress_bar(args, "demo score")
    try:
        result = analyze(audio, common.settings_from(args), progress=bar)
    finally:
        bar.close()
    sheet = common.sheet_from(result, args)
    written = common.write_outputs(sheet, args, audio.stem, everything=True)
    if not args.quiet:
        print(summary(sheet))
        print(compare(sheet, demo.truth()))
        for path in written:
            print(f"wrote {path}")
    return 0


def compare(sheet, truth: dict) -> str:
    """How many true beats and cues the sheet marks on the right frame (and within one)."""
    lines = []
    for name, found in (("beats", [b.time for b in sheet.analysis.beats]),
                        ("cues", [c.time for c in sheet.analysis.cues if c.kind not in ("stop", "restart")])):
        ref = timebase.frames_of([e["time"] for e in truth[name]], sheet.fps)
        est = timebase.frames_of(found, sheet.fps)
        if not len(ref):
            continue
        dist = np.abs(ref[:, None] - est[None, :]).min(axis=1) if len(est) else np.full(len(ref), 99)
        lines.append(f"{name}: {len(est)} found for {len(ref)} true; on the true frame {np.mean(dist == 0):.0%}, "
                     f"within 1 frame {np.mean(dist <= 1):.0%}")
    return "ground truth: " + "; ".join(lines)
