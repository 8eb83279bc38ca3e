"""Analysis benchmark: syncsheet against the librosa reference pipeline, side by side, in one run.

Prints a table of
  * speed: whole-process wall time of ``syncsheet analyze`` and of the reference (``librosa.load`` ->
    ``librosa.beat.beat_track`` -> ``librosa.onset.onset_detect``, defaults) on the same 3-minute
    file (made here from the set's pieces), warm caches, median of --runs, and their ratio;
  * CPU time (user + system, every thread) and peak RSS of each child process (``os.wait4``): the
    analysis runs a second thread, so its wall time is less than one core would take;
  * a two-hour 48 kHz reel (tiled from the set's music, written to --work, streamed by syncsheet):
    time and peak RSS (the reference is not run on it: its tempo estimation needs tens of GB);
  * accuracy on the benchmark set (``../shared/bench``; mir_eval as in its score.py): beat F (±70 ms)
    on steady and on tempo-varying pieces, share of reference beats within ±1/2 and ±1 frame at
    24 fps, median |beat error| and the signed median (bias), downbeat F, onset F (±50 ms) and
    onset bias, cue F (±1 frame) and cue recall per mix level.

usage: python benchmarks/bench_analysis.py [--set DIR] [--work DIR] [--reel-hours H] [--runs N]
                                           [--no-reference-accuracy] [--accuracy-only]
The set defaults to $SYNCSHEET_BENCH_SET or /tmp/syncsheet-bench/dev. Needs the dev extras
(mir_eval) and librosa.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import soundfile as sf

FR = 1 / 24
REFERENCE = """
import sys, json, librosa
y, sr = librosa.load(sys.argv[1])
tempo, beats = librosa.beat.beat_track(y=y, sr=sr)
onsets = librosa.onset.onset_detect(y=y, sr=sr)
if len(sys.argv) > 2:
    bt = librosa.frames_to_time(beats, sr=sr).tolist()
    ot = librosa.frames_to_time(onsets, sr=sr).tolist()
    json.dump({"beats": [{"time": t} for t in bt], "onsets": [{"time": t} for t in ot],
               "downbeats": [], "cues": [{"time": t} for t in ot]}, open(sys.argv[2], "w"))
"""


def run_child(cmd: list[str]) -> tuple[float, float, float]:
    """Wall seconds, peak RSS (MB) and CPU seconds (user + system, every thread) of one child process."""
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    err = p.stderr.read().decode(errors="replace") if p.stderr else ""
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        raise SystemExit(f"failed ({p.returncode}): {' '.join(cmd)}\n{err[-2000:]}")
    return wall, usage.ru_maxrss / 1024.0, usage.ru_utime + usage.ru_stime


def syncsheet_cmd(audio: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "syncsheet", "analyze", str(audio), "--fps", "24", "--json", str(out), "-q"]


def reference_cmd(audio: Path, out: Path | None = None) -> list[str]:
    return [sys.executable, "-c", REFERENCE, str(audio)] + ([str(out)] if out else [])


def pieces(set_dir: Path) -> list[Path]:
    man = json.loads((set_dir / "manifest.json").read_text())
    return [set_dir / e["audio"] for e in man["excerpts"]]


def make_song(set_dir: Path, path: Path, seconds: float = 180.0) -> None:
    """A 3-minute 44.1 kHz 16-bit WAV: the set's pieces one after another."""
    parts, total = [], 0
    for p in pieces(set_dir):
        y, sr = sf.read(p, dtype="float32")
        parts.append(y)
        total += len(y)
        if total >= seconds * sr:
            break
    y = np.concatenate(parts)[: int(seconds * sr)]
    sf.write(path, y, sr, subtype="PCM_16")


