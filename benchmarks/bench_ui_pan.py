"""How fast the timeline redraws while panning and zooming a two-hour reel (offscreen).

Writes a 2 h, 48 kHz, mono, 16-bit WAV to /tmp by tiling a synthesised 4-bar loop (streamed: the
reel is never in memory), opens it in the main window with a synthetic analysis of the loop's own
beats, accents and a cue every minute (analysing two hours is the analysis benchmark's business,
not this one's), then scripts pans and zooms and times each redraw: the view change plus a
synchronous repaint of the timeline. Prints milliseconds per frame; the budget is 50 ms.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_ui_pan.py [--hours 2] [--keep]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import soundfile as sf  # noqa: E402

SR = 48000
BPM = 120.0
LOOP_BEATS = 16  # four bars of 4/4: 8 s


def synth_loop() -> np.ndarray:
    """Kick on every beat, hat on the off-beats, a bass tone: 8 s at 120 BPM."""
    rng = np.random.default_rng(3)
    beat = int(SR * 60 / BPM)
    n = beat * LOOP_BEATS
    t = np.arange(n) / SR
    y = 0.15 * np.sin(2 * np.pi * 55 * t) * (0.6 + 0.4 * np.sin(2 * np.pi * t / 8))
    kick_len = int(0.12 * SR)
    kt = np.arange(kick_len) / SR
    kick = np.sin(2 * np.pi * (50 + 90 * np.exp(-kt * 30)) * kt) * np.exp(-kt * 25)
    hat = rng.standard_normal(int(0.03 * SR)) * np.exp(-np.arange(int(0.03 * SR)) / (0.006 * SR))
    for i in range(LOOP_BEATS):
        s = i * beat
        y[s:s + kick_len] += (0.9 if i % 4 == 0 else 0.6) * kick
        h = s + beat // 2
        y[h:h + len(hat)] += 0.25 * hat
    return np.clip(y, -1, 1).astype(np.float32)


def write_reel(path: Path, hours: float) -> float:
    """Stream the tiled loop to a WAV file; returns seconds taken."""
    loop = synth_loop()
    total = int(hours * 3600 * SR)
    start = time.perf_counter()
    with sf.SoundFile(path, "w", SR, 1, "PCM_16") as fh:
        done = 0
        while done < total:
            chunk = loop[: min(len(loop), total - done)]
            fh.write(chunk)
            done += len(chunk)
    return time.perf_counter() - start


def synthetic_analysis(duration: float):
    """The loop's own events over the whole reel (known exactly: it is tiled)."""
    from syncsheet.model import Analysis, Beat, Cue, Levels, Onset, TempoMap

    period = 60 / BPM
    n = int(duration / period)
    beats = [Beat(i * period, i // 4 + 1, i % 4 + 1, 1.0 if i % 4 == 0 else 0.7) for i in range(n)]
    onsets = [Onset(i * period / 2, 0.8 if i % 2 == 0 else 0.4) for i in range(2 * n)]
    cues = [Cue(60.0 * k + 0.25, "impact", f"HIT {k}", 1.0) for k in range(1, int(duration // 60))]
    steps = int(duration / 0.01)
    db = (-20 + 8 * np.cos(2 * np.pi * np.arange(steps) * 0.01 / period)).astype(np.float32)
    return Analysis(duration, SR, beats=beats, onsets=onsets, cues=cues, tempo=TempoMap.from_beats(beats[:64]),
                    levels=Levels(0.01, db), source="reel.wav")


PAINTS = {"n": 0}


def count_paints(cls) -> None:
    """Count paints of the timeline's marker layer (to check each step really redraws it)."""
    original = cls.paint

    def paint(self, *args):
        PAINTS["n"] += 1
        return original(self, *args)

    cls.paint = paint


def timed(app, widgets, actions) -> list[float]:
    """Time each action, the event processing it causes, and one full redraw of *widgets*.

    The widgets' own (display-synchronised) updates are switched off while measuring and each step
    renders them into an image instead: exactly one paint per widget per step, as on screen.
    """
    from PyQt6.QtGui import QImage, QPainter

    images = [QImage(w.size(), QImage.Format.Format_RGB32) for w in widgets]
    before = PAINTS["n"]
    for w in widgets:
        w.setUpdatesEnabled(False)
    out = []
    try:
        for act in actions:
            t0 = time.perf_counter()
            act()
            app.processEvents()
            for w, img in zip(widgets, images, strict=True):
                painter = QPainter(img)
                w.render(painter)
                painter.end()
            out.append((time.perf_counter() - t0) * 1000)
    finally:
        for w in widgets:
            w.setUpdatesEnabled(True)
    if not len(actions) <= PAINTS["n"] - before <= len(actions) + 1:
        raise RuntimeError(f"{PAINTS['n'] - before} timeline paints for {len(actions)} steps: the timing is off")
    return out


def report(name: str, ms: list[float]) -> float:
    ms_sorted = sorted(ms)
    p95 = ms_sorted[int(0.95 * (len(ms) - 1))]
    print(f"{name:<34} frames {len(ms):4d}  mean {statistics.mean(ms):6.1f} ms  median {statistics.median(ms):6.1f} ms"
          f"  p95 {p95:6.1f} ms  max {max(ms):6.1f} ms")
    return p95


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=float, default=2.0)
    ap.add_argument("--steps", type=int, default=150, help="redraws per scripted gesture")
    ap.add_argument("--keep", action="store_true", help="keep the generated WAV in /tmp")
    args = ap.parse_args(argv)

    from PyQt6.QtWidgets import QApplication
    from syncsheet_ui.mainwindow import MainWindow
    from syncsheet_ui.markers import MarkerLayer
    from syncsheet_ui.style import apply_dark_palette
    from syncsheet_ui.transport import Transport

    from syncsheet import project as pj

    count_paints(MarkerLayer)
    wav = Path("/tmp/syncsheet-bench-reel.wav")
    took = write_reel(wav, args.hours)
    duration = sf.info(str(wav)).duration
    print(f"reel: {wav} {duration / 3600:.2f} h, {wav.stat().st_size / 1e6:.0f} MB, written in {took:.1f} s")

    app = QApplication.instance() or QApplication(sys.argv[:1])
    apply_dark_palette(app)
    proj = pj.Project.for_audio(wav, analysis=synthetic_analysis(duration))  # with its checksum
    proj_file = pj.save(proj, Path("/tmp/syncsheet-bench-reel.syncsheet"))
    win = MainWindow(transport=Transport(audio=False), autosave_ms=0, ask_on_close=False)
    win.dialogs.confirm = lambda *_a: False
    win.resize(1600, 1000)
    win.show()
    app.processEvents()
    t0 = time.perf_counter()
    win.open_path(proj_file)
    t_open = time.perf_counter() - t0
    while win.busy:
        app.processEvents()
        time.sleep(0.005)
    t_ready = time.perf_counter() - t0
    sheet = win.doc.sheet()
    print(f"open: window usable after {t_open * 1000:.0f} ms; checksum checked and waveform peaks ready "
          f"after {t_ready:.1f} s (in the background); X-sheet rows: {sheet.frames}")
    peaks = win.doc.peaks
    mem = sum(lvl.mins.nbytes + lvl.maxs.nbytes + lvl.rms.nbytes for lvl in peaks.levels)
    print(f"peak pyramid: {len(peaks.levels)} levels, {mem / 1e6:.1f} MB")

    tl = win.timeline
    views = [tl.plot_widget, win.overview.plot_widget]
    worst = []
    for width in (20.0, 600.0):
        start = duration * 0.3
        step = width / 10
        acts = [lambda a=start + i * step, w=width: tl.set_view(a, a + w) for i in range(args.steps)]
        worst.append(report(f"pan, {width:g} s in view", timed(app, views, acts)))
    acts = [lambda i=i: tl.set_view(duration * i / args.steps * 0.9, duration * i / args.steps * 0.9 + duration / 10)
            for i in range(args.steps)]
    worst.append(report("pan, 12 min in view, across reel", timed(app, views, acts)))
    center = duration / 2
    widths = np.geomspace(duration, 0.2, args.steps)
    acts = [lambda w=w: tl.set_view(center - w / 2, center + w / 2) for w in widths]
    worst.append(report("zoom, whole reel to 5 frames", timed(app, views, acts)))
    tl.set_view(center, center + 20.0)
    fps = win.doc.project.fps
    from syncsheet import timebase as tb

    f0 = tb.frame_of(center, fps)
    acts = [lambda i=i: win.go_to_frame(f0 + i) for i in range(args.steps)]
    worst.append(report("frame steps (playhead + X-sheet)", timed(app, views + [win.sheet_view], acts)))
    t0 = time.perf_counter()
    win.add_marker("cue")
    app.processEvents()
    t_edit = (time.perf_counter() - t0) * 1000
    t0 = time.perf_counter()
    win.act_undo.trigger()
    app.processEvents()
    t_undo = (time.perf_counter() - t0) * 1000
    print(f"edit on the reel (add a cue, rebuild sheet and views): {t_edit:.0f} ms; undo: {t_undo:.0f} ms")
    print(f"worst p95: {max(worst):.1f} ms per frame (budget 50 ms)")
    win.close()
    if not args.keep:
        wav.unlink(missing_ok=True)
        proj_file.unlink(missing_ok=True)
    return 0 if max(worst) < 50 else 1


if __name__ == "__main__":
    sys.exit(main())
