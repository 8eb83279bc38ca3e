"""Does a reel's head change what the analysis finds in the music after it?

A film's music stem or printmaster opens with a head: often line-up tone, then silence, then the
2-pop (one frame of 1 kHz, 2 s before the first frame of action), with the music at that frame.
Each excerpt of the benchmark sets is analysed in memory alone and after a head (``pop``: 1 s of
silence, the pop, the music 2 s after it; ``tone``: 20 s of 1 kHz at -20 dBFS RMS first, 2 s of
silence, then the same), and the script prints per head: the excerpts with beats before the music,
with an effect cue (not a stop or restart) in the head or within 0.1 s of the music's entry, the
mean beat F of the music alone and after the head, and whether a ``START`` or ``RESTART`` cue marks
the music's entry within a frame::

    .venv/bin/python benchmarks/bench_heads.py --set /tmp/syncsheet-bench/dev --set /tmp/syncsheet-bench/holdout
"""

from __future__ import annotations

import argparse
import json
import warnings
from pathlib import Path

import mir_eval
import numpy as np
import soundfile as sf
from bench_levels import FRAME, _ann  # run from the checkout: benchmarks/ is on the path

from syncsheet.analysis import analyze_samples

NOT_EFFECTS = ("stop", "restart")


def head(kind: str, sr: int, channels: int, fps: float = 24.0) -> np.ndarray:
    """The head before the music: (samples, channels), the music to start right after it."""
    n = int(round(sr / fps))
    pop = (0.1 * np.sqrt(2) * np.sin(2 * np.pi * 1000 * np.arange(n) / sr)).astype(np.float32)
    parts = []
    if kind == "tone":
        t = np.arange(20 * sr) / sr
        parts += [(0.1 * np.sqrt(2) * np.sin(2 * np.pi * 1000 * t)).astype(np.float32), np.zeros(2 * sr, np.float32)]
    else:
        parts.append(np.zeros(sr, np.float32))
    parts += [pop, np.zeros(2 * sr - n, np.float32)]
    y = np.concatenate(parts)
    return np.repeat(y[:, None], channels, axis=1)


def _scores(set_dir: Path, e: dict, heads: list[str]) -> dict[str, dict[str, float]]:
    y, sr = sf.read(set_dir / e["audio"], dtype="float32", always_2d=True)
    ref = mir_eval.beat.trim_beats(_ann(set_dir, e["id"], "beats"))

    def beat_f(times: np.ndarray) -> float:
        return mir_eval.beat.f_measure(ref, mir_eval.beat.trim_beats(times))

    out = {"alone": {"beatF": beat_f(np.array([b.time for b in analyze_samples(y, sr).beats]))}}
    for kind in heads:
        h = head(kind, sr, y.shape[1])
        lead = len(h) / sr
        a = analyze_samples(np.concatenate([h, y]), sr)
        beats = np.array([b.time for b in a.beats]) - lead
        out[kind] = {
            "beatF": beat_f(beats[beats >= -0.05]),
            "beats_before": float(np.any(beats < -0.05)),
            "false_cue": float(any(c.kind not in NOT_EFFECTS and c.time < lead + 0.1 for c in a.cues)),
            "entry_marked": float(any(c.kind == "restart" and abs(c.time - lead) <= FRAME for c in a.cues)),
        }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", action="append", type=Path, help="benchmark set directory (repeatable)")
    ap.add_argument("--heads", nargs="*", default=["pop", "tone"], choices=["pop", "tone"])
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    sets = args.set or [Path("/tmp/syncsheet-bench/dev"), Path("/tmp/syncsheet-bench/holdout")]
    rows: list[dict[str, dict[str, float]]] = []
    for d in sets:
        for e in json.loads((d / "manifest.json").read_text())["excerpts"]:
            rows.append(_scores(d, e, args.heads))
            print(e["id"], flush=True)
    n = len(rows)
    alone = np.mean([r["alone"]["beatF"] for r in rows])
    print(f"{n} excerpts of {', '.join(d.name for d in sets)}; beat F alone {alone:.3f}")
    for kind in args.heads:
        def total(key: str, kind: str = kind) -> int:
            return int(sum(r[kind][key] for r in rows))

        f = np.mean([r[kind]["beatF"] for r in rows])
        print(f"after the {kind} head: beat F {f:.3f}; excerpts with beats before the music "
              f"{total('beats_before')} of {n}, with an effect cue in the head or at the entry "
              f"{total('false_cue')}, with the entry marked (START / RESTART within a frame) {total('entry_marked')}")


if __name__ == "__main__":
    main()
