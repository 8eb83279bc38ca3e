"""Training and evaluation rows for the learned effect activation (``syncsheet/analysis/cuenet.py``).

Training mixes never hold the benchmark's own effects: the freedoom WAD lumps and freedesktop
sounds the benchmark mixes (:data:`BENCH_SFX`) are left out and every *other* sound lump of
freedoom1.wad / freedoom2.wad (DMX format) and every other freedesktop ``.oga`` is used. Each is
trimmed as the benchmark's builder does (start at the first sample above 10 % of its peak, trailing
near-silence cut, 10 ms fade) and mixed into the CLEAN ``<id>.wav`` of each training excerpt at
0 / -6 / -12 dB re the music's RMS (the level over its first 0.5 s), up to six effects ≥ 4 s apart
between 1.5 s and 2.5 s before the end, :data:`MIXES` mixes per excerpt from a seeded RNG.

For each mix (and for the benchmark's real ``<id>_mix.wav`` and clean ``<id>.wav`` of every set,
for evaluation) the features are extracted and the whole analysis is run once, recording what the
cue picker is given (the surprises and weight), the stops, the first onset and the beat period the
pipeline filters cues with, and the present detector's cues. One ``.npz`` per audio under
``--out``::

    .venv/bin/python benchmarks/make_cuenet_data.py --out /tmp/cuenet/data \\
        --train dev holdout compound tune2 fresh blind --eval dev holdout compound tune2 fresh blind

and, only at the very end, ``--eval blind2 blind3``. ``--toons 0 1`` adds, for each training excerpt,
:data:`TOON_MIXES` mixes of each fold of synthesised cartoon effects (``toon_sfx``), which
``train_cuenet.py --toons 0 1`` learns from too (tried in the twenty-ninth session and not kept: the
benchmark's own effects lost more than the cartoon effects gained; docs/analysis.md). Generated
audio stays in memory (and /tmp).
With ``--jitter-seed K`` (evaluation only, into another ``--out``) the cue detector's beat grid is
jittered by up to ±10 ms, so the spread of the scores over seeds says what is noise.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import struct
from pathlib import Path

import numpy as np
import soundfile as sf
import toon_sfx  # benchmarks/ is on the path when run from the checkout
from scipy.signal import resample_poly

from syncsheet.analysis import cues as cuemod
from syncsheet.analysis import pipeline
from syncsheet.analysis.features import extract

BENCH = Path("/tmp/syncsheet-bench")
WADS = [BENCH / "src/freedoom/usr/share/games/doom" / w for w in ("freedoom1.wad", "freedoom2.wad")]
FDO = Path("/usr/share/sounds/freedesktop/stereo")
#: The effects the benchmark mixes: never trained on.
BENCH_SFX = {"DSBAREXP", "DSSHOTGN", "DSDOROPN", "DSMETAL", "DSSAWHIT", "DSOOF", "bell", "trash-empty"}
LEVELS_DB = (0.0, -6.0, -12.0)
N_CUES = 6
MIXES = 3
#: With ``--toons``: mixes an excerpt of each fold of synthesised cartoon effects, and effects of
#: each family in a mix's bank (a bank of its own for each mix)
TOON_MIXES = 1
TOON_VARIANTS = 3
SR = 44100


def read_lumps(path: Path) -> dict[str, bytes]:
    """Name -> bytes of every lump of a WAD (the first of each name)."""
    d = path.read_bytes()
    _, n, off = struct.unpack("<4sii", d[:12])
    out: dict[str, bytes] = {}
    for i in range(n):
        pos, size, name = struct.unpack("<ii8s", d[off + 16 * i : off + 16 * i + 16])
        out.setdefault(name.rstrip(b"\0").decode("ascii", "replace"), d[pos : pos + size])
    return out


def dmx(data: bytes) -> tuple[np.ndarray, int] | None:
    """Samples (-1..1) and rate of a DMX sound lump (format 3, 8-bit unsigned, 16 pad bytes each
    side), None if the lump is not one."""
    if len(data) < 40:
        return None
    fmt, rate, n = struct.unpack("<HHI", data[:8])
    if fmt != 3 or n < 40 or 8 + n > len(data) + 8:
        return None
    pcm = np.frombuffer(data[8 + 16 : 8 + n - 16], np.uint8).astype(np.float64)
    return (pcm - 128.0) / 128.0, rate


def trim(x: np.ndarray, sr: int) -> np.ndarray | None:
    """Resampled to :data:`SR`, started at its first sample over 10 % of its peak, trailing
    near-silence cut, 10 ms fade out (as the benchmark's builder does)."""
    if sr != SR:
        g = np.gcd(int(sr), SR)
        x = resample_poly(x, SR // g, int(sr) // g)
    x = x - np.mean(x)
    pk = float(np.max(np.abs(x))) if len(x) else 0.0
    if pk <= 0:
        return None
    x = x[int(np.argmax(np.abs(x) > 0.1 * pk)) :]
    x = x[: np.flatnonzero(np.abs(x) > 0.01 * pk)[-1] + 1].copy()
    fade = min(len(x) // 4, int(0.01 * SR))
    if fade:
        x[-fade:] *= np.linspace(1, 0, fade)
    return x if len(x) >= int(0.03 * SR) else None


def sfx_bank() -> list[tuple[str, np.ndarray, float]]:
    """(name, samples, RMS of the first 0.5 s) of every allowed effect, duplicates dropped."""
    out, seen = [], set()
    for w in WADS:
        for name, data in read_lumps(w).items():
            if not name.startswith("DS") or name in BENCH_SFX:
                continue
            d = dmx(data)
            h = hashlib.sha1(data).hexdigest()
            if d is None or h in seen:
                continue
            seen.add(h)
            x = trim(*d)
            if x is not None:
                out.append((name, x, float(np.sqrt(np.mean(x[: SR // 2] ** 2)))))
    for p in sorted(FDO.glob("*.oga")):
        if p.stem in BENCH_SFX:
            continue
        y, sr = sf.read(p, always_2d=True)
        x = trim(y.mean(axis=1), sr)
        if x is not None:
            out.append((p.stem, x, float(np.sqrt(np.mean(x[: SR // 2] ** 2)))))
    return out


def place(dur: float, rng: np.random.Generator, span: tuple[float, float] = (1.5, 2.5)) -> list[float]:
    """Up to :data:`N_CUES` effect times (s, in order) 4 s or more apart, none within *span* seconds of
    the start and of the end of *dur* seconds, as the benchmark's builder places its effects."""
    times: list[float] = []
    for _ in range(2000):
        t = round(float(rng.uniform(span[0], dur - span[1])), 3)
        if all(abs(t - u) >= 4.0 for u in times):
            times.append(t)
        if len(times) == N_CUES:
            break
    return sorted(times)


def mix(y: np.ndarray, bank, rng: np.random.Generator, *, span: tuple[float, float] = (1.5, 2.5)
        ) -> tuple[np.ndarray, list[dict]]:
    """*y* (n, ch) with up to six effects mixed in as the benchmark's builder does (:func:`place`)."""
    times = place(len(y) / SR, rng, span)
    out = y.copy()
    music_rms = float(np.sqrt(np.mean(y**2)))
    cues = []
    for t in times:
        name, x, rms = bank[int(rng.integers(len(bank)))]
        lvl = float(LEVELS_DB[int(rng.integers(len(LEVELS_DB)))])
        i = int(round(t * SR))
        seg = x[: len(out) - i] * (music_rms * 10 ** (lvl / 20) / rms)
        out[i : i + len(seg)] += seg[:, None]
        cues.append({"time": t, "sfx": name, "level_db": lvl, "length": len(x) / SR})
    if np.abs(out).max() > 0.98:
        out *= 0.98 / np.abs(out).max()
    return out.astype(np.float32), cues


def record(y: np.ndarray, sr: int, jitter: np.random.Generator | None = None) -> dict[str, np.ndarray]:
    """Run the analysis on *y* (n, ch) and keep what the cue picker and its filters see; with
    *jitter*, every beat of the grid the cue detector compares bars on is moved by up to ±10 ms
    (uniform), to measure how much of a cue score is the luck of the grid."""
    got: dict = {}
    pick, bed, learned = cuemod.pick_cues, pipeline._after_the_bed_starts, pipeline._learned_cues
    audible = pipeline._audible

    def audible_jittered(pos, stops, onset_pos):
        g = audible(pos, stops, onset_pos)
        return np.sort(g + jitter.uniform(-0.01, 0.01, len(g)) * pipeline.FPS) if len(g) else g

    def pick_spy(found, *, weight=None, bursts=None, **kw):
        # the pipeline passes the fine spectrum's surprise as the bursts an effect's start may jump to
        got.update(found=np.asarray(found, np.float32), weight=np.asarray(weight, np.float32),
                   surp=np.asarray(bursts, np.float32))
        return pick(found, weight=weight, bursts=bursts, **kw)

    def bed_spy(cpos, score, onset_pos, beat_pos):
        got["first_onset"] = float(onset_pos[0]) if len(onset_pos) else -1.0
        got["beat"] = float(np.median(np.diff(beat_pos))) if len(beat_pos) > 1 else pipeline.FPS * 0.5
        return bed(cpos, score, onset_pos, beat_pos)

    step = 1 << 16  # every channel, as the pipeline streams a file: the working level is theirs
    f = extract((y[i : i + step] for i in range(0, len(y), step)), sr, len(y))
    # the repetition detector alone: its cues are the "present" ones, its evidence the inputs
    cuemod.pick_cues, pipeline._after_the_bed_starts = pick_spy, bed_spy
    if jitter is not None:
        pipeline._audible = audible_jittered
    pipeline._learned_cues = lambda f, surp, fsurp, weight, cpos, cscore, *a, **k: (cpos, cscore)
    try:
        a = pipeline.analyze_features(f)
    finally:
        cuemod.pick_cues, pipeline._after_the_bed_starts, pipeline._learned_cues = pick, bed, learned
        pipeline._audible = audible
    stops = [(c.time, c.end if c.end is not None else c.time) for c in a.cues if c.kind == "stop"]
    n = len(f.fine)
    return {
        "fine": f.fine, "floor": f.floor, "fine_hz": f.fine_hz,
        "surp": got.get("surp", np.zeros(n, np.float32)),
        "fsurp": got.get("found", np.zeros(n, np.float32)) - got.get("surp", np.zeros(n, np.float32)),
        "weight": got.get("weight", np.zeros(n, np.float32)),
        "first_onset": got.get("first_onset", -1.0), "beat": got.get("beat", 100.0),
        "stops": np.asarray(stops, float).reshape(-1, 2),
        "present": np.asarray([c.time for c in a.cues if c.kind not in ("stop", "restart")], float),
        "present_strength": np.asarray([c.strength for c in a.cues if c.kind not in ("stop", "restart")], float),
        "other": np.asarray([c.time for c in a.cues if c.kind in ("stop", "restart")], float),
        "duration": f.duration,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=Path("/tmp/cuenet/data"))
    ap.add_argument("--train", nargs="*", default=[], help="sets whose clean excerpts get training mixes")
    ap.add_argument("--eval", nargs="*", default=[], help="sets whose real mixes and clean music are recorded")
    ap.add_argument("--mixes", type=int, default=MIXES)
    ap.add_argument("--toons", nargs="*", type=int, default=[],
                    help="--train sets: also TOON_MIXES mixes an excerpt with each of these folds of toon_sfx's "
                         "synthesised cartoon effects (toons<fold>__<set>__<id>__<k>.npz)")
    ap.add_argument("--jitter-seed", type=int, default=None,
                    help="--eval only: jitter the cue detector's beat grid by up to ±10 ms (this seed)")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    bank = sfx_bank() if args.train else []
    if bank:
        print(f"{len(bank)} training effects: {' '.join(sorted({b[0] for b in bank}))}", flush=True)
    for s in args.train:
        man = json.loads((BENCH / s / "manifest.json").read_text())
        for e in man["excerpts"]:
            y, sr = sf.read(BENCH / s / e["audio"], always_2d=True, dtype="float32")
            assert sr == SR, sr
            for k in range(args.mixes):
                p = args.out / f"train__{s}__{e['id']}__{k}.npz"
                if p.exists():
                    continue
                seed = int(hashlib.sha1(f"{s}/{e['id']}/{k}".encode()).hexdigest()[:8], 16)
                m, cues = mix(y, bank, np.random.default_rng(seed))
                r = record(m, sr)
                r["cues"] = np.asarray([c["time"] for c in cues], float)
                r["levels"] = np.asarray([c["level_db"] for c in cues], float)
                r["lengths"] = np.asarray([c["length"] for c in cues], float)
                np.savez_compressed(p, **r)
            for fold in args.toons:
                for k in range(TOON_MIXES):
                    p = args.out / f"toons{fold}__{s}__{e['id']}__{k}.npz"
                    if p.exists():
                        continue
                    rng = np.random.default_rng(int(hashlib.sha1(f"toons/{fold}/{s}/{e['id']}/{k}".encode())
                                                    .hexdigest()[:8], 16))
                    m, cues = mix(y, toon_sfx.bank(rng, TOON_VARIANTS, toon_sfx.FOLDS[fold]), rng)
                    r = record(m, sr)
                    r["cues"] = np.asarray([c["time"] for c in cues], float)
                    r["levels"] = np.asarray([c["level_db"] for c in cues], float)
                    r["lengths"] = np.asarray([c["length"] for c in cues], float)
                    np.savez_compressed(p, **r)
            print(s, e["id"], flush=True)
    for s in args.eval:
        man = json.loads((BENCH / s / "manifest.json").read_text())
        for e in man["excerpts"]:
            if not e.get("mix_audio"):
                continue
            for kind, name in (("mix", e["mix_audio"]), ("clean", e["audio"])):
                p = args.out / f"{kind}__{s}__{e['id']}.npz"
                if p.exists():
                    continue
                y, sr = sf.read(BENCH / s / name, always_2d=True, dtype="float32")
                jit = None
                if args.jitter_seed is not None:
                    key = f"{args.jitter_seed}/{kind}/{s}/{e['id']}"
                    jit = np.random.default_rng(int(hashlib.sha1(key.encode()).hexdigest()[:8], 16))
                r = record(y, sr, jit)
                cl = e.get("cue_list") or []
                r["cues"] = np.asarray([c["time"] for c in cl], float) if kind == "mix" else np.zeros(0)
                r["levels"] = np.asarray([c["level_db"] for c in cl], float) if kind == "mix" else np.zeros(0)
                np.savez_compressed(p, **r)
            print(s, e["id"], flush=True)


if __name__ == "__main__":
    main()
