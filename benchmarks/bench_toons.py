"""Cartoon effects over music the cue models never heard: which are cues, by family, fold and level.

Each excerpt of ``--sets`` (by default blind2 and blind3, whose music no model was fitted on) gets
six effects of ``toon_sfx`` (slide whistles, boings, honks, cork pops, wood blocks, xylophone runs,
timpani, bells ...) mixed into its clean ``<id>.wav`` as ``make_cuenet_data.mix`` mixes the training
effects: 4 s or more apart, 1.5 s from the start and 2.5 s from the end, at 0, -6 or -12 dB re the
music's RMS (an effect's level is the RMS of its first 0.5 s). The families take turns, and each
round of the families moves to the next level. Printed: the effects with a cue within a frame of
their start (mir_eval's ±1 frame at 24 fps, as ``bench_analysis.py`` scores cues), by level, by fold
of ``toon_sfx.FOLDS`` and family, and the effect cues 0.5 s or more from every effect (the music's own
false cues and an effect's second cue)::

    .venv/bin/python benchmarks/bench_toons.py
    .venv/bin/python benchmarks/bench_toons.py --judge /tmp/judge.npz   # another fitted judge

``--judge`` reads a judge written by ``train_cue_judge.py --final --out`` instead of the shipped one,
so that a judge fitted with one fold's families can be measured on the other's.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections import defaultdict
from pathlib import Path

import numpy as np
import soundfile as sf
import toon_sfx

from syncsheet.analysis import analyze_samples, cue_judge
from syncsheet.analysis.forest import Forest

LEVELS_DB = (0.0, -6.0, -12.0)
PER_EXCERPT = 6
FRAME = 1 / 24
SEED = 29


def place(dur: float, rng: np.random.Generator) -> list[float]:
    """Up to :data:`PER_EXCERPT` times 4 s or more apart, from 1.5 s to 2.5 s before the end."""
    times: list[float] = []
    for _ in range(2000):
        t = round(float(rng.uniform(1.5, dur - 2.5)), 3)
        if all(abs(t - u) >= 4.0 for u in times):
            times.append(t)
        if len(times) == PER_EXCERPT:
            break
    return sorted(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", type=Path, default=Path("/tmp/syncsheet-bench"))
    ap.add_argument("--sets", nargs="*", default=["blind2", "blind3"])
    ap.add_argument("--judge", type=Path, help="a judge's .npz (train_cue_judge.py --final --out), not the shipped one")
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    if args.judge:
        with np.load(args.judge) as z:
            judge = Forest({k: z[k] for k in z.files})
        cue_judge.load = lambda: judge
    rng = np.random.default_rng(SEED)
    names = sorted(toon_sfx.FAMILIES)
    found: dict[str, list[bool]] = defaultdict(list)
    by_level: dict[float, list[bool]] = defaultdict(list)
    elsewhere = turn = 0
    for name in args.sets:
        manifest = json.loads((args.root / name / "manifest.json").read_text())
        for ex in manifest["excerpts"]:
            y, sr = sf.read(args.root / name / ex["audio"], dtype="float32", always_2d=True)
            mix = y.astype(np.float64)
            rms = float(np.sqrt(np.mean(y.astype(np.float64) ** 2)))
            placed = []
            for t in place(len(y) / sr, rng):
                family = names[turn % len(names)]
                level = LEVELS_DB[(turn // len(names)) % len(LEVELS_DB)]
                turn += 1
                x = toon_sfx.effect(family, rng)
                if sr != toon_sfx.SR:
                    raise SystemExit(f"{ex['audio']}: {sr} Hz, the effects are made at {toon_sfx.SR} Hz")
                i = int(round(t * sr))
                seg = x[: len(mix) - i] * (rms * 10 ** (level / 20) / np.sqrt(np.mean(x[: sr // 2] ** 2)))
                mix[i : i + len(seg)] += seg[:, None]
                placed.append((t, family, level))
            mix *= min(1.0, 0.98 / np.abs(mix).max())
            a = analyze_samples(mix.astype(np.float32), sr)
            cues = np.array([c.time for c in a.cues if c.kind not in ("stop", "restart")])
            for t, family, level in placed:
                hit = bool(len(cues)) and float(np.abs(cues - t).min()) <= FRAME
                found[family].append(hit)
                by_level[level].append(hit)
            elsewhere += sum(all(abs(c - t) >= 0.5 for t, _, _ in placed) for c in cues)
            print(f"  {name} {ex['id']}", file=sys.stderr, flush=True)
    total = [h for v in found.values() for h in v]
    print(f"judge: {args.judge or 'shipped'}; sets: {' '.join(args.sets)}")
    print(f"effects with a cue within a frame: {sum(total)} of {len(total)}")
    levels = sorted(by_level.items(), reverse=True)
    print("by level: " + ", ".join(f"{lv:+.0f} dB {sum(v)}/{len(v)}" for lv, v in levels))
    for k, fold in enumerate(toon_sfx.FOLDS):
        got = [h for f in fold for h in found[f]]
        each = " ".join(f"{f} {sum(found[f])}/{len(found[f])}" for f in sorted(fold))
        print(f"fold {k}: {sum(got)}/{len(got)}  {each}")
    print(f"effect cues 0.5 s or more from every effect: {elsewhere}")


if __name__ == "__main__":
    main()
