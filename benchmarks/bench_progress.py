"""How often a long analysis says where it is, and how soon a cancel stops it.

The CLI's bar and the window's Cancel button hear the analysis only through its progress callback:
the longest stretch without a report is how long a bar stands still and how long Cancel can wait.
On the two-hour reel of ``bench_analysis.py`` (the same file, made the same way if it is not there)
this prints

  * the analysis's time, the number of reports, and the five longest gaps between reports, with the
    stage and fraction each ended at;
  * for each of ``--cancel-at`` (seconds into the analysis), a run cancelled from its first report
    after that time: when the report came and when ``analyze`` raised ``Cancelled`` (the second
    thread's job is stopped at its next block, then joined).

usage: python benchmarks/bench_progress.py [--set DIR] [--work DIR] [--reel-hours H]
                                           [--cancel-at S [S ...]]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_analysis import make_reel  # noqa: E402  (the same reel as the analysis benchmark)

from syncsheet.analysis import analyze  # noqa: E402
from syncsheet.errors import Cancelled  # noqa: E402


def gaps(reel: Path) -> float:
    """Print the longest gaps between progress reports; return the analysis's time."""
    seen: list[tuple[float, float, str]] = []
    t0 = time.monotonic()
    analyze(reel, progress=lambda f, s: seen.append((time.monotonic() - t0, f, s)))
    total = time.monotonic() - t0
    print(f"analysis {total:.1f} s, {len(seen)} progress reports")
    times = [0.0] + [t for t, _, _ in seen]
    spans = sorted(((times[i + 1] - times[i], i) for i in range(len(seen))), reverse=True)[:5]
    for gap, i in spans:
        before = f"{seen[i - 1][2]} {seen[i - 1][1]:.3f}" if i else "the start"
        print(f"  {gap:5.2f} s without a report, from {before} to {seen[i][2]} {seen[i][1]:.3f}")
    return total


def cancel_at(reel: Path, at: float) -> None:
    """Cancel from the first report at or after *at* seconds and print how soon it stopped."""
    heard: list[tuple[float, float, str]] = []
    t0 = time.monotonic()

    def progress(fraction: float, stage: str) -> None:
        now = time.monotonic() - t0
        if now >= at:
            heard.append((now, fraction, stage))
            raise Cancelled("benchmark")

    try:
        analyze(reel, progress=progress)
    except Cancelled:
        end = time.monotonic() - t0
        now, fraction, stage = heard[0]
        print(f"  cancel at {at:5.1f} s: heard at {now:5.1f} s ({stage} {fraction:.3f}), stopped at {end:5.1f} s: "
              f"{end - at:.2f} s after")
    else:
        print(f"  cancel at {at:5.1f} s: the analysis ended first")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--set", type=Path, default=Path(os.environ.get("SYNCSHEET_BENCH_SET", "/tmp/syncsheet-bench/dev")))
    ap.add_argument("--work", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "syncsheet-bench-work")
    ap.add_argument("--reel-hours", type=float, default=2.0)
    ap.add_argument("--cancel-at", type=float, nargs="*", default=[],
                    help="seconds into the analysis to cancel at, one run each (try a spread over its time)")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    reel = args.work / f"reel_{args.reel_hours:g}h_48k.wav"
    if not reel.exists():
        print(f"writing {reel} ...", flush=True)
        make_reel(args.set, reel, args.reel_hours)
    gaps(reel)
    for at in args.cancel_at:
        cancel_at(reel, at)


if __name__ == "__main__":
    main()
