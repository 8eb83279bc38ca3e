"""Does the analysis hear the same music the same at another recording level?

Each excerpt of the benchmark sets (its clean music and its effects mix) is scaled by each gain and
analysed in memory; per gain the script prints the mean beat F (±70 ms), downbeat F, onset F (±50
ms) and cue F (±1 frame, on the mixes) as ``bench_analysis.py`` scores them, and the cues found in
the clean music (every one false but the music's own stops). The benchmark music sits at -20 dBFS;
a mastered track is 8-12 dB louder, a dialogue-level stem or a quiet classical recording 10-20 dB
softer. Floats are not clipped, so a gain above 0 dB stands for a louder master without its limiter;
with ``--limiter`` the gain goes through a look-ahead brickwall limiter instead (peaks held under 0.9,
5 ms ahead, 80 ms release), as a mastered track's loudness is made::

    .venv/bin/python benchmarks/bench_levels.py --set /tmp/syncsheet-bench/dev --set /tmp/syncsheet-bench/holdout
    .venv/bin/python benchmarks/bench_levels.py --limiter --gains 0 8 14
"""

from __future__ import annotations

import argparse
import json
import warnings
from collections.abc import Callable, Hashable
from pathlib import Path

import mir_eval
import numpy as np
import soundfile as sf
from numpy.lib.stride_tricks import sliding_window_view

from syncsheet.analysis import analyze_samples

FRAME = 1 / 24
GAINS_DB = (10.0, 0.0, -10.0, -20.0)


def _ann(set_dir: Path, i: str, ext: str) -> np.ndarray:
    p = set_dir / f"{i}.{ext}"
    return np.atleast_1d(np.loadtxt(p)) if p.exists() and p.stat().st_size else np.zeros(0)


def limited(y: np.ndarray, gain_db: float, sr: int, ceiling: float = 0.9) -> np.ndarray:
    """*y* raised by *gain_db* through a look-ahead brickwall limiter: the gain falls 5 ms before a
    peak would pass *ceiling* and recovers over about 80 ms."""
    x = y * np.float32(10 ** (gain_db / 20))
    peak = np.abs(x).max(axis=1)
    w = int(0.005 * sr)
    env = sliding_window_view(np.pad(peak, (w, w), mode="edge"), 2 * w + 1).max(axis=1)
    g = np.minimum(1.0, ceiling / np.maximum(env, 1e-9))
    r = int(0.08 * sr)
    k = np.exp(-np.arange(r) / (r / 4))
    g = np.minimum(g, np.convolve(g, k / k.sum(), mode="full")[: len(g)])
    return (x * g[:, None]).astype(np.float32)


def scores(set_dir: Path, e: dict, settings: dict[Hashable, Callable[[np.ndarray, int], np.ndarray]]
           ) -> dict[Hashable, dict[str, float]]:
    """One excerpt's scores per setting, each a change made to the audio (samples, rate) -> samples:
    beat, downbeat and onset F (and onset recall) of its clean music, the effect cues found in it (every
    one false but the music's own stops), and cue F on its mix where it has one with effects."""
    i = e["id"]
    y, sr = sf.read(set_dir / e["audio"], dtype="float32", always_2d=True)
    mix = None
    if e.get("mix_audio") and len(_ann(set_dir, i, "cues")):
        mix, _ = sf.read(set_dir / e["mix_audio"], dtype="float32", always_2d=True)
    out = {}
    for key, change in settings.items():
        a = analyze_samples(change(y, sr), sr)
        beats = np.array([b.time for b in a.beats])
        downs = np.array([b.time for b in a.beats if b.beat == 1])
        onsets = np.array([o.time for o in a.onsets])
        ro = _ann(set_dir, i, "onsets")
        of, _, orc = mir_eval.onset.f_measure(ro, onsets, window=0.05) if len(onsets) else (0.0, 0.0, 0.0)
        r = {"beatF": mir_eval.beat.f_measure(mir_eval.beat.trim_beats(_ann(set_dir, i, "beats")),
                                              mir_eval.beat.trim_beats(beats)),
             "onsetF": of, "onsetR": orc,
             "clean_cues": float(sum(c.kind not in ("stop", "restart") for c in a.cues))}
        rd = mir_eval.beat.trim_beats(_ann(set_dir, i, "downbeats"))
        if len(rd):
            r["downF"] = mir_eval.beat.f_measure(rd, mir_eval.beat.trim_beats(downs))
        if mix is not None:
            cues = np.array([c.time for c in analyze_samples(change(mix, sr), sr).cues])
            r["cueF"] = mir_eval.onset.f_measure(_ann(set_dir, i, "cues"), cues, window=FRAME)[0] if len(cues) else 0.0
        out[key] = r
    return out


def _scores(set_dir: Path, e: dict, gains: tuple[float, ...], limiter: bool = False) -> dict[float, dict[str, float]]:
    """Per gain, one excerpt's scores (cue F only where it has a mix and effects)."""
    def gain(g: float) -> Callable[[np.ndarray, int], np.ndarray]:
        k = np.float32(10 ** (g / 20))
        return (lambda x, sr: limited(x, g, sr)) if limiter else (lambda x, sr: x * k)

    return scores(set_dir, e, {g: gain(g) for g in gains})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", action="append", type=Path, help="benchmark set directory (repeatable)")
    ap.add_argument("--gains", type=float, nargs="*", default=list(GAINS_DB), help="gains to apply (dB)")
    ap.add_argument("--limiter", action="store_true", help="apply each gain through a brickwall limiter")
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    gains = tuple(args.gains)
    sets = args.set or [Path("/tmp/syncsheet-bench/dev"), Path("/tmp/syncsheet-bench/holdout")]
    rows: dict[float, list[dict[str, float]]] = {g: [] for g in gains}
    for d in sets:
        for e in json.loads((d / "manifest.json").read_text())["excerpts"]:
            for g, r in _scores(d, e, gains, args.limiter).items():
                rows[g].append(r)
            print(e["id"], flush=True)
    print(f"{len(rows[gains[0]])} excerpts of {', '.join(d.name for d in sets)}")
    for g in gains:
        def mean(key: str, g: float = g) -> float:
            v = [r[key] for r in rows[g] if key in r]
            return float(np.mean(v)) if v else float("nan")

        total = int(sum(r["clean_cues"] for r in rows[g]))
        print(f"gain {g:+5.1f} dB: beat F {mean('beatF'):.3f}  downbeat F {mean('downF'):.3f}  onset F "
              f"{mean('onsetF'):.3f}  cue F {mean('cueF'):.3f}  cues in the clean music {total}")


if __name__ == "__main__":
    main()