def make_reel(set_dir: Path, path: Path, hours: float, sr: int = 48000) -> None:
    """A long 48 kHz mono reel tiled from the set's music, written block by block."""
    from scipy.signal import resample_poly

    music = []
    for p in pieces(set_dir):
        y, rate = sf.read(p, dtype="float32")
        y = y.mean(axis=1) if y.ndim == 2 else y
        g = np.gcd(sr, rate)
        music.append(resample_poly(y, sr // g, rate // g).astype(np.float32))
    need = int(hours * 3600 * sr)
    with sf.SoundFile(path, "w", sr, 1, subtype="PCM_16") as fh:
        done, i = 0, 0
        while done < need:
            block = music[i % len(music)][: need - done]
            fh.write(block)
            done += len(block)
            i += 1


def compile_package() -> None:
    """Byte-compile syncsheet, as installing a wheel does: an editable checkout run with
    PYTHONDONTWRITEBYTECODE set would otherwise compile its sources in every timed run (about
    0.08 s), while the reference's librosa was compiled when pip installed it."""
    import compileall

    import syncsheet

    compileall.compile_dir(Path(syncsheet.__file__).parent, quiet=1)


def timed(cmds: dict[str, list[str]], runs: int) -> dict[str, tuple[float, float, float]]:
    """Warm up each command once (bytecode compiled first), then run them alternately; median wall
    time, max RSS, median CPU time."""
    compile_package()
    for cmd in cmds.values():
        run_child(cmd)
    walls: dict[str, list[float]] = {k: [] for k in cmds}
    cpus: dict[str, list[float]] = {k: [] for k in cmds}
    rss: dict[str, float] = dict.fromkeys(cmds, 0.0)
    for _ in range(runs):
        for k, cmd in cmds.items():
            w, r, c = run_child(cmd)
            walls[k].append(w)
            cpus[k].append(c)
            rss[k] = max(rss[k], r)
    return {k: (statistics.median(walls[k]), rss[k], statistics.median(cpus[k])) for k in cmds}


# -- accuracy ---------------------------------------------------------------------------------------


def _ann(set_dir: Path, i: str, ext: str) -> np.ndarray:
    p = set_dir / f"{i}.{ext}"
    return np.atleast_1d(np.loadtxt(p)) if p.exists() and p.stat().st_size else np.zeros(0)


def _est(d: dict | None, key: str) -> np.ndarray:
    if d is None:
        return np.zeros(0)
    return np.sort(np.array([float(e["time"]) for e in d.get(key, [])]))


def accuracy(set_dir: Path, est_dir: Path, per_excerpt: bool = False) -> dict[str, float]:
    """The issue's figures, computed as ../shared/bench/score.py does (mir_eval); *per_excerpt*
    also prints each excerpt's scores (to see where the losses are)."""
    import mir_eval

    warnings.filterwarnings("ignore")
    man = json.loads((set_dir / "manifest.json").read_text())
    rows: list[dict[str, float]] = []
    recall: dict[float, list[int]] = {}
    bias_beat: list[float] = []
    bias_onset: list[float] = []
    for e in man["excerpts"]:
        i = e["id"]
        p = est_dir / f"{i}.json"
        d = json.loads(p.read_text()) if p.exists() else None
        b, db, on = _est(d, "beats"), _est(d, "downbeats"), _est(d, "onsets")
        rb, eb = mir_eval.beat.trim_beats(_ann(set_dir, i, "beats")), mir_eval.beat.trim_beats(b)
        f = mir_eval.beat.f_measure(rb, eb)
        r = {"beatF" if e.get("subset", "main") == "main" else "tempoF": f}
        r["half"] = len(mir_eval.util.match_events(rb, eb, FR / 2)) / max(1, len(rb))
        r["one"] = len(mir_eval.util.match_events(rb, eb, FR)) / max(1, len(rb))
        m70 = mir_eval.util.match_events(rb, eb, 0.07)
        errs = [eb[k] - rb[j] for j, k in m70]
        bias_beat += errs
        r["err"] = float(np.median(np.abs(errs))) * 1000 if errs else np.nan
        rd, ed = mir_eval.beat.trim_beats(_ann(set_dir, i, "downbeats")), mir_eval.beat.trim_beats(db)
        r["downF"] = mir_eval.beat.f_measure(rd, ed) if len(rd) else np.nan
        ro = _ann(set_dir, i, "onsets")
        r["onsetF"], r["onsetP"], r["onsetR"] = mir_eval.onset.f_measure(ro, on, window=0.05) if len(on) else (0.0,) * 3
        bias_onset += [on[k] - ro[j] for j, k in mir_eval.util.match_events(ro, on, 0.05)]
        pm = est_dir / f"{i}_mix.json"
        rc = _ann(set_dir, i, "cues")
        if pm.exists() and len(rc):
            c = _est(json.loads(pm.read_text()), "cues")
            r["cueF"], r["cueP"], r["cueR"] = mir_eval.onset.f_measure(rc, c, window=FR) if len(c) else (0.0,) * 3
            hit = {j for j, _ in mir_eval.util.match_events(rc, c, FR)}
            for j, cue in enumerate(e.get("cue_list") or []):
                recall.setdefault(float(cue["level_db"]), []).append(int(j in hit))
        rows.append(r)
        if per_excerpt:
            print(f"  {i:24s} " + " ".join(f"{k}={v:.3f}" for k, v in r.items()), flush=True)

    def mean(k: str) -> float:
        v = [r[k] for r in rows if k in r and not np.isnan(r[k])]
        return float(np.mean(v)) if v else float("nan")

    out = {k: mean(k) for k in ("beatF", "tempoF", "half", "one", "err", "downF", "onsetF", "cueF")}
    out["beat_bias"] = float(np.median(bias_beat)) * 1000 if bias_beat else float("nan")
    out["onset_bias"] = float(np.median(bias_onset)) * 1000 if bias_onset else float("nan")
    for level, hits in sorted(recall.items(), reverse=True):
        out[f"recall{level:+g}dB"] = float(np.mean(hits))
    return out


def run_set(set_dir: Path, out_dir: Path, reference: bool) -> float:
    """Analyse every WAV of the set into *out_dir*; returns seconds of CPU wall time."""
    out_dir.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    wavs = sorted(set_dir.glob("*.wav"))
    if reference:
        for w in wavs:
            run_child(reference_cmd(w, out_dir / f"{w.stem}.json"))
    else:  # one process for the whole set: the figures are about accuracy, not start-up
        from syncsheet.cli import main

        for w in wavs:
            main(["analyze", str(w), "--fps", "24", "--json", str(out_dir / f"{w.stem}.json"), "-q"])
    return time.perf_counter() - t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", type=Path, default=Path(os.environ.get("SYNCSHEET_BENCH_SET", "/tmp/syncsheet-bench/dev")))
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "syncsheet-bench-work")
    ap.add_argument("--reel-hours", type=float, default=2.0, help="length of the long reel (0 skips it)")
    ap.add_argument("--runs", type=int, default=3, help="timed runs of each pipeline on the 3-minute file")
    ap.add_argument("--no-reference-accuracy", action="store_true", help="skip librosa on the set")
    ap.add_argument("--accuracy-only", action="store_true",
                    help="only score syncsheet on the set (no speed runs, no reel, no reference)")
    ap.add_argument("--per-excerpt", action="store_true", help="print each excerpt's scores too")
    args = ap.parse_args()
    if args.accuracy_only:
        args.reel_hours, args.no_reference_accuracy = 0.0, True
    if not (args.set / "manifest.json").exists():
        print(f"no benchmark set at {args.set}: build it with ../shared/bench/setup.sh", file=sys.stderr)
        return 2
    args.work.mkdir(parents=True, exist_ok=True)
    song = args.work / "song_3min.wav"
    if not song.exists():
        make_song(args.set, song)
    speed = None
    if not args.accuracy_only:
        print(f"3-minute file: {song} ({sf.info(str(song)).duration:.1f} s)", flush=True)
        speed = timed({"syncsheet": syncsheet_cmd(song, args.work / "song.json"), "reference": reference_cmd(song)},
                      args.runs)
    reel_row = None
    if args.reel_hours > 0:
        reel = args.work / f"reel_{args.reel_hours:g}h_48k.wav"
        if not reel.exists():
            print(f"writing {reel} ...", flush=True)
            make_reel(args.set, reel, args.reel_hours)
        print(f"analysing the {args.reel_hours:g} h reel ...", flush=True)
        reel_row = run_child(syncsheet_cmd(reel, args.work / "reel.json"))
    print("scoring the set ...", flush=True)
    ours = accuracy(args.set, _tmp(args.work, "est-syncsheet", lambda d: run_set(args.set, d, False)),
                    args.per_excerpt)
    ref = None
    if not args.no_reference_accuracy:
        ref = accuracy(args.set, _tmp(args.work, "est-reference", lambda d: run_set(args.set, d, True)))

    def cell(v: float | None, fmt: str) -> str:
        return "-" if v is None or (isinstance(v, float) and np.isnan(v)) else format(v, fmt)

    lines = [("", "syncsheet", "librosa reference")]
    if speed:
        (ws, rs, cs), (wr, rr, cr) = speed["syncsheet"], speed["reference"]
        lines += [
            ("3-min song, whole process (s)", cell(ws, ".2f"), cell(wr, ".2f")),
            ("  speed-up over the reference", f"{wr / ws:.2f}x", ""),
            # syncsheet runs a second thread: its CPU time is what one core would take
            ("3-min song, CPU time (s)", cell(cs, ".2f"), cell(cr, ".2f")),
            ("3-min song, peak RSS (MB)", cell(rs, ".0f"), cell(rr, ".0f")),
        ]
    if reel_row:
        lines += [
            (f"{args.reel_hours:g} h 48 kHz reel, time (s)", cell(reel_row[0], ".1f"), "not run (needs >24 GB)"),
            (f"{args.reel_hours:g} h reel, CPU time (s)", cell(reel_row[2], ".1f"), ""),
            (f"{args.reel_hours:g} h reel, peak RSS (MB)", cell(reel_row[1], ".0f"), ""),
        ]
    keys = [
        ("beat F, steady pieces (±70 ms)", "beatF", ".3f"),
        ("beat F, tempo-varying pieces", "tempoF", ".3f"),
        ("beats within ±1/2 frame (24 fps)", "half", ".3f"),
        ("beats within ±1 frame", "one", ".3f"),
        ("median |beat error| (ms)", "err", ".1f"),
        ("median beat error, signed (ms)", "beat_bias", "+.1f"),
        ("downbeat F", "downF", ".3f"),
        ("onset F (±50 ms)", "onsetF", ".3f"),
        ("median onset error, signed (ms)", "onset_bias", "+.1f"),
        ("cue F (±1 frame)", "cueF", ".3f"),
    ]
    keys += [(f"cue recall at {k[6:-2]} dB", k, ".2f") for k in ours if k.startswith("recall")]
    for label, k, fmt in keys:
        lines.append((label, cell(ours.get(k), fmt), cell(ref.get(k) if ref else None, fmt)))
    width = max(len(a) for a, _, _ in lines)
    print()
    for a, b, c in lines:
        print(f"{a:<{width}}  {b:>12}  {c:>22}")
    print("\n(reference cues = its onsets, as the peers were scored; its downbeats: none)")
    return 0


def _tmp(work: Path, name: str, fill) -> Path:
    d = work / name
    fill(d)
    return d


if __name__ == "__main__":
    raise SystemExit(main())
