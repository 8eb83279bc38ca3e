"""Do an excerpt's score beats fit its own notes? Finds benchmark excerpts whose beat truth is wrong.

The benchmark's beats and note onsets both come from the score, so a piece's note onsets fall on its
beat grid: at the beat or at a simple division of it (halves, thirds, quarters, sixths, eighths).
Within each beat interval a note's phase is its place between the two beats; the onsets' phase
coherence at a division *d* is ``|mean(exp(2πi · d · phase))|``, and the largest over the divisions
is near 1 for a score whose notes sit on its beats, whatever its rhythm or tempo changes (every
benchmark excerpt but 40 of 597 has 0.42 or more). Where it is near 0 the notes ignore the beats:
the beat times do not describe the music and no tracker can be scored against them.

Measured (ninth session, the nine sets and the train sets, 597 excerpts): the 39 excerpts of the
Freedoom lumps whose MIDI has 89 ticks a beat (``D_SHAWN``, ``D_SHAWN2``, ``D_THE_DA``, ``D_THEDA3``,
``D_DEAD``, ``D_INTRO``, ``D_DM2INT``, ``D_DM2TTL``, ``D_OPENIN``: music with no tempo of its own)
all get beats at exactly 95 BPM and a coherence of 0.01–0.12, while their notes lock to another tempo
(``D_SHAWN``'s onsets: coherence 0.64 at 0.662 s a beat against 0.01 at the truth's 0.632 s); so
does ``b3_tv_romer2_steps`` (``D_ROMER2``, a 26 BPM beat). Among the sets scored: ``hd_fd_shawn``,
``t2_fd_the_da``, ``t2_fd_dead``, ``b3_tv_romer2_steps``. Such excerpts are left out of what the networks learn from
(``--drop-unfit``) and are listed by::

    .venv/bin/python benchmarks/truth_fit.py --set /tmp/syncsheet-bench/holdout --set /tmp/syncsheet-bench/tune2
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

DIVISIONS = (1, 2, 3, 4, 6, 8)
#: Below this coherence an excerpt's beats are taken not to fit its notes (the lowest fitting
#: excerpt scores 0.42; the misfits 0.01-0.12).
FLOOR = 0.2


def beats_fit_notes(beats: np.ndarray, onsets: np.ndarray) -> float:
    """The onsets' largest phase coherence within the beat intervals over :data:`DIVISIONS`
    (NaN with fewer than 8 beats or 20 onsets between them)."""
    beats, onsets = np.asarray(beats, float), np.unique(np.asarray(onsets, float))
    if len(beats) < 8:
        return float("nan")
    k = np.searchsorted(beats, onsets) - 1
    inside = (k >= 0) & (k < len(beats) - 1)
    if inside.sum() < 20:
        return float("nan")
    k = k[inside]
    phase = (onsets[inside] - beats[k]) / (beats[k + 1] - beats[k])
    return float(max(abs(np.exp(2j * np.pi * d * phase).mean()) for d in DIVISIONS))


def unfit_excerpts(root: Path, sets, floor: float = FLOOR) -> dict[tuple[str, str], float]:
    """(set, excerpt id) -> coherence for every excerpt of *sets* whose beats do not fit its notes."""
    out = {}
    for s in sets:
        for e in json.loads((root / s / "manifest.json").read_text())["excerpts"]:
            beats = np.loadtxt(root / s / e["beats"], ndmin=1)
            onsets = np.loadtxt(root / s / e["onsets"], ndmin=1)
            c = beats_fit_notes(beats, onsets)
            if c < floor:
                out[(s, e["id"])] = c
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", type=Path, action="append", required=True, help="benchmark set (repeatable)")
    args = ap.parse_args()
    for d in args.set:
        bad = unfit_excerpts(d.parent, [d.name])
        n = len(json.loads((d / "manifest.json").read_text())["excerpts"])
        print(f"{d.name}: {len(bad)} of {n} excerpts have beats that do not fit their notes"
              + "".join(f"\n  {i} (coherence {c:.2f})" for (_, i), c in sorted(bad.items())))


if __name__ == "__main__":
    main()
