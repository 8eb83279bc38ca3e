"""The tempo map: steady segments that follow the tracked beats (a ramp becomes many segments)."""

from __future__ import annotations

import numpy as np

from ..model import Beat, TempoMap, TempoSegment

__all__ = ["tempo_map"]


def tempo_map(beats: tuple[Beat, ...] | list[Beat], tolerance: float = 0.03) -> TempoMap:
    """Segments of steady tempo and meter.

    Beat periods are first smoothed with a 3-beat median, so one late beat does not split a
    segment; a new segment starts where the smoothed period leaves the segment's median by more
    than *tolerance* (relative) or where the bar length changes.

    Parameters
    ----------
    beats : sequence of Beat
    tolerance : float
    """
    if len(beats) < 2:
        return TempoMap(())
    times = np.array([b.time for b in beats])
    periods = np.diff(times)
    if len(periods) >= 3:
        padded = np.concatenate([periods[:1], periods, periods[-1:]])
        periods = np.median(np.stack([padded[:-2], padded[1:-1], padded[2:]]), axis=0)
    meters = _bar_lengths(beats)
    segs: list[TempoSegment] = []
    start, run = 0, [periods[0]]
    for i in range(1, len(periods)):
        ref = float(np.median(run))
        if abs(periods[i] - ref) > tolerance * ref or meters[i] != meters[start]:
            segs.append(TempoSegment(float(times[start]), round(60.0 / ref, 3), meters[start]))
            start, run = i, [periods[i]]
        else:
            run.append(periods[i])
    segs.append(TempoSegment(float(times[start]), round(60.0 / float(np.median(run)), 3), meters[start]))
    return TempoMap(tuple(segs))


def _bar_lengths(beats) -> list[int]:
    """For each beat, the number of beats in its bar (a pickup bar counts as a full one)."""
    counts: dict[int, int] = {}
    for b in beats:
        counts[b.bar] = max(counts.get(b.bar, 0), b.beat)
    return [counts[b.bar] for b in beats]
