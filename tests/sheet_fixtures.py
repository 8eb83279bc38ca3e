"""A small, fully known analysis for sheet and exporter tests (no audio needed).

Three tempo sections, chosen for the animators' notation at 24 fps: 4/4 at 120 BPM (4-12),
3/4 at 80 BPM (3-18) and 4/4 at 77 BPM (4-18.7); an upbeat before bar 1; a CRASH, a STOP that
lasts a second and a labelled section; seeded onsets and levels.
"""

from __future__ import annotations

import numpy as np

from syncsheet.model import Analysis, Beat, Cue, Levels, Onset, TempoMap, TempoSegment

SECTIONS = ((0.5, 120.0, 4, 3), (6.5, 80.0, 3, 2), (11.0, 77.0, 4, 2))  # start s, BPM, beats a bar, bars


def make_analysis(seed: int = 7, source: str = "score.wav") -> Analysis:
    rng = np.random.default_rng(seed)
    beats: list[Beat] = [Beat(0.25, 1, 4, 0.4)]  # an upbeat before the first downbeat
    segments = []
    bar = 1
    for start, bpm, per_bar, bars in SECTIONS:
        segments.append(TempoSegment(start, bpm, per_bar))
        period = 60.0 / bpm
        for k in range(bars * per_bar):
            beat = k % per_bar + 1
            beats.append(Beat(start + k * period, bar, beat, 0.9 if beat == 1 else float(rng.uniform(0.2, 0.6))))
            if beat == per_bar:
                bar += 1
    end = beats[-1].time + 60.0 / SECTIONS[-1][1]
    onsets = tuple(Onset(float(t), float(s)) for t, s in zip(
        np.sort(rng.uniform(0.1, end - 0.1, 25)), rng.uniform(0.05, 1.0, 25), strict=True))
    cues = (
        Cue(3.3, "crash", "CRASH", 0.9),
        Cue(6.5, "section", "Bridge"),
        Cue(9.0, "stop", "STOP", 1.0, end=10.0),
    )
    levels = Levels(0.01, (-30 + 20 * np.sin(np.arange(int(end * 100)) / 40.0) - rng.uniform(0, 5, int(end * 100))))
    return Analysis(end, 44100, tuple(beats), onsets, cues, TempoMap(tuple(segments)), levels, source)


def pdf_words(path) -> list[list[tuple[float, float, float, float, str]]]:
    """Words of each page of a PDF as (x0, y0, x1, y1, text), y from the top (``pdftotext -bbox``)."""
    import html
    import re
    import subprocess

    out = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    pages = []
    for page in out.split("<page ")[1:]:
        pages.append([
            (float(m[1]), float(m[2]), float(m[3]), float(m[4]), html.unescape(m[5]))
            for m in re.finditer(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>',
                                 page)
        ])
    return pages


def pdf_text(path, page: int | None = None) -> str:
    """Plain text of a PDF (or of one 1-based page)."""
    import subprocess

    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(["pdftotext", "-layout", *pages, str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
