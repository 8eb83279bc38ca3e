"""A click track, as a composer exports one to check a tool: is every click a beat and an onset, on
its attack; is every accent a bar line; are there effect cues or stops where there are none?

Each metronome is a short blip on every beat (a 1 kHz tone, a wood block, a noise tick or a kick),
the first of each bar higher and louder, 1 s into the file (``--lead``: 0 starts on a click, as a
bounced metronome often does), in digital silence or over a hiss
(``--hiss`` dBFS, a recorded take's room tone). For each kind, meter and tempo it prints the beats
and onsets found for the clicks, their median and largest offset from the clicks' attacks, the
bars starting on an accent, and the cues other than the START of the first click::

    .venv/bin/python benchmarks/bench_clicks.py                      # 4 kinds x 2 floors at 120 BPM 4/4
    .venv/bin/python benchmarks/bench_clicks.py --tempos 50 72 100 140 180 200 --meters 3 4 --kinds tone
    .venv/bin/python benchmarks/bench_clicks.py --lead 0 --tempos 72 120 180
    .venv/bin/python benchmarks/bench_clicks.py --map                  # a cue's tempo map, MAP below

Nothing here is in the benchmark sets' music, which never stops to silence between beats.
"""

from __future__ import annotations

import argparse

import numpy as np

from syncsheet.analysis import analyze_samples

SR = 44100
LEAD_S = 1.0
KINDS = ("tone", "wood", "tick", "kick")
#: ``--map``'s default: a cue whose tempo steps (by 40 %, then 36 %) and whose bars change length.
MAP = ("100:4x6", "140:3", "140:4x5", "140:2", "90:4x4", "90:5x2", "120:4x4")


def _click(kind: str, accent: bool) -> np.ndarray:
    """One click of *kind*, faded out over its last quarter (no click of its own at its end)."""
    rng = np.random.default_rng(7)  # every tick the same, as a metronome's sample is
    gain = 1.5 if accent else 1.0
    if kind == "tone":
        t = np.arange(int(0.03 * SR)) / SR
        x = 0.4 * np.sin(2 * np.pi * (1500 if accent else 1000) * t) * np.exp(-t / 0.006)
    elif kind == "wood":
        t = np.arange(int(0.06 * SR)) / SR
        hz = 900 if accent else 700
        x = 0.3 * (np.sin(2 * np.pi * hz * t) + 0.5 * np.sin(2 * np.pi * 2500 * t)) * np.exp(-t / 0.012)
    elif kind == "tick":
        t = np.arange(int(0.02 * SR)) / SR
        x = 0.4 * rng.standard_normal(len(t)) * np.exp(-t / 0.004)
    else:
        t = np.arange(int(0.25 * SR)) / SR
        x = 0.6 * np.sin(2 * np.pi * np.cumsum(50 + 100 * np.exp(-t / 0.03)) / SR) * np.exp(-t / 0.08)
    n = len(x) // 4
    x[-n:] *= np.linspace(1.0, 0.0, n) ** 2
    return gain * x


def track(kind: str, bpm: float, meter: int, seconds: float, hiss_db: float | None,
          lead: float = LEAD_S) -> tuple[np.ndarray, np.ndarray]:
    """The click track's samples and the clicks' times (s), the first *lead* seconds in."""
    times = lead + (60.0 / bpm) * np.arange(int(seconds * bpm / 60))
    return render(kind, times, np.arange(len(times)) % meter == 0, hiss_db, lead + seconds + 1.0)


def render(kind: str, times: np.ndarray, accents: np.ndarray, hiss_db: float | None,
           seconds: float) -> tuple[np.ndarray, np.ndarray]:
    """*seconds* of a click of *kind* at each of *times* (the *accents* the bar's first), and the
    clicks' times rounded to samples."""
    y = np.zeros(int(seconds * SR))
    if hiss_db is not None:
        y += 10 ** (hiss_db / 20) * np.random.default_rng(1).standard_normal(len(y))
    for s, accent in zip(times, accents, strict=True):
        c = _click(kind, bool(accent))
        i = int(round(s * SR))
        y[i : i + len(c)] += c
    return y.astype(np.float32), np.round(times * SR) / SR


