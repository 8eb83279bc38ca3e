"""Cartoon effects over music the cue models never heard: which are cues, by family, fold and level.

Each excerpt of ``--sets`` (by default blind2 and blind3, whose music no model was fitted on) gets
six effects of ``toon_sfx`` (slide whistles, boings, honks, cork pops, wood blocks, xylophone runs,
timpani, bells ...) mixed into its clean ``<id>.wav`` as ``make_cuenet_data.mix`` mixes the training
effects: 4 s or more apart, 1.5 s from the start and 2.5 s from the end, at 0, -6 or -12 dB re the
music's RMS (an effect's level is the RMS of its first 0.5 s). The families take turns, and each
round of the families moves to the next level. Printed: the effects with a cue within a frame of
their start (mir_eval's ±1 frame at 24 fps, as ``bench_analysis.py`` scores cues), by level, by fold
of ``toon_sfx.FOLDS`` and family, and the effect cues 0.5 s or more from every effect (the music's own
false cues and an effect's second cue)::

    .venv/bin/python benchmarks/bench_toons.py
    .venv/bin/python benchmarks/bench_toons.py --judge /tmp/judge.npz   # another fitted judge

``--judge`` reads a judge written by ``train_cue_judge.py --final --out`` instead of the shipped one,
so that a judge fitted with one fold's families can be measured on the other's.

``--gm`` mixes recorded sounds instead of synthesised ones: 38 notes of the FluidR3 GM soundfont the
benchmark renders with (the bench's ``setup.sh`` installs it and fluidsynth), its percussion that
cartoons are cued with (wood blocks, cowbell, vibraslap, whistles, cuica, triangle, cymbals ...) and
pitched or effect programs (xylophone, glockenspiel, tubular bells, timpani, orchestra hit, bird
tweet, telephone, a reverse cymbal ...). Each is rendered once into ``--work`` and trimmed as the
benchmark's builder trims an effect. None is in the cue models' training banks.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import warnings
from collections import defaultdict
from pathlib import Path

import make_cuenet_data as mixes  # run from the checkout: benchmarks/ is on the path
import numpy as np
import soundfile as sf
import toon_sfx

from syncsheet.analysis import analyze_samples, cue_judge
from syncsheet.analysis.forest import Forest

LEVELS_DB = (0.0, -6.0, -12.0)
FRAME = 1 / 24
SEED = 29


SOUNDFONT = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
#: GM percussion (channel 10) notes
GM_DRUMS = {"vibraslap": 58, "cowbell": 56, "hi_wood_block": 76, "low_wood_block": 77, "open_triangle": 81,
            "short_whistle": 71, "long_whistle": 72, "mute_cuica": 78, "open_cuica": 79, "claves": 75,
            "splash_cymbal": 55, "chinese_cymbal": 52, "tambourine": 54, "long_guiro": 74, "high_agogo": 67,
            "maracas": 70, "high_timbale": 65, "cabasa": 69}
#: GM programs and the note each is played at
GM_PROGRAMS = {"xylophone": (13, 72), "glockenspiel": (9, 84), "tubular_bells": (14, 67), "steel_drum": (114, 67),
               "woodblock_prog": (115, 72), "taiko": (116, 48), "melodic_tom": (117, 55), "synth_drum": (118, 55),
               "reverse_cymbal": (119, 60), "bird_tweet": (123, 72), "telephone": (124, 72),
               "orchestra_hit": (55, 60), "fret_noise": (120, 60), "timpani": (47, 45), "pizzicato": (45, 60),
               "music_box": (10, 79), "kalimba": (108, 72), "banjo": (105, 60), "shamisen": (106, 60),
               "koto": (107, 60)}


def gm_sound(name: str, work: Path) -> np.ndarray:
    """One GM note (:data:`GM_DRUMS` or :data:`GM_PROGRAMS`) rendered by fluidsynth at 44.1 kHz, mono,
    from its first sample over 10 % of its peak to its last over 1 %, at most 2 s, peak 1."""
    import mido

    wav = work / f"{name}.wav"
    if not wav.exists():
        channel, program, note = (9, None, GM_DRUMS[name]) if name in GM_DRUMS else (0, *GM_PROGRAMS[name])
        held = 480 if channel == 9 else 384  # ticks at 120 BPM: 0.5 s and 0.4 s
        mid = mido.MidiFile(ticks_per_beat=480)
        track = mido.MidiTrack()
        mid.tracks.append(track)
        if program is not None:
            track.append(mido.Message("program_change", channel=channel, program=program, time=0))
        track.append(mido.Message("note_on", channel=channel, note=note, velocity=110, time=0))
        track.append(mido.Message("note_off", channel=channel, note=note, velocity=0, time=held))
        track.append(mido.MetaMessage("end_of_track", time=960))
        work.mkdir(parents=True, exist_ok=True)
        mid.save(work / f"{name}.mid")
        raw = work / f"{name}.raw.wav"
        subprocess.run(["fluidsynth", "-ni", "-q", "-O", "float", "-g", "0.4", "-r", str(toon_sfx.SR), "-F", str(raw),
                        str(SOUNDFONT), str(work / f"{name}.mid")], check=True, capture_output=True)
        x = sf.read(raw, always_2d=True)[0].mean(axis=1)
        peak = np.abs(x).max()
        x = x[int(np.argmax(np.abs(x) > 0.1 * peak)) :]
        x = x[: int(np.flatnonzero(np.abs(x) > 0.01 * peak)[-1]) + 1][: 2 * toon_sfx.SR]
        fade = min(len(x), toon_sfx.SR // 100)
        x[len(x) - fade :] *= np.linspace(1.0, 0.0, fade)
        sf.write(wav, (x / np.abs(x).max()).astype(np.float32), toon_sfx.SR)
    return sf.read(wav)[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", type=Path, default=Path("/tmp/syncsheet-bench"))
    ap.add_argument("--sets", nargs="*", default=["blind2", "blind3"])
    ap.add_argument("--judge", type=Path, help="a judge's .npz (train_cue_judge.py --final --out), not the shipped one")
    ap.add_argument("--gm", action="store_true", help="the soundfont's recorded percussion and effect notes instead")
    ap.add_argument("--work", type=Path, default=Path("/tmp/syncsheet-bench-work/gm-sounds"),
                    help="where --gm keeps its rendered notes")
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    if args.judge:
        with np.load(args.judge) as z:
            judge = Forest({k: z[k] for k in z.files})
        cue_judge.load = lambda: judge
    rng = np.random.default_rng(SEED)
    if args.gm:
        if shutil.which("fluidsynth") is None or not SOUNDFONT.exists():
            raise SystemExit(f"--gm needs fluidsynth and {SOUNDFONT}: run ../shared/bench/setup.sh (as root) first")
        sounds = {n: gm_sound(n, args.work) for n in sorted({**GM_DRUMS, **GM_PROGRAMS})}
        names = list(sounds)
    else:
        names = sorted(toon_sfx.FAMILIES)
    found: dict[str, list[bool]] = defaultdict(list)
    by_level: dict[float, list[bool]] = defaultdict(list)
    elsewhere = turn = 0
    for name in args.sets:
        manifest = json.loads((args.root / name / "manifest.json").read_text())
        for ex in manifest["excerpts"]:
            y, sr = sf.read(args.root / name / ex["audio"], dtype="float32", always_2d=True)
            mix = y.astype(np.float64)
            rms = float(np.sqrt(np.mean(y.astype(np.float64) ** 2)))
            placed = []
            for t in mixes.place(len(y) / sr, rng):
                family = names[turn % len(names)]
                level = LEVELS_DB[(turn // len(names)) % len(LEVELS_DB)]
                turn += 1
                x = sounds[family] if args.gm else toon_sfx.effect(family, rng)
                if sr != toon_sfx.SR:
                    raise SystemExit(f"{ex['audio']}: {sr} Hz, the effects are made at {toon_sfx.SR} Hz")
                i = int(round(t * sr))
                seg = x[: len(mix) - i] * (rms * 10 ** (level / 20) / np.sqrt(np.mean(x[: sr // 2] ** 2)))
                mix[i : i + len(seg)] += seg[:, None]
                placed.append((t, family, level))
            mix *= min(1.0, 0.98 / np.abs(mix).max())
            a = analyze_samples(mix.astype(np.float32), sr)
            cues = np.array([c.time for c in a.cues if c.kind not in ("stop", "restart")])
            for t, family, level in placed:
                hit = bool(len(cues)) and float(np.abs(cues - t).min()) <= FRAME
                found[family].append(hit)
                by_level[level].append(hit)
            elsewhere += sum(all(abs(c - t) >= 0.5 for t, _, _ in placed) for c in cues)
            print(f"  {name} {ex['id']}", file=sys.stderr, flush=True)
    total = [h for v in found.values() for h in v]
    source = "the GM soundfont" if args.gm else "toon_sfx"
    print(f"judge: {args.judge or 'shipped'}; sets: {' '.join(args.sets)}; effects: {source}")
    print(f"effects with a cue within a frame: {sum(total)} of {len(total)}")
    levels = sorted(by_level.items(), reverse=True)
    print("by level: " + ", ".join(f"{lv:+.0f} dB {sum(v)}/{len(v)}" for lv, v in levels))
    if args.gm:
        print(" ".join(f"{f} {sum(found[f])}/{len(found[f])}" for f in names))
    for k, fold in enumerate(() if args.gm else toon_sfx.FOLDS):
        got = [h for f in fold for h in found[f]]
        each = " ".join(f"{f} {sum(found[f])}/{len(found[f])}" for f in sorted(fold))
        print(f"fold {k}: {sum(got)}/{len(got)}  {each}")
    print(f"effect cues 0.5 s or more from every effect: {elsewhere}")


if __name__ == "__main__":
    main()
