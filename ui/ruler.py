"""The frame ruler: an axis over seconds that counts in frames, timecode, feet or bars:beats.

Ticks always sit on frame starts computed by the time base (never on rounded seconds), so a
tick labelled 120 is exactly where frame 120 begins, at 23.976 as at 24.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from syncsheet import timebase as tb
from syncsheet.sheet import ExposureSheet

__all__ = ["MODES", "FrameAxis"]

#: Ruler modes, as shown in the View menu.
MODES = {"frames": "Frames", "timecode": "Timecode", "feet": "Feet + frames", "bars": "Bars : beats"}
_MIN_LABEL_PX = 64  # room for one label


class FrameAxis(pg.AxisItem):
    """Axis item labelling seconds as frames / timecode / feet / bars:beats."""

    def __init__(self, orientation: str = "top", **kwargs) -> None:
        super().__init__(orientation, **kwargs)
        self.mode = "frames"
        self.fps: tb.FrameRate = tb.parse_rate("24")
        self.sheet: ExposureSheet | None = None
        self._labels: dict[float, str] = {}
        self.enableAutoSIPrefix(False)

    def configure(self, fps: tb.FrameRate, sheet: ExposureSheet | None) -> None:
        self.fps, self.sheet = fps, sheet
        self.picture = None
        self.update()

    def set_mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"ruler mode {mode!r} is unknown; use one of {', '.join(MODES)}")
        self.mode = mode
        self.picture = None
        self.update()

    # -- ticks -------------------------------------------------------------------------
    def _frame_steps(self) -> list[int]:
        n = self.fps.nominal if self.fps.rate.denominator in (1, 1001) else max(1, round(self.fps.fps))
        if self.mode == "feet":
            per = tb.FRAMES_PER_FOOT[self.sheet.options.gauge if self.sheet else "35mm"]
            return [1, 2, 4, per // 2, per] + [per * k for k in (2, 5, 10, 20, 50, 100, 200, 500, 1000)]
        if self.mode == "timecode":
            subs = [1, 2, 5, 10] if n > 10 else [1, 2, 5]
            return subs + [n * s for s in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600)]
        half = max(1, n // 2)
        return sorted({1, 2, 4, 6 if n % 6 == 0 else 5, half, n, 2 * n, 4 * n, 5 * n, 10 * n, 20 * n, 30 * n,
                       60 * n, 120 * n, 300 * n, 600 * n, 1200 * n, 1800 * n, 3600 * n})

    def tickValues(self, minVal, maxVal, size):  # pyqtgraph API
        if size <= 0 or maxVal <= minVal:
            return []
        self._labels = {}
        if self.mode == "bars" and self.sheet is not None and self.sheet.analysis.beats:
            return self._beat_ticks(minVal, maxVal, size)
        px_per_frame = size / max((maxVal - minVal) * self.fps.fps, 1e-9)
        steps = self._frame_steps()
        major = next((s for s in steps if s * px_per_frame >= _MIN_LABEL_PX), steps[-1])
        minor = next((s for s in steps if s * px_per_frame >= 6 and major % s == 0 and s < major), None)
        f0 = max(0, tb.frame_of(max(minVal, 0.0), self.fps))
        f1 = tb.frame_of(max(maxVal, 0.0), self.fps) + 1
        majors = [f for f in range(-(-f0 // major) * major, f1 + 1, major)]
        out = [(major / self.fps.fps, [self._at(f, label=True) for f in majors])]
        if minor is not None and (f1 - f0) // minor < 4000:
            minors = [f for f in range(-(-f0 // minor) * minor, f1 + 1, minor) if f % major]
            out.append((minor / self.fps.fps, [self._at(f) for f in minors]))
        return out

    def _at(self, frame: int, label: bool = False) -> float:
        x = tb.frame_start(frame, self.fps)
        if label:
            self._labels[x] = self._frame_label(frame)
        return x

    def _frame_label(self, frame: int) -> str:
        sheet = self.sheet
        if self.mode == "timecode":
            try:
                return sheet.timecode(frame) if sheet else tb.to_timecode(frame, self.fps)
            except tb.TimecodeError:
                return ""
        if self.mode == "feet":
            return sheet.footage(frame) if sheet else tb.to_feet(frame)
        return str(sheet.number(frame) if sheet else frame + 1)

    def _beat_ticks(self, minVal, maxVal, size):
        beats = self.sheet.analysis.beats
        times = np.fromiter((b.time for b in beats), float, len(beats))
        i0 = max(0, int(np.searchsorted(times, minVal)) - 1)
        i1 = min(len(beats), int(np.searchsorted(times, maxVal)) + 1)
        visible = beats[i0:i1]
        bars = [b for b in visible if b.is_downbeat]
        px_per_s = size / (maxVal - minVal)
        bar_len = float(np.median(np.diff([b.time for b in bars]))) if len(bars) > 1 else 2.0
        every = 1
        while bar_len * every * px_per_s < _MIN_LABEL_PX and every < 10**6:
            every *= 2
        majors = [b for b in bars if (b.bar - 1) % every == 0]
        for b in majors:
            self._labels[b.time] = str(b.bar)
        out = [(bar_len * every, [b.time for b in majors])]
        beat_len = bar_len / max(1, max((b.beat for b in visible), default=1))
        if every == 1 and beat_len * px_per_s >= 6:
            minors = [b for b in visible if not b.is_downbeat]
            if beat_len * px_per_s >= _MIN_LABEL_PX * 0.6:
                for b in minors:
                    self._labels[b.time] = f"{b.bar}:{b.beat}"
                out[0] = (out[0][0], [b.time for b in majors] + [b.time for b in minors])
            else:
                out.append((beat_len, [b.time for b in minors]))
        return out

    def tickStrings(self, values, scale, spacing):  # pyqtgraph API
        return [self._labels.get(v, "") for v in values]

