"""Are the music's stops found, and timed where the players stop, when the music is played in a room?

A score's stop (the players cut a chord and rest, then come in again) is silence only in a dry mix:
in a hall, or through a mix's reverb, the room rings on and its level falls in a straight line (60 dB
in RT60 seconds). Each excerpt of the benchmark sets is cut to silence at one of its true beats (the
one nearest 45 % of the way in) up to the first true beat *--gap* seconds later, then played in a
room: the direct sound plus an exponentially decaying noise tail from 10 ms on, holding the direct
sound's energy times 10^(-DRR/10) (DRR 0 dB: a hall heard from its critical distance; 6 dB: nearer,
or a studio's added reverb). Per room the script prints how many cuts have a ``stop`` cue from 1 s
before the cut to the restart, how many start within one and within three frames of the cut (24
fps), their median error, how many restarts are within a frame, and the stops found in the same
music played in the same room without a cut (the music's own rests, or false ones).

The excerpt's mean is taken off first, as a mix's master is DC-free: the soundfont's samples carry
an offset that stops with the notes, and in the near-silence of a room's tail the analysis's DC
follower (``features``) leaves the music's offset as a constant level 20-35 dB under the music, over
which a stop in a hall was not found (``--keep-dc`` keeps it).

With ``--detectors`` the music is played in the same rooms uncut instead, and the script prints per
room what ``bench_levels.py`` prints per gain (beat, downbeat and onset F, onset recall, cue F on the
mixes, effect cues in the clean music)::

    .venv/bin/python benchmarks/bench_rooms.py --set /tmp/syncsheet-bench/dev --set /tmp/syncsheet-bench/holdout
    .venv/bin/python benchmarks/bench_rooms.py --detectors
"""

from __future__ import annotations

import argparse
import json
import warnings
from pathlib import Path

import numpy as np
import soundfile as sf
from bench_levels import FRAME, _ann, scores  # run from the checkout: benchmarks/ is on the path
from scipy.signal import fftconvolve

from syncsheet.analysis import analyze_samples

ROOMS = ((0.0, 0.0), (0.3, 0.0), (0.6, 0.0), (0.6, 6.0), (1.2, 0.0), (1.2, 6.0), (2.0, 0.0), (2.0, 6.0))


def room(rt60: float, sr: int, drr_db: float, seed: int = 0) -> np.ndarray:
    """A room's impulse response: 1 (the direct sound), then noise decaying 60 dB in *rt60* s."""
    if rt60 <= 0:
        return np.ones(1)
    n = int(1.2 * rt60 * sr)
    t = np.arange(n) / sr
    h = np.random.default_rng(seed).standard_normal(n) * np.exp(-6.91 * t / rt60)
    h[: int(0.01 * sr)] = 0.0
    h *= np.sqrt(10 ** (-drr_db / 10) / np.sum(h**2))
    h[0] = 1.0
    return h


def played(y: np.ndarray, h: np.ndarray) -> np.ndarray:
    """*y* (samples, channels) through *h*, at *y*'s RMS."""
    z = np.stack([fftconvolve(y[:, c], h)[: len(y)] for c in range(y.shape[1])], axis=1)
    return (z * np.sqrt(np.mean(y**2) / max(np.mean(z**2), 1e-20))).astype(np.float32)


def _stops(a) -> list:
    return [c for c in a.cues if c.kind == "stop"]


