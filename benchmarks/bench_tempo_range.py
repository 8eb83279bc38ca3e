"""Do a user's fixes help? Beat and downbeat F with a tempo range, off-beats moved and a bar start.

The tracker picks its own metrical level, at times twice or half the notated tempo (docs/analysis.md).
The user's fix is a tempo range around the notated beat (``--bpm-min/--bpm-max``, the UI's tempo
range). This analyses every clean excerpt of a benchmark set several times, in process (one decode: the
features are extracted once and analysed with each setting): with the default range and with a
range of ×/÷ *width* around the median tempo of the score's beats, as a user who knows the tempo
would type it. The user's other fix is for beats on the music's off-beats (``--offbeat``, the UI's
*Shift ½ beat*): a third analysis with the range moves every beat half a beat, and counts where it
raises beat F, as a user who hears the beats fall between the music's would use it. Last, the user
who sees the bars one beat off gives a bar start (``--bar-start``, the app's *Bar starts at
playhead*) at the score's first bar line after the first 5 s, kept where it raises downbeat F. It
prints the mean beat F and downbeat F (mir_eval, ±70 ms) of each stage, and the excerpts that differ.

    .venv/bin/python benchmarks/bench_tempo_range.py --set /tmp/syncsheet-bench/blind --width 1.3
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

import mir_eval
import numpy as np

from syncsheet import audio
from syncsheet.analysis.features import extract
from syncsheet.analysis.pipeline import analyze_features
from syncsheet.analysis.settings import AnalysisSettings


def beat_f(reference: np.ndarray, beats: list[float]) -> float:
    ref, est = mir_eval.beat.trim_beats(reference), mir_eval.beat.trim_beats(np.asarray(beats, float))
    return float(mir_eval.beat.f_measure(ref, est))


def scores(feats, settings: AnalysisSettings, beats: np.ndarray, downbeats: np.ndarray) -> tuple[float, float]:
    """Beat F and downbeat F (mir_eval, ±70 ms, first 5 s left out) of one analysis."""
    a = analyze_features(feats, settings)
    down = beat_f(downbeats, [b.time for b in a.downbeats]) if len(downbeats) > 1 else float("nan")
    return beat_f(beats, [b.time for b in a.beats]), down


STAGES = ("without a range", "with the range", "off-beats moved", "a bar start")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--set", type=Path, action="append", required=True, help="benchmark set (repeatable)")
    ap.add_argument("--width", type=float, default=1.3, help="range: notated tempo ×/÷ this (default 1.3)")
    args = ap.parse_args()
    means = []
    for set_dir in args.set:
        manifest = json.loads((set_dir / "manifest.json").read_text())
        rows = []  # per excerpt: (beat F, downbeat F) at each stage
        for ex in manifest["excerpts"]:
            reference = np.loadtxt(set_dir / ex["beats"], ndmin=1)
            if len(reference) < 2:
                continue
            down = np.loadtxt(set_dir / ex["downbeats"], ndmin=1) if ex.get("downbeats") else np.zeros(0)
            bpm = 60.0 / float(np.median(np.diff(reference)))
            settings = AnalysisSettings(max(10.0, bpm / args.width), min(400.0, bpm * args.width))
            wav = set_dir / ex["audio"]
            info = audio.probe(wav)
            feats = extract(audio.blocks(wav, info=info, mono=False), info.sample_rate, info.samples)
            plain, ranged = scores(feats, AnalysisSettings(), reference, down), scores(feats, settings, reference, down)
            moved = scores(feats, replace(settings, offbeat=True), reference, down)
            fixed, user = (moved, replace(settings, offbeat=True)) if moved[0] > ranged[0] else (ranged, settings)
            # the user marks the score's first bar after the scored start as a bar start, where the
            # bars are off (the downbeat F it gives is kept only where it is higher)
            later = down[down > 5.0]
            anchored = (scores(feats, replace(user, bar_starts=(float(later[0]),)), reference, down)
                        if len(later) else fixed)
            barred = anchored if anchored[1] > fixed[1] else fixed
            rows.append((plain, ranged, fixed, barred))
            if abs(plain[0] - ranged[0]) > 0.05 or fixed[0] > ranged[0] or barred[1] > fixed[1]:
                print(f"  {ex['id']:28s} {bpm:6.1f} BPM   beat F " + " -> ".join(f"{r[0]:.3f}" for r in rows[-1][:3])
                      + "   downbeat F " + " -> ".join(f"{r[1]:.3f}" for r in rows[-1]), flush=True)
        beat = [float(np.mean([r[k][0] for r in rows])) for k in range(4)]
        downbeat = [float(np.nanmean([r[k][1] for r in rows])) for k in range(4)]
        means.append((beat, downbeat))
        moved_n = sum(r[2][0] > r[1][0] for r in rows)
        barred_n = sum(r[3][1] > r[2][1] for r in rows)
        print(f"{set_dir.name:10s} beat F without a range {beat[0]:.3f}, with ×/÷ {args.width:g} around the notated "
              f"tempo {beat[1]:.3f}, and off-beats moved {beat[2]:.3f} ({moved_n} of {len(rows)} excerpts); "
              f"downbeat F {' -> '.join(f'{x:.3f}' for x in downbeat)} (a bar start helps {barred_n})", flush=True)
    if len(means) > 1:
        print(f"{'mean':10s} beat F " + " -> ".join(f"{np.mean([m[0][k] for m in means]):.3f}" for k in range(3))
              + "   downbeat F " + " -> ".join(f"{np.mean([m[1][k] for m in means]):.3f}" for k in range(4))
              + f"   ({', '.join(STAGES)})")


if __name__ == "__main__":
    main()
