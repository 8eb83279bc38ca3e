"""Fuzz every syncsheet reader for a while (the long run of tests/robustness/test_fuzz_readers.py).

    .venv/bin/python benchmarks/fuzz_readers.py --minutes 10            # every target, in turns
    .venv/bin/python benchmarks/fuzz_readers.py --minutes 2 --target read:json --target project

Targets are found at run time (every format with ``read``, the project file, the timecode, rate,
footage and convert parsers); ``--list`` names them. Each round gives every target a fresh random
batch of inputs until the time is up. A bug (any exception other than SyncsheetError, or a result
that makes no sense) stops the run: hypothesis prints the smallest input that shows it, and the
command exits 1. Needs the dev extra (hypothesis).
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from robustness.fuzz_targets import run_target, targets, temporary_folder  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--minutes", type=float, default=5.0, help="how long to run (default 5)")
    p.add_argument("--target", action="append", default=None, help="fuzz only this target (repeatable)")
    p.add_argument("--batch", type=int, default=2000, help="inputs per target per round (default 2000)")
    p.add_argument("--list", action="store_true", help="name the targets and stop")
    args = p.parse_args(argv)
    with temporary_folder() as folder:
        found = targets(Path(folder))
        if args.list:
            print("\n".join(found))
            return 0
        chosen = args.target or list(found)
        unknown = [n for n in chosen if n not in found]
        if unknown:
            print(f"fuzz: unknown target {', '.join(unknown)}; known: {', '.join(found)}", file=sys.stderr)
            return 2
        end = time.monotonic() + args.minutes * 60
        counts = dict.fromkeys(chosen, 0)
        rounds = 0
        while time.monotonic() < end:
            rounds += 1
            for name in chosen:
                if time.monotonic() >= end:
                    break
                try:
                    counts[name] += run_target(found[name], args.batch)
                except Exception:  # hypothesis re-raises the bug with the smallest input it found
                    traceback.print_exc()
                    print(f"fuzz: BUG in target {name} after {counts[name]} inputs (smallest input above)")
                    return 1
        total = sum(counts.values())
        print(f"fuzz: {total} inputs in {args.minutes:g} min over {rounds} rounds, no bug found")
        for name, n in counts.items():
            print(f"  {name:<12} {n:>9}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
