"""MIDI export accuracy and speed, checked by independent readers (pretty_midi, mido).

    python benchmarks/bench_midi.py [SHEET.json]

With no argument the bundled demo score is analysed first (about 30 s). Prints how far
pretty_midi's grid beats and marker times are from the analysed beats and cues, and how long
a two-hour score takes to write and read back.
"""

from __future__ import annotations

import io
import sys
import time
from pathlib import Path

import mido
import numpy as np
import pretty_midi

from syncsheet import demo
from syncsheet.analysis import analyze
from syncsheet.exporters import _marks, jsonsheet, midi
from syncsheet.model import Analysis, Beat, Cue, Onset
from syncsheet.sheet import ExposureSheet, SheetOptions


def accuracy(analysis: Analysis) -> None:
    sheet = ExposureSheet(analysis, "24", SheetOptions(start_timecode="01:00:00:00"))
    buf = io.BytesIO()
    midi.write(sheet, buf)
    data = buf.getvalue()
    pm = pretty_midi.PrettyMIDI(io.BytesIO(data))
    grid = midi.build_grid(analysis.beats)
    beats = np.array([b.time for b in analysis.beats])
    got = pm.get_beats()[grid.preroll:grid.preroll + len(beats)]
    print(f"beats: {len(beats)}; pretty_midi grid beat - detected beat: max {np.abs(got - beats).max() * 1e3:.4f} ms "
          f"(pre-roll {grid.preroll} x 1/{grid.preroll_unit}, {len(grid.tempos)} tempo events, PPQ {grid.ppq})")
    tick, marks = 0, []
    for msg in mido.MidiFile(file=io.BytesIO(data), charset="utf-8").tracks[0]:
        tick += msg.time
        if msg.type in ("marker", "cue_marker"):
            marks.append((pm.tick_to_time(tick), msg.text))
    errors = [min(abs(t - c.time) for t, text in marks if _marks.split_name(text) == c.text) for c in analysis.cues]
    worst = f"max {max(errors) * 1e3:.4f} ms" if errors else "-"
    print(f"cues: {len(analysis.cues)}, each a marker or cue point; marker time - cue time: {worst}")


def speed() -> None:
    rng = np.random.default_rng(0)
    t = 0.3 + np.cumsum(0.5 + 0.05 * np.sin(np.arange(14400) / 50) + rng.normal(0, 0.003, 14400))
    a = Analysis(float(t[-1]) + 1,
                 beats=tuple(Beat(float(x), i // 4 + 1, i % 4 + 1) for i, x in enumerate(t)),
                 onsets=tuple(Onset(float(x)) for x in np.sort(rng.uniform(0, t[-1], 40000))),
                 cues=tuple(Cue(float(x), "hit") for x in np.sort(rng.uniform(0, t[-1], 500))))
    start = time.perf_counter()
    buf = io.BytesIO()
    midi.write(ExposureSheet(a, "24"), buf)
    mid = time.perf_counter()
    midi.read(io.BytesIO(buf.getvalue()))
    end = time.perf_counter()
    print(f"2 h score (14,400 beats, 40,000 onsets, 500 cues): write {mid - start:.2f} s, read {end - mid:.2f} s, "
          f"{len(buf.getvalue()) / 1e6:.2f} MB")


def main() -> None:
    if len(sys.argv) > 1:
        with open(Path(sys.argv[1]), "rb") as stream:
            analysis = jsonsheet.read(stream)
    else:
        analysis = analyze(demo.score_path())
    accuracy(analysis)
    speed()


if __name__ == "__main__":
    main()
