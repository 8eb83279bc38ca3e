"""Do beats and onsets follow the music below the 5 ms hop?

The analysis works on a 5 ms hop clock, and each detector refines its times between hops. If it
does so well, the same music delayed by a fraction of a hop gives every event delayed by that much;
where a time is chosen from whole hops somewhere, events jump by a hop or two as the delay passes a
threshold, and an animator's sheet moves them a frame 10-25 % of the time. Each clean excerpt of the
sets is analysed as it is and delayed by 1.25, 2.5 and 3.75 ms (digital silence put before it; a
10 ms delay, two hops, as the control); the script prints how far each beat and onset moved beyond
the delay (median, 90th percentile, share over 2 ms), and, for the undelayed analysis, the events'
accuracy against the score's: median |error| and the share on the score's own 24 fps frame::

    .venv/bin/python benchmarks/bench_subhop.py --set /tmp/syncsheet-bench/dev
"""

from __future__ import annotations

import argparse
import json
import warnings
from pathlib import Path

import numpy as np
import soundfile as sf

from syncsheet.analysis import analyze_samples

DELAYS_MS = (1.25, 2.5, 3.75, 10.0)
FPS_SHEET = 24


def _ann(set_dir: Path, i: str, ext: str) -> np.ndarray:
    p = set_dir / f"{i}.{ext}"
    return np.atleast_1d(np.loadtxt(p)) if p.exists() and p.stat().st_size else np.zeros(0)


def _moves(before: np.ndarray, after: np.ndarray, delay: float) -> list[float]:
    """For each event of *before*, how far the nearest of *after* is from it plus *delay* (within 20 ms)."""
    if not len(before) or not len(after):
        return []
    k = np.clip(np.searchsorted(after, before + delay), 1, len(after) - 1)
    near = np.where(np.abs(after[k - 1] - before - delay) < np.abs(after[k] - before - delay), after[k - 1], after[k])
    d = near - before - delay
    return d[np.abs(d) < 0.02].tolist()


def _accuracy(est: np.ndarray, ref: np.ndarray, tol: float) -> tuple[list[float], list[bool]]:
    """Errors of the estimates nearest each reference (within *tol*), and whether each is on its frame."""
    err, same = [], []
    for r in ref:
        if not len(est):
            break
        e = est[np.argmin(np.abs(est - r))]
        if abs(e - r) <= tol:
            err.append(e - r)
            same.append(int(np.floor(e * FPS_SHEET)) == int(np.floor(r * FPS_SHEET)))
    return err, same


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", action="append", type=Path, help="benchmark set directory (repeatable)")
    ap.add_argument("--limit", type=int, default=0, help="the first N excerpts of each set only")
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    sets = args.set or [Path("/tmp/syncsheet-bench/dev")]
    moved: dict[tuple[str, float], list[float]] = {}
    acc: dict[str, tuple[list[float], list[bool]]] = {"beats": ([], []), "onsets": ([], [])}
    for d in sets:
        ex = json.loads((d / "manifest.json").read_text())["excerpts"]
        for e in ex[: args.limit or None]:
            y, sr = sf.read(d / e["audio"], dtype="float32", always_2d=True)
            a = analyze_samples(y, sr)
            base = {"beats": np.array([b.time for b in a.beats]), "onsets": np.array([o.time for o in a.onsets])}
            for name, tol in (("beats", 0.07), ("onsets", 0.05)):
                err, same = _accuracy(base[name], _ann(d, e["id"], name), tol)
                acc[name][0].extend(err)
                acc[name][1].extend(same)
            for ms in DELAYS_MS:
                k = int(round(ms / 1000 * sr))
                b = analyze_samples(np.concatenate([np.zeros((k, y.shape[1]), np.float32), y]), sr)
                late = {"beats": np.array([q.time for q in b.beats]), "onsets": np.array([q.time for q in b.onsets])}
                for name in base:
                    moved.setdefault((name, ms), []).extend(_moves(base[name], late[name], k / sr))
            print(e["id"], flush=True)
    print(f"sets: {', '.join(d.name for d in sets)}")
    for (name, ms), v in sorted(moved.items()):
        v = np.abs(np.array(v)) * 1000
        print(f"  {name:6s} delayed {ms:5.2f} ms: moved beyond the delay median {np.median(v):.2f} ms, "
              f"90th percentile {np.percentile(v, 90):.2f} ms, over 2 ms {np.mean(v > 2):.0%} of {len(v)}")
    for name, (err, same) in acc.items():
        e = np.abs(np.array(err)) * 1000
        print(f"  {name:6s} against the score: median |error| {np.median(e):.1f} ms, on the score's 24 fps frame "
              f"{np.mean(same):.1%} of {len(same)} matched")


if __name__ == "__main__":
    main()