def tempo_map(bars: list[str], lead: float = LEAD_S) -> tuple[np.ndarray, np.ndarray]:
    """The clicks of a cue's tempo map: each of *bars* is ``BPM:BEATS`` or ``BPM:BEATSxBARS``
    (``100:4x6`` is six bars of 4 at 100 BPM). Returns the clicks' times and which are accents."""
    times, accents, t = [], [], lead
    for token in bars:
        bpm, _, shape = token.partition(":")
        beats, _, count = shape.partition("x")
        for _ in range(int(count or 1)):
            for k in range(int(beats)):
                times.append(t)
                accents.append(k == 0)
                t += 60.0 / float(bpm)
    return np.array(times), np.array(accents)


def _offsets(found: np.ndarray, clicks: np.ndarray) -> tuple[int, np.ndarray]:
    """How many of *found* are within 25 ms of a click, and their offsets (ms)."""
    if not len(found):
        return 0, np.zeros(0)
    d = found[:, None] - clicks[None, :]
    near = d[np.arange(len(found)), np.argmin(np.abs(d), axis=1)]
    on = np.abs(near) < 0.025
    return int(on.sum()), 1000 * near[on]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kinds", nargs="*", default=list(KINDS), choices=KINDS)
    ap.add_argument("--tempos", type=float, nargs="*", default=[120.0])
    ap.add_argument("--meters", type=int, nargs="*", default=[4])
    ap.add_argument("--seconds", type=float, default=30.0, help="length of the clicking")
    ap.add_argument("--hiss", type=float, default=-70.0, help="the hiss's level (dBFS RMS) in the second run")
    ap.add_argument("--lead", type=float, default=LEAD_S, help="seconds before the first click (0: none)")
    ap.add_argument("--map", nargs="*", metavar="BPM:BEATSxBARS",
                    help="a cue's tempo map instead of --tempos and --meters (no value: "
                         + " ".join(MAP) + ")")
    args = ap.parse_args()
    if args.map is not None:
        times, accents = tempo_map(args.map or MAP, args.lead)
        for kind in args.kinds:
            for hiss in (None, args.hiss):
                y, clicks = render(kind, times, accents, hiss, times[-1] + 2.0)
                _report(f"{kind:4s} map", analyze_samples(y, SR), clicks, accents, hiss)
        return
    for kind in args.kinds:
        for meter in args.meters:
            for bpm in args.tempos:
                for hiss in (None, args.hiss):
                    y, clicks = track(kind, bpm, meter, args.seconds, hiss, args.lead)
                    accents = np.arange(len(clicks)) % meter == 0
                    _report(f"{kind:4s} {meter}/4 {bpm:5.0f} BPM", analyze_samples(y, SR), clicks, accents, hiss)


def _report(name: str, a, clicks: np.ndarray, accents: np.ndarray, hiss: float | None) -> None:
    """One line: the beats, onsets and bar lines found on the clicks, and any other cue."""
    nb, ob = _offsets(np.array([b.time for b in a.beats]), clicks)
    no, oo = _offsets(np.array([o.time for o in a.onsets]), clicks)
    bars = np.array([b.time for b in a.beats if b.beat == 1])
    on_accent = _offsets(bars, clicks[accents])[0]
    other = [f"{c.label} {c.time:.2f}" for c in a.cues
             if not (c.label == "START" and abs(c.time - clicks[0]) < 0.003)]

    def spread(o: np.ndarray) -> str:
        return f"{np.median(o):+.1f} ms (largest {np.abs(o).max():.1f})" if len(o) else "-"

    floor = "digital silence" if hiss is None else f"hiss {hiss:.0f} dBFS"
    print(f"{name}, {floor:15s}: {len(clicks)} clicks; "
          f"beats {nb} on a click of {len(a.beats)}, {spread(ob)}; "
          f"onsets {no} of {len(a.onsets)}, {spread(oo)}; "
          f"bars on an accent {on_accent} of {len(bars)} ({int(accents.sum())} accents); "
          f"other cues {len(other)}{': ' + ', '.join(other[:4]) if other else ''}", flush=True)


if __name__ == "__main__":
    main()
