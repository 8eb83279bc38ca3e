"""Is a cue analysed the same inside a reel as in a file of its own?

A film's music stem, or a composer's bounce of several cues, is one long file: cues one after
another at their own levels and tempi, with silence between them, and often a quiet first minute.
This script builds such files in memory from a benchmark set's effects mixes and scores each cue
inside them as ``bench_analysis.py`` scores it alone (beat F ±70 ms, onset F ±50 ms, cue F ±1
frame; the music's own stops and restarts are left out of the cue F, since the reel's silences are
stops):

* ``reel``: groups of five mixes in manifest order at 0, -10, +6, -18 and -4 dB (--gains), each
  followed by --gap seconds of digital silence, against each mix alone at its level;
* ``intro``: each mix after 65 s of noise at -50 dBFS (a leader, room tone) and after 65 s of the
  same music 25 dB down (a soft intro), against the mix alone; cues in the first 0.3 s of the music
  (its entry after the intro) are left out.

    .venv/bin/python benchmarks/bench_reels.py --set /tmp/syncsheet-bench/dev --set /tmp/syncsheet-bench/holdout
    .venv/bin/python benchmarks/bench_reels.py --only reel --gap 1.5 --gains 0 0 0 0 0   # cues joined by stops

A gap under 2 s (the analysis' piece gap) is a music stop inside one piece, not a gap between
pieces: the cues are then analysed together, their bars counted on or started afresh over it.
"""

from __future__ import annotations

import argparse
import json
import warnings
from pathlib import Path

import mir_eval
import numpy as np
import soundfile as sf

from syncsheet.analysis import analyze_samples

FRAME = 1 / 24
GAINS_DB = (0.0, -10.0, 6.0, -18.0, -4.0)
INTRO_S = 65.0
NOT_EFFECTS = ("stop", "restart")


def _ann(set_dir: Path, i: str, ext: str) -> np.ndarray:
    p = set_dir / f"{i}.{ext}"
    return np.atleast_1d(np.loadtxt(p)) if p.exists() and p.stat().st_size else np.zeros(0)


def _scores(a, t0: float, t1: float, set_dir: Path, i: str,
            lead: float = -0.2) -> tuple[float, float, float, int, float]:
    """Cue F, beat F, onset F, the number of cues and downbeat F of the part t0..t1 of analysis *a*
    (cues from *lead* seconds after t0: a cue's latency correction may put an effect at 0 s a
    little before)."""
    cues = np.array([c.time - t0 for c in a.cues if t0 + lead <= c.time < t1 and c.kind not in NOT_EFFECTS])
    beats = np.array([b.time - t0 for b in a.beats if t0 <= b.time < t1])
    downbeats = np.array([b.time - t0 for b in a.beats if t0 <= b.time < t1 and b.beat == 1])
    onsets = np.array([o.time - t0 for o in a.onsets if t0 <= o.time < t1])
    rc, rd = _ann(set_dir, i, "cues"), _ann(set_dir, i, "downbeats")
    return (mir_eval.onset.f_measure(rc, cues, window=FRAME)[0] if len(cues) else 0.0,
            mir_eval.beat.f_measure(mir_eval.beat.trim_beats(_ann(set_dir, i, "beats")),
                                    mir_eval.beat.trim_beats(beats)),
            mir_eval.onset.f_measure(_ann(set_dir, i, "onsets"), onsets, window=0.05)[0] if len(onsets) else 0.0,
            len(cues),
            mir_eval.beat.f_measure(rd, downbeats) if len(rd) else np.nan)


def _mixes(set_dir: Path) -> list[str]:
    ex = json.loads((set_dir / "manifest.json").read_text())["excerpts"]
    return [e["id"] for e in ex if e.get("mix_audio") and len(_ann(set_dir, e["id"], "cues"))]


def reels(set_dir: Path, gains: tuple[float, ...], gap: float, rows: dict) -> None:
    ids = _mixes(set_dir)
    for g0 in range(0, len(ids) - len(gains) + 1, len(gains)):
        parts, spans, t = [], [], 0.0
        for i, g in zip(ids[g0 : g0 + len(gains)], gains, strict=True):
            y, sr = sf.read(set_dir / f"{i}_mix.wav", dtype="float32", always_2d=True)
            y = y * np.float32(10 ** (g / 20))
            rows["alone"].append(_scores(analyze_samples(y, sr), 0.0, 1e9, set_dir, i))
            parts += [y, np.zeros((int(gap * sr), y.shape[1]), np.float32)]
            spans.append((t, t + len(y) / sr, i))
            t += len(y) / sr + gap
        a = analyze_samples(np.concatenate(parts), sr)
        for t0, t1, i in spans:
            rows["reel"].append(_scores(a, t0, t1, set_dir, i))
        print(f"{set_dir.name}: a reel of {', '.join(i for *_, i in spans)} ({t:.0f} s)", flush=True)


def intros(set_dir: Path, rows: dict) -> None:
    rng = np.random.default_rng(0)
    for i in _mixes(set_dir):
        y, sr = sf.read(set_dir / f"{i}_mix.wav", dtype="float32", always_2d=True)
        rows["alone"].append(_scores(analyze_samples(y, sr), 0.0, 1e9, set_dir, i))
        n = int(INTRO_S * sr)
        noise = (rng.standard_normal((n, y.shape[1])) * 10 ** (-50 / 20)).astype(np.float32)
        soft = np.tile(y, (int(np.ceil(n / len(y))), 1))[:n] * np.float32(10 ** (-25 / 20))
        for name, pre in (("after a noise leader", noise), ("after a soft intro", soft)):
            a = analyze_samples(np.concatenate([pre, y]), sr)
            rows[name].append(_scores(a, INTRO_S, 1e9, set_dir, i, lead=0.3))
        print(f"{set_dir.name}: {i}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", action="append", type=Path, help="benchmark set directory (repeatable)")
    ap.add_argument("--gains", type=float, nargs="*", default=list(GAINS_DB), help="each reel's cues' gains (dB)")
    ap.add_argument("--gap", type=float, default=3.0, help="seconds of silence after each cue")
    ap.add_argument("--only", choices=("reel", "intro"), help="one of the two tests")
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    sets = args.set or [Path("/tmp/syncsheet-bench/dev"), Path("/tmp/syncsheet-bench/holdout")]
    for test in ("reel", "intro"):
        if args.only not in (None, test):
            continue
        rows: dict[str, list] = {"alone": [], "reel": []} if test == "reel" else {
            "alone": [], "after a noise leader": [], "after a soft intro": []}
        for d in sets:
            reels(d, tuple(args.gains), args.gap, rows) if test == "reel" else intros(d, rows)
        print(f"{test}s of {', '.join(d.name for d in sets)}:")
        for name, v in rows.items():
            v = np.array(v)
            print(f"  {name:22s} {len(v):3d} cues: cue F {v[:, 0].mean():.3f}  beat F {v[:, 1].mean():.3f}  "
                  f"onset F {v[:, 2].mean():.3f}  effect cues {int(v[:, 3].sum())}  "
                  f"downbeat F {np.nanmean(v[:, 4]):.3f}")


if __name__ == "__main__":
    main()
