"""Build the *accel* check set: the tempo set's 16 excerpts with the tempo doubling or halving.

Cartoon music speeds up and slows down far more than the benchmark builder's ramps (0.85 → 1.15 of
the score's tempo over an excerpt). Here every second excerpt of ``tempo-pieces.json`` accelerates
linearly from 0.75 to 1.5 of its score's tempo over the excerpt (twice as fast at the end), the
others slow from 1.4 to 0.7 (half as fast), through ``../shared/bench/make_dataset.py`` with these
two tempo curves added and seed 801. Run with the benchmark's own Python (mido, pretty_midi)::

    /tmp/syncsheet-bench/venv/bin/python benchmarks/build_accel_set.py     # writes /tmp/syncsheet-bench/accel
    .venv/bin/python benchmarks/bench_analysis.py --accuracy-only --per-excerpt --set /tmp/syncsheet-bench/accel
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
BENCH = HERE.parent.parent / "shared" / "bench"


def _pieces() -> dict:
    spec = json.loads((HERE / "tempo-pieces.json").read_text())
    out = {"_comment": "the tempo set's pieces, each accelerating x2 or slowing /2 over its excerpt",
           "main": [], "tempo": [], "sfx": spec["sfx"]}
    for i, p in enumerate(spec["tempo"]):
        kind = "accel" if i % 2 == 0 else "rit"
        out["tempo"].append(dict(p, id=p["id"].rsplit("_", 1)[0].replace("tm_", "ac_", 1) + "_" + kind, mod=kind))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", default="/tmp/syncsheet-bench/src")
    ap.add_argument("--out", default="/tmp/syncsheet-bench/accel")
    ap.add_argument("--bench", type=Path, default=BENCH, help="the shared benchmark builder's folder")
    args = ap.parse_args()
    sys.path.insert(0, str(args.bench))
    import make_dataset as md  # the shared builder: only its tempo curves are added to

    builder_curve = md.make_speed_fn

    def curve(kind, rng, b0, b1):
        if kind == "accel":
            return lambda b: float(np.clip(0.75 + 0.75 * (b - b0) / (b1 - b0), 0.75, 1.5))
        if kind == "rit":
            return lambda b: float(np.clip(1.4 - 0.7 * (b - b0) / (b1 - b0), 0.7, 1.4))
        return builder_curve(kind, rng, b0, b1)

    md.make_speed_fn = curve
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(_pieces(), fh)
    sys.argv = ["make_dataset.py", "--src", args.src, "--out", args.out, "--pieces", fh.name, "--seed", "801"]
    md.main()


if __name__ == "__main__":
    main()
