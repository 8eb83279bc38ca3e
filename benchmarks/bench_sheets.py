"""How long a feature-length sheet takes to build and write, and the memory it needs.

Builds a synthetic 2-hour analysis at 120 BPM with onsets, a cue every 30 s and a 10 ms level
track, then builds the ExposureSheet and writes each sheet format to a temporary folder,
printing seconds, pages and file size per step and the process' peak RSS. Not a timed test:
run it by hand (``.venv/bin/python benchmarks/bench_sheets.py [--hours 2] [--fps 24]``).
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

from syncsheet import exporters
from syncsheet.model import Analysis, Beat, Cue, Levels, Onset, TempoMap, TempoSegment
from syncsheet.sheet import ExposureSheet, SheetOptions


def synthetic(hours: float, seed: int = 0) -> Analysis:
    rng = np.random.default_rng(seed)
    dur = hours * 3600
    t = np.arange(0.5, dur, 0.5)
    beats = tuple(Beat(float(x), i // 4 + 1, i % 4 + 1, float(s))
                  for i, (x, s) in enumerate(zip(t, rng.uniform(0.2, 1.0, t.size), strict=True)))
    on = np.sort(rng.uniform(0, dur, int(dur * 3)))
    onsets = tuple(Onset(float(x), float(s)) for x, s in zip(on, rng.uniform(0, 1, on.size), strict=True))
    cues = tuple(Cue(float(x), "hit", f"HIT {i}") for i, x in enumerate(np.arange(10, dur, 30)))
    levels = Levels(0.01, -20 - 20 * rng.random(int(dur * 100)).astype(np.float32))
    return Analysis(dur, 48000, beats, onsets, cues, TempoMap((TempoSegment(0.5, 120.0, 4),)), levels, "reel.wav")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=float, default=2.0)
    ap.add_argument("--fps", default="24")
    ap.add_argument("--formats", default="pdf,csv,xdts,bar-sheet,bar-csv", help="comma-separated format names")
    args = ap.parse_args()
    t0 = time.perf_counter()
    a = synthetic(args.hours)
    print(f"synthetic analysis: {len(a.beats)} beats, {len(a.onsets)} onsets, {len(a.cues)} cues "
          f"in {time.perf_counter() - t0:.1f} s; peak RSS {peak_rss_mb():.0f} MB")
    t0 = time.perf_counter()
    sheet = ExposureSheet(a, args.fps, SheetOptions(production="Benchmark", scene="1", cut="1"))
    print(f"ExposureSheet: {sheet.frames} frames in {time.perf_counter() - t0:.2f} s; peak RSS {peak_rss_mb():.0f} MB")
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.formats.split(","):
            for layout in (("western", "japanese") if name == "pdf" else (None,)):
                mod = exporters.get(name)
                path = Path(tmp) / exporters.default_name(mod, f"reel-{layout or name}")
                opts = {"layout": layout} if layout else {}
                t0 = time.perf_counter()
                exporters.write_file(sheet, path, name, **opts)
                dt = time.perf_counter() - t0
                extra = ""
                if name == "pdf":
                    from syncsheet.exporters.pdfsheet import plan

                    p = plan(sheet, layout)
                    extra = f", {sheet.page_count(p.per_page, p.first_page)} pages"
                print(f"{name:9} {layout or '':9} {dt:6.1f} s, {path.stat().st_size / 1e6:6.1f} MB{extra}; "
                      f"peak RSS so far {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
