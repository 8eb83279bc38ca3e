"""Is a channel of SMPTE timecode (LTC) found, read and left out of the analysis, and never found in music?

A camera's second channel or a recorder's last track often carries LTC. Each excerpt of the sets is
made a stereo take: its music (the channels' mean) on one channel, LTC on the other, at a rate, a
start and a recording path taken in turn (24, 25, 29.97 drop-frame, 30 fps; as generated, high-passed
at 300 Hz, low-passed at 3 kHz, over a hiss 30 dB down, or the take through MP3 or Ogg Vorbis as a
camera's compressed audio is; peak level 0.5 or 0.1). The script prints
how many takes had the code read (channel, rate and the start to the frame) and left out, and the
scores ``bench_levels.py`` prints (beat, downbeat and onset F, cue F on the mixes, effect cues in the
clean music) for the take's music channel alone, for the take, and for the take's two channels
mixed (as every file was before timecode was left out). ``--scan`` then reads the first
2 s and the 2 s from 10 s in of every channel of every WAV in the sets for a code (there is none)::

    .venv/bin/python benchmarks/bench_timecode.py --set /tmp/syncsheet-bench/dev --set /tmp/syncsheet-bench/holdout
    .venv/bin/python benchmarks/bench_timecode.py --scan /tmp/syncsheet-bench/*/
"""

from __future__ import annotations

import argparse
import json
import tempfile
import warnings
from pathlib import Path

import numpy as np
import soundfile as sf
from bench_levels import scores  # run from the checkout: benchmarks/ is on the path
from scipy.signal import butter, sosfilt

from syncsheet import ltc
from syncsheet import timebase as tb

RATES = ("24", "25", "29.97df", "30")
PATHS = ("as generated", "high-passed 300 Hz", "low-passed 3 kHz", "hiss 30 dB down", "MP3", "Ogg Vorbis")
_CODECS = {"MP3": ("MP3", "MPEG_LAYER_III", "mp3"), "Ogg Vorbis": ("OGG", "VORBIS", "ogg")}
LEVELS = (0.5, 0.1)


def take(k: int) -> tuple[tb.FrameRate, float, str]:
    """The *k*-th take's rate, level and recording path, each in turn."""
    return tb.parse_rate(RATES[k % len(RATES)]), LEVELS[k // 2 % len(LEVELS)], PATHS[k // len(RATES) % len(PATHS)]


def recorded(take: np.ndarray, sr: int, path: str) -> np.ndarray:
    """*take* (samples, 2) through a lossy codec where *path* names one (at its default quality)."""
    if path not in _CODECS:
        return take
    kind, subtype, ext = _CODECS[path]
    with tempfile.TemporaryDirectory() as d:
        f = Path(d) / f"take.{ext}"
        sf.write(f, take, sr, format=kind, subtype=subtype)
        y, _ = sf.read(f, dtype="float32", always_2d=True)
    return y[: len(take)]


def code(n: int, sr: int, k: int) -> tuple[np.ndarray, tb.FrameRate, str]:
    """The *k*-th take's timecode: *n* samples, its rate and the label of its first sample's frame."""
    rate, level, path = take(k)
    first = 10 * 3600 * rate.nominal + 17 * k  # 10:00:00:00 and on, a different start each take
    label = tb.to_timecode(first, rate)
    y = ltc.encode(n / sr, sr, rate, first, level=level).astype(np.float64)
    if path == "high-passed 300 Hz":
        y = sosfilt(butter(2, 300, "hp", fs=sr, output="sos"), y)
    elif path == "low-passed 3 kHz":
        y = sosfilt(butter(4, 3000, "lp", fs=sr, output="sos"), y)
    elif path == "hiss 30 dB down":
        y = y + np.sqrt(np.mean(y**2)) * 10 ** (-30 / 20) * np.random.default_rng(k).standard_normal(len(y))
    return y.astype(np.float32)[:n], rate, label


def _scan(dirs: list[Path]) -> None:
    blocks = found = 0
    for d in dirs:
        for wav in sorted(d.glob("*.wav")):
            with sf.SoundFile(wav) as fh:
                for at in (0.0, 10.0):
                    if at * fh.samplerate >= fh.frames:
                        continue
                    fh.seek(int(at * fh.samplerate))
                    y = fh.read(int(ltc.PROBE_SECONDS * fh.samplerate), dtype="float32", always_2d=True)
                    blocks += 1
                    if (c := ltc.find(y, fh.samplerate)) is not None:
                        found += 1
                        print(f"  found in {wav} at {at:g} s: {c}")
    print(f"timecode found in {found} of {blocks} stretches of {ltc.PROBE_SECONDS:g} s of music (every channel)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", type=Path, action="append", help="benchmark set folders (default dev and holdout)")
    ap.add_argument("--scan", type=Path, nargs="+", help="only look for timecode in these folders' WAVs")
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    if args.scan:
        _scan(args.scan)
        return
    sets = args.set or [Path("/tmp/syncsheet-bench/dev"), Path("/tmp/syncsheet-bench/holdout")]
    totals: dict[str, list[dict[str, float]]] = {}
    read = left_out = takes = 0
    k = 0
    for set_dir in sets:
        for e in json.loads((set_dir / "manifest.json").read_text())["excerpts"]:
            sr = sf.info(str(set_dir / e["audio"])).samplerate
            kk = k

            def with_code(y: np.ndarray, sr: int, kk: int = kk) -> np.ndarray:
                both = np.concatenate([y.mean(axis=1, keepdims=True), code(len(y), sr, kk)[0][:, None]], axis=1)
                return recorded(both, sr, take(kk)[2])

            def alone(y: np.ndarray, sr: int, kk: int = kk) -> np.ndarray:  # the take's music channel
                return with_code(y, sr, kk)[:, :1]

            def mixed(y: np.ndarray, sr: int, kk: int = kk) -> np.ndarray:
                return with_code(y, sr, kk).mean(axis=1, keepdims=True)

            y, _ = sf.read(set_dir / e["audio"], dtype="float32", always_2d=True)
            _, rate, label = code(len(y), sr, kk)
            c = ltc.find(with_code(y, sr)[: int(ltc.PROBE_SECONDS * sr)], sr)
            ok = c is not None and c.channel == 1 and c.rate == rate and c.start == label
            read += ok
            left_out += c is not None and c.channels == (1,)
            takes += 1
            got = scores(set_dir, e, {"the take's music channel": alone, "the take (music + code)": with_code,
                                      "its two channels mixed": mixed})
            for key, r in got.items():
                totals.setdefault(key, []).append(r)
            rate_k, level_k, path_k = take(kk)
            print(f"  {e['id']:28} {rate_k.name:>7} {level_k:3.1f} {path_k:>18} "
                  f"read {'yes' if ok else 'NO'}  " + "  ".join(
                      f"{key.split()[-1]}: beatF {r['beatF']:.2f} cueF {r.get('cueF', float('nan')):.2f}"
                      for key, r in got.items()), flush=True)
            k += 1
    print(f"\ncode read (channel, rate, start frame) in {read} of {takes} takes; left out of the analysis in "
          f"{left_out}")
    keys = ("beatF", "downF", "onsetF", "cueF", "clean_cues")
    print(f"{'':32}" + "".join(f"{k:>12}" for k in keys))
    for name, rows in totals.items():
        print(f"{name:32}" + "".join(
            f"{np.nanmean([r.get(k, np.nan) for r in rows]) if k != 'clean_cues' else sum(r[k] for r in rows):>12.3f}"
            for k in keys))


if __name__ == "__main__":
    main()