def _scores(set_dir: Path, e: dict, gap: float, rooms, keep_dc: bool = False
            ) -> dict[tuple[float, float], dict[str, float]]:
    y, sr = sf.read(set_dir / e["audio"], dtype="float64", always_2d=True)
    if not keep_dc:
        y = y - y.mean(axis=0)
    beats = _ann(set_dir, e["id"], "beats")
    t0 = float(beats[int(np.searchsorted(beats, 0.45 * len(y) / sr))])
    later = beats[beats >= t0 + gap]
    t1 = float(later[0]) if len(later) else t0 + gap
    cut = y.copy()
    fade = int(0.003 * sr)  # the players' release: 3 ms, no click
    cut[int(t0 * sr) : int(t0 * sr) + fade] *= np.linspace(1, 0, fade)[:, None]
    cut[int(t0 * sr) + fade : int(t1 * sr)] = 0.0
    out = {}
    for rt, drr in rooms:
        h = room(rt, sr, drr)
        a = analyze_samples(played(cut, h), sr)
        near = [c.time - t0 for c in _stops(a) if t0 - 1.0 < c.time < t1]
        err = min(near, key=abs) if near else np.nan
        back = [c.time - t1 for c in a.cues if c.kind == "restart" and abs(c.time - t1) <= FRAME]
        out[(rt, drr)] = {"found": float(bool(near)), "err": err, "restart": float(bool(back)),
                          "own": float(len(_stops(analyze_samples(played(y, h), sr))))}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", action="append", type=Path, help="benchmark set directory (repeatable)")
    ap.add_argument("--gap", type=float, default=1.0, help="the stop's length, to the next true beat (s)")
    ap.add_argument("--keep-dc", action="store_true", help="keep the excerpt's DC offset (the renders carry one)")
    ap.add_argument("--detectors", action="store_true", help="score beats, onsets and cues in the rooms, uncut")
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    sets = args.set or [Path("/tmp/syncsheet-bench/dev"), Path("/tmp/syncsheet-bench/holdout")]
    if args.detectors:
        _detectors(sets, args.keep_dc)
        return
    rows = []
    for d in sets:
        for e in json.loads((d / "manifest.json").read_text())["excerpts"]:
            rows.append(_scores(d, e, args.gap, ROOMS, args.keep_dc))
            print(e["id"], flush=True)
    print(f"{len(rows)} excerpts of {', '.join(d.name for d in sets)}, a stop of {args.gap:g} s cut at a true beat")
    for key in ROOMS:
        err = np.array([r[key]["err"] for r in rows])
        found = err[np.isfinite(err)]
        med = f"{np.median(found) * 1000:+.0f} ms" if len(found) else "-"
        print(f"RT60 {key[0]:.1f} s, DRR {key[1]:+.0f} dB: stop found {len(found)} of {len(rows)}, within a frame "
              f"{int(np.sum(np.abs(found) <= FRAME))}, within three {int(np.sum(np.abs(found) <= 3 * FRAME))}, "
              f"median error {med}; restart within a frame {int(sum(r[key]['restart'] for r in rows))}; "
              f"stops in the uncut music {int(sum(r[key]['own'] for r in rows))}")


def _detectors(sets: list[Path], keep_dc: bool) -> None:
    """Each excerpt and its mix played uncut in each room, scored as ``bench_levels.py`` scores a gain."""
    def in_room(rt: float, drr: float):
        def change(x: np.ndarray, sr: int) -> np.ndarray:
            x = x.astype(np.float64)
            return played(x if keep_dc else x - x.mean(axis=0), room(rt, sr, drr))
        return change

    rows: dict[tuple[float, float], list[dict[str, float]]] = {key: [] for key in ROOMS}
    for d in sets:
        for e in json.loads((d / "manifest.json").read_text())["excerpts"]:
            for key, r in scores(d, e, {key: in_room(*key) for key in ROOMS}).items():
                rows[key].append(r)
            print(e["id"], flush=True)
    print(f"{len(rows[ROOMS[0]])} excerpts of {', '.join(d.name for d in sets)}, played uncut")
    for key in ROOMS:
        def mean(k: str, key: tuple[float, float] = key) -> float:
            v = [r[k] for r in rows[key] if k in r]
            return float(np.mean(v)) if v else float("nan")

        print(f"RT60 {key[0]:.1f} s, DRR {key[1]:+.0f} dB: beat F {mean('beatF'):.3f}  downbeat F {mean('downF'):.3f}  "
              f"onset F {mean('onsetF'):.3f} (recall {mean('onsetR'):.3f})  cue F {mean('cueF'):.3f}  "
              f"cues in the clean music {int(sum(r['clean_cues'] for r in rows[key]))}")


if __name__ == "__main__":
    main()
