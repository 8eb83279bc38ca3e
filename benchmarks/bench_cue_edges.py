"""Are effects found near a clip's start and end as well as in its middle?

The benchmark's builder puts effects 1.5 s or more from the audio's start and 2.5 s from its end;
a sound designer's clip can start with one. Into each clean excerpt of the sets, three effects of
``make_cuenet_data.py``'s bank (not the benchmark's own) are mixed at --level-db re the music: 0.9 s
after the start, in the middle and 1.2 s before the end; the script prints, per place, the share
found within a frame (the pipeline in memory, as ``syncsheet analyze`` runs it). Needs the Freedoom
WADs and freedesktop sounds the bank reads::

    .venv/bin/python benchmarks/bench_cue_edges.py --set /tmp/syncsheet-bench/dev --set /tmp/syncsheet-bench/holdout
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import make_cuenet_data as mixes  # run from the checkout: benchmarks/ is on the path
import numpy as np
import soundfile as sf

from syncsheet.analysis import analyze_samples

FRAME = 1 / 24


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", action="append", type=Path, help="benchmark set directory (repeatable)")
    ap.add_argument("--level-db", type=float, default=0.0, help="effects' level re the music's RMS")
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()
    sets = args.set or [Path("/tmp/syncsheet-bench/dev"), Path("/tmp/syncsheet-bench/holdout")]
    bank = mixes.sfx_bank()
    rng = np.random.default_rng(args.seed)
    found: dict[str, list[bool]] = {"start": [], "middle": [], "end": []}
    for d in sets:
        for e in json.loads((d / "manifest.json").read_text())["excerpts"]:
            y, sr = sf.read(d / e["audio"], dtype="float32", always_2d=True)
            dur = len(y) / sr
            rms = float(np.sqrt(np.mean(y**2)))
            at = {"start": 0.9, "middle": round(dur / 2, 3), "end": round(dur - 1.2, 3)}
            out = y.copy()
            for t in at.values():
                _, x, x_rms = bank[int(rng.integers(len(bank)))]
                i = int(round(t * sr))
                seg = x[: len(out) - i] * (rms * 10 ** (args.level_db / 20) / x_rms)
                out[i : i + len(seg)] += seg[:, None]
            cues = np.array([c.time for c in analyze_samples(out, sr).cues])
            for where, t in at.items():
                found[where].append(bool(len(cues) and np.abs(cues - t).min() <= FRAME))
            print(e["id"], " ".join(f"{k}={'yes' if v[-1] else 'no'}" for k, v in found.items()), flush=True)
    print(f"effects at {args.level_db:+g} dB found within a frame, of {len(found['start'])} each: "
          + ", ".join(f"{k} {np.mean(v):.2f}" for k, v in found.items()))


if __name__ == "__main__":
    main()
