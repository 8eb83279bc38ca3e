"""Does the analysis hear a lossy copy of the music as it hears the original?

Temp music, a composer's preview and a client's reference track often arrive as MP3 or Ogg. Each
excerpt of the benchmark sets (its clean music and its effects mix) is encoded with soundfile's
encoders (LAME for MP3, libvorbis for Ogg) at each setting, decoded and analysed in memory. Per
setting the script prints the bit rate reached and the figures ``bench_analysis.py`` prints (beat F,
beats within ±½ frame at 24 fps, downbeat F, onset F and its signed median error, cue F on the
mixes), and how far the analysis moved from the original WAV's: the share of the WAV's beats and
onsets with one of the copy's within a frame, and the median shift of those onsets::

    .venv/bin/python benchmarks/bench_codecs.py --set /tmp/syncsheet-bench/dev --set /tmp/syncsheet-bench/holdout

Every MP3 written here carries the LAME/Info header (VBR, or CBR at a rate whose first frame holds
it), so the decoder removes the encoder's delay and a shift is the codec's, not the container's.
"""

from __future__ import annotations

import argparse
import io
import json
import warnings
from pathlib import Path

import mir_eval
import numpy as np
import soundfile as sf
from bench_levels import FRAME, _ann  # run from the checkout: benchmarks/ is on the path

from syncsheet.analysis import analyze_samples

#: name: (soundfile format, subtype, compression level, bitrate mode)
CODECS = {
    "wav": None,
    "mp3-320": ("MP3", "MPEG_LAYER_III", 0.0, "CONSTANT"),
    "mp3-128": ("MP3", "MPEG_LAYER_III", 0.65, "CONSTANT"),
    "mp3-96": ("MP3", "MPEG_LAYER_III", 0.75, "CONSTANT"),
    "mp3-vbr-low": ("MP3", "MPEG_LAYER_III", 0.9, "VARIABLE"),
    "ogg-q3": ("OGG", "VORBIS", 0.7, None),
}


def coded(y: np.ndarray, sr: int, spec: tuple | None) -> tuple[np.ndarray, float]:
    """*y* through the codec *spec* and back, and the bit rate it took (kbit/s; 0 for none)."""
    if spec is None:
        return y, 0.0
    fmt, sub, level, mode = spec
    buf = io.BytesIO()
    sf.write(buf, y, sr, format=fmt, subtype=sub, compression_level=level, bitrate_mode=mode)
    kbps = len(buf.getvalue()) * 8 / (len(y) / sr) / 1000
    buf.seek(0)
    z, _ = sf.read(buf, dtype="float32", always_2d=True)
    return z, kbps


def _within(ref: np.ndarray, est: np.ndarray) -> float:
    return len(mir_eval.util.match_events(ref, est, FRAME)) / max(1, len(ref)) if len(ref) else float("nan")


def _scores(set_dir: Path, e: dict, codecs: list[str]) -> dict[str, dict[str, float]]:
    i = e["id"]
    y, sr = sf.read(set_dir / e["audio"], dtype="float32", always_2d=True)
    mix = None
    if e.get("mix_audio") and len(_ann(set_dir, i, "cues")):
        mix, _ = sf.read(set_dir / e["mix_audio"], dtype="float32", always_2d=True)
    rb = mir_eval.beat.trim_beats(_ann(set_dir, i, "beats"))
    rd = mir_eval.beat.trim_beats(_ann(set_dir, i, "downbeats"))
    ro = _ann(set_dir, i, "onsets")
    out: dict[str, dict[str, float]] = {}
    base: tuple[np.ndarray, np.ndarray] | None = None
    for name in codecs:
        z, kbps = coded(y, sr, CODECS[name])
        a = analyze_samples(z, sr)
        beats = np.array([b.time for b in a.beats])
        onsets = np.array([o.time for o in a.onsets])
        eb = mir_eval.beat.trim_beats(beats)
        r = {"kbps": kbps, "beatF": mir_eval.beat.f_measure(rb, eb),
             "half": len(mir_eval.util.match_events(rb, eb, FRAME / 2)) / max(1, len(rb)),
             "onsetF": mir_eval.onset.f_measure(ro, onsets, window=0.05)[0] if len(onsets) else 0.0}
        r["onset_err"] = [onsets[k] - ro[j] for j, k in mir_eval.util.match_events(ro, onsets, 0.05)]
        if len(rd):
            r["downF"] = mir_eval.beat.f_measure(rd, mir_eval.beat.trim_beats(np.array(
                [b.time for b in a.beats if b.beat == 1])))
        if base is None:
            base = (beats, onsets)
        else:
            r["beats_kept"] = _within(base[0], beats)
            r["onsets_kept"] = _within(base[1], onsets)
            r["onset_shift"] = [onsets[k] - base[1][j] for j, k in mir_eval.util.match_events(base[1], onsets, FRAME)]
        if mix is not None:
            m, _ = coded(mix, sr, CODECS[name])
            cues = np.array([c.time for c in analyze_samples(m, sr).cues])
            r["cueF"] = mir_eval.onset.f_measure(_ann(set_dir, i, "cues"), cues, window=FRAME)[0] if len(cues) else 0.0
        out[name] = r
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", action="append", type=Path, help="benchmark set directory (repeatable)")
    ap.add_argument("--codecs", nargs="*", default=list(CODECS), choices=list(CODECS),
                    help="settings to run (the first is the reference the others are compared with)")
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    sets = args.set or [Path("/tmp/syncsheet-bench/dev"), Path("/tmp/syncsheet-bench/holdout")]
    rows: dict[str, list[dict]] = {c: [] for c in args.codecs}
    for d in sets:
        for e in json.loads((d / "manifest.json").read_text())["excerpts"]:
            for c, r in _scores(d, e, args.codecs).items():
                rows[c].append(r)
            print(e["id"], flush=True)
    print(f"{len(rows[args.codecs[0]])} excerpts of {', '.join(d.name for d in sets)}; "
          f"kept / shift: against the analysis of the first setting ({args.codecs[0]})")
    for c in args.codecs:
        def mean(key: str, c: str = c) -> float:
            v = [r[key] for r in rows[c] if key in r]
            return float(np.mean(v)) if v else float("nan")

        def median_ms(key: str, c: str = c) -> float:
            v = [x for r in rows[c] for x in r.get(key, [])]
            return 1000 * float(np.median(v)) if v else float("nan")

        print(f"{c:12s} {mean('kbps'):5.0f} kbit/s: beat F {mean('beatF'):.3f}  ±½ frame {mean('half'):.3f}  "
              f"downbeat F {mean('downF'):.3f}  onset F {mean('onsetF'):.3f} ({median_ms('onset_err'):+.1f} ms)  "
              f"cue F {mean('cueF'):.3f}  beats kept {mean('beats_kept'):.3f}  onsets kept "
              f"{mean('onsets_kept'):.3f} (shift {median_ms('onset_shift'):+.1f} ms)")


if __name__ == "__main__":
    main()
