"""What kind of error each excerpt's beats make: the level, the phase, or a grid that floats.

A beat F under 1 can mean three different things, each needing its own cure: the tracker took
another metrical level (twice or half the tempo, or 3/2, 2/3, 4/3, 3/4 of it), the right period in
the wrong place (an eighth off in 6/8, the off-beat), or the right grid with beats that wander
around the attacks. This reads the estimates a benchmark run left (``bench_analysis.py --work W``
writes them to ``W/est-syncsheet``) and the set's ground truth, cuts each excerpt's beats into runs
of 8, places each run on the score's beat grid and prints, per excerpt, the share of beats in each
class:

    .venv/bin/python benchmarks/beat_errors.py --set /tmp/syncsheet-bench/compound \\
        --est /tmp/bench-NAME-comp/est-syncsheet

``right`` is the right level within a 12th of a beat of the score's beats; ``phase +1/3`` the right
level a third of a beat late (``+2/3`` is a third early); ``level x3/2`` a period 3/2 of the
score's beat; ``other`` a run that wanders. ``half-frame`` is the share of the right beats within
±½ frame at 24 fps (under 0.9: a grid that floats), with their median error in ms.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from fractions import Fraction
from pathlib import Path

import numpy as np

#: Metrical levels told apart, as a ratio of the tracked period to the score's beat.
LEVELS = (Fraction(1), Fraction(2), Fraction(1, 2), Fraction(3, 2), Fraction(2, 3), Fraction(4, 3),
          Fraction(3, 4), Fraction(3), Fraction(1, 3))
RUN = 8  # beats per run
HALF_FRAME = 1 / 48


def _times(path: Path, key: str = "beats") -> np.ndarray:
    d = json.loads(path.read_text())
    return np.sort(np.array([float(e["time"]) for e in d.get(key, [])]))


def beat_index(truth: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Each time as a (fractional) index on the score's beat grid, linear between beats; NaN
    outside it."""
    if len(truth) < 2:
        return np.full(len(t), np.nan)
    return np.interp(t, truth, np.arange(len(truth), dtype=float), left=np.nan, right=np.nan)


def classify_run(idx: np.ndarray) -> str:
    """The class of one run of beats given as indices on the score's beat grid."""
    idx = idx[~np.isnan(idx)]
    if len(idx) < 3:
        return "outside"
    ratio = float(np.median(np.diff(idx)))
    level = min(LEVELS, key=lambda r: abs(np.log(ratio / float(r))))
    if abs(np.log(ratio / float(level))) > 0.06:
        return "other"
    if level != 1:
        return f"level x{level}"
    frac = (idx - np.round(idx)) % 1.0  # in [0, 1): how far after the nearest-below beat
    offset = float(np.angle(np.mean(np.exp(2j * np.pi * frac))) / (2 * np.pi)) % 1.0  # circular mean
    spread = float(np.abs(np.mean(np.exp(2j * np.pi * frac))))
    if spread < 0.8:
        return "other"
    if min(offset, 1 - offset) <= 1 / 12:
        return "right"
    sixth = round(offset * 6) % 6
    return f"phase +{Fraction(sixth, 6)}" if abs(offset * 6 - round(offset * 6)) < 0.5 else "other"


def diagnose(truth: np.ndarray, est: np.ndarray) -> tuple[Counter, float, float]:
    """Per excerpt: beats per class, and the share of right beats within ±½ frame with their
    median absolute error (ms)."""
    idx = beat_index(truth, est)
    classes: Counter = Counter()
    right: list[float] = []
    for k in range(0, len(est), RUN):
        run = idx[k : k + RUN]
        c = classify_run(run)
        classes[c] += int(np.sum(~np.isnan(run))) if c != "outside" else len(run)
        if c == "right":
            for t in est[k : k + RUN]:
                right.append(float(np.min(np.abs(truth - t))))
    share = float(np.mean(np.array(right) <= HALF_FRAME)) if right else float("nan")
    err = float(np.median(right)) * 1000 if right else float("nan")
    return classes, share, err


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", type=Path, required=True, help="benchmark set (manifest.json, <id>.beats)")
    ap.add_argument("--est", type=Path, required=True, help="directory of <id>.json estimates")
    args = ap.parse_args()
    man = json.loads((args.set / "manifest.json").read_text())
    for e in man["excerpts"]:
        i = e["id"]
        p, t = args.est / f"{i}.json", args.set / f"{i}.beats"
        if not p.exists() or not t.exists() or not t.stat().st_size:
            continue
        truth, est = np.atleast_1d(np.loadtxt(t)), _times(p)
        classes, share, err = diagnose(truth, est)
        total = sum(v for k, v in classes.items() if k != "outside") or 1
        parts = ", ".join(f"{k} {v / total:.2f}" for k, v in classes.most_common() if k != "outside")
        timing = f"half-frame {share:.2f} ({err:.0f} ms)" if classes.get("right") else "no right beats"
        print(f"{i:24s} {parts or 'no beats'}   {timing}")


if __name__ == "__main__":
    main()
