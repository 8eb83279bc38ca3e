"""Music markers on the timeline: beats, downbeats, accents (onsets), cues and stops.

Each kind has its colour, weight, lane and label. A two-hour reel has tens of thousands of
events; one graphics item per event (pyqtgraph's ``InfiniteLine``) costs milliseconds per
hundred on every pan. So all markers are one item, :class:`MarkerLayer`, that finds the events
in view with a binary search and paints them in a few batched calls in device pixels. Dragging,
clicking and hovering are hit-tested by the timeline against the same sorted times.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QLineF, QPointF, QRectF, Qt
from PyQt6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen

from syncsheet import timebase as tb
from syncsheet.model import Analysis

from .style import color

__all__ = ["Marker", "STYLES", "KINDS", "MarkerLayer", "markers_of", "Y_RANGE", "WAVE"]

#: The timeline's vertical layout (view coordinates): the waveform in +-WAVE, a label lane above
#: it and an accent lane below it. Style spans are fractions of this range.
Y_RANGE = (-1.17, 1.17)
WAVE = 0.98


class Marker(NamedTuple):
    """One event as the UI shows it. *layer* is the project's edit layer (beat/onset/cue).

    A named tuple, not a dataclass: a two-hour reel makes tens of thousands of them per edit."""

    layer: str
    kind: str
    time: float
    text: str = ""
    end: float | None = None


@dataclass(frozen=True)
class Style:
    width: float
    dash: bool
    span: tuple[float, float]
    label_row: int | None  # 0: top row of the label lane, 1: the row under it
    bold: bool = False
    point_size: float = 8.5
    tick: str | None = None  # "up" (triangle at the bottom) or "down" (at the top)


#: Kinds in drawing order (later ones on top).
STYLES = {
    "onset": Style(1.5, False, (0.0, 0.075), None, tick="up"),
    "beat": Style(1.0, True, (0.075, 0.93), 0),
    "downbeat": Style(2.5, False, (0.0, 1.0), 0, bold=True, point_size=10.5),
    "restart": Style(2.0, False, (0.0, 0.93), 1, bold=True),
    "stop": Style(2.5, False, (0.0, 0.93), 1, bold=True),
    "cue": Style(2.5, False, (0.0, 0.93), 1, bold=True, point_size=9.0, tick="down"),
}
KINDS = tuple(STYLES)
_LABEL_GAP_PX = 4  # labels closer than this to the previous one on their row are skipped
_FRAME_BAND_PX = 14  # shade alternate frames once a frame is at least this wide


def markers_of(analysis: Analysis | None) -> dict[str, list[Marker]]:
    """Every event of an (edited) analysis as markers, grouped by kind, sorted by time."""
    out: dict[str, list[Marker]] = {k: [] for k in STYLES}
    if analysis is None:
        return out
    for b in analysis.beats:
        if b.is_downbeat:
            out["downbeat"].append(Marker("beat", "downbeat", b.time, str(b.bar)))
        else:
            out["beat"].append(Marker("beat", "beat", b.time, str(b.beat)))
    for o in analysis.onsets:
        out["onset"].append(Marker("onset", "onset", o.time))
    for c in analysis.cues:
        kind = c.kind if c.kind in ("stop", "restart") else "cue"
        out[kind].append(Marker("cue", kind, c.time, c.text, c.end))
    return out  # already in time order: an Analysis keeps its events sorted


def kind_color(kind: str) -> QColor:
    return color(kind if kind in ("downbeat", "beat", "onset", "stop", "restart") else "cue")


def _strokes(xs: np.ndarray, y0: float, y1: float):
    """One vertical stroke per x, as a single path built from arrays (no Python loop)."""
    x = np.repeat(np.asarray(xs, float), 2)
    y = np.tile([y0, y1], len(xs))
    return pg.arrayToQPath(x, y, connect="pairs")


def _pen(kind: str, selected: bool = False) -> QPen:
    st = STYLES[kind]
    pen = QPen(color("selected") if selected else kind_color(kind), st.width + (1.5 if selected else 0))
    pen.setCosmetic(True)
    pen.setCapStyle(Qt.PenCapStyle.FlatCap)
    if st.dash and not selected:
        pen.setDashPattern([4, 3])
    return pen


class MarkerLayer(pg.GraphicsObject):
    """Every marker of the timeline, drawn by one item.

    Attributes
    ----------
    events : dict kind -> list of Marker
    times : dict kind -> numpy array of the events' times (sorted)
    selected : Marker or None
    drag : tuple (Marker, seconds) or None
        A marker being dragged and where it is now (drawn there, highlighted).
    """

    def __init__(self) -> None:
        super().__init__()
        self.events: dict[str, list[Marker]] = {k: [] for k in STYLES}
        self.times: dict[str, np.ndarray] = {k: np.zeros(0) for k in STYLES}
        self.selected: Marker | None = None
        self.drag: tuple[Marker, float] | None = None
        self.duration = 1.0
        self.fps: tb.FrameRate | None = None
        self.labels = True
        self._fonts = {}
        for kind, st in STYLES.items():
            f = QFont()
            f.setPointSizeF(st.point_size)
            f.setBold(st.bold)
            self._fonts[kind] = f
        self._stop_brush = color("stop", 45)
        self.setZValue(10)

    def set_events(self, groups: dict[str, list[Marker]], duration: float) -> None:
        self.prepareGeometryChange()
        self.events = {k: list(groups.get(k, [])) for k in STYLES}
        self.times = {k: np.fromiter((m.time for m in v), float, len(v)) for k, v in self.events.items()}
        self.duration = max(duration, max((float(t[-1]) for t in self.times.values() if t.size), default=0.0), 1e-3)
        self.update()

    def visible(self, kind: str, t0: float, t1: float) -> list[Marker]:
        """Events of a kind inside ``[t0, t1]`` (binary search: cheap at any reel length)."""
        times = self.times[kind]
        i0 = int(np.searchsorted(times, t0, side="left"))
        i1 = int(np.searchsorted(times, t1, side="right"))
        return self.events[kind][i0:i1]

    def boundingRect(self) -> QRectF:
        return QRectF(0.0, Y_RANGE[0], self.duration, Y_RANGE[1] - Y_RANGE[0])

    @staticmethod
    def same(a: Marker | None, b: Marker | None) -> bool:
        return a is not None and b is not None and a.layer == b.layer and a.kind == b.kind \
            and abs(a.time - b.time) < 1e-9

    def paint(self, painter: QPainter, *_args) -> None:
        vb = self.getViewBox()
        if vb is None:
            return
        (t0, t1), _ = vb.viewRange()
        tr = painter.transform()  # item (seconds) -> device pixels
        y_top = tr.map(QPointF(0.0, Y_RANGE[1])).y()
        y_bot = tr.map(QPointF(0.0, Y_RANGE[0])).y()
        height = y_bot - y_top
        sx, dx = tr.m11(), tr.dx()  # x pixel = sx * seconds + dx (no rotation in a ViewBox)
        painter.save()
        painter.resetTransform()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        drag_marker = self.drag[0] if self.drag else None
        self._frame_bands(painter, t0, t1, sx, dx, y_top, height)
        for m in self.visible("stop", t0 - 600.0, t1):  # stops last a while: shade from the stop to its end
            if m.end is not None and m.end >= t0:
                painter.fillRect(QRectF(sx * m.time + dx, y_top, sx * (m.end - m.time), height), self._stop_brush)
        label_rows: list[list[tuple[float, float, str, QColor, QFont]]] = [[], []]
        width_px = max(1.0, (t1 - t0) * abs(sx))
        for kind, st in STYLES.items():
            times = self.times[kind]
            i0 = int(np.searchsorted(times, t0, side="left"))
            i1 = int(np.searchsorted(times, t1, side="right"))
            if i1 <= i0:
                continue
            lo = y_bot - height * st.span[0]
            hi = y_bot - height * st.span[1]
            xs = sx * times[i0:i1] + dx
            painter.setPen(_pen(kind))
            if (i1 - i0) * 3 > width_px:
                # denser than a line every 3 pixels: full-height lines would flood the waveform, so
                # the kind becomes a short comb in its lane (one stroke per pixel column, no labels)
                a, b = (lo - 7, lo) if st.span[0] == 0.0 and st.span[1] < 0.5 else (hi, hi + 7)
                if kind == "downbeat":
                    a, b = y_top, y_top + 10
                painter.drawPath(_strokes(np.unique(xs.astype(np.int64)).astype(float), a, b))
                continue
            vis = self.events[kind][i0:i1]
            skip = [j for j, m in enumerate(vis) if self.same(m, drag_marker) or self.same(m, self.selected)]
            painter.drawPath(_strokes(np.delete(xs, skip) if skip else xs, lo, hi))
            for j in skip:
                if self.same(vis[j], self.selected) and not self.same(vis[j], drag_marker):
                    painter.setPen(_pen(kind, selected=True))
                    painter.drawLine(QLineF(xs[j], lo, xs[j], hi))
            if st.tick and (i1 - i0) * 10 < width_px:  # ticks only where there is room
                self._ticks(painter, kind, xs, lo if st.tick == "up" else hi, st.tick == "up")
            if self.labels and st.label_row is not None:
                col = kind_color(kind)
                for m, x in zip(vis, xs.tolist(), strict=True):
                    if m.text and not self.same(m, drag_marker):
                        label_rows[st.label_row].append((x, 0.0, m.text, col, self._fonts[kind]))
        if self.drag is not None:
            m, t = self.drag
            x = sx * t + dx
            painter.setPen(_pen(m.kind, selected=True))
            st = STYLES[m.kind]
            painter.drawLine(QLineF(x, y_bot - height * st.span[0], x, y_bot - height * st.span[1]))
            if m.text and st.label_row is not None:
                label_rows[st.label_row].append((x, 0.0, m.text, color("selected"), self._fonts[m.kind]))
        self._labels(painter, label_rows, y_top)
        painter.restore()

    def _frame_bands(self, painter: QPainter, t0: float, t1: float, sx: float, dx: float, y: float,
                     height: float) -> None:
        """Close in, every other film frame is faintly shaded, so frame boundaries can be seen."""
        if self.fps is None or abs(sx) / self.fps.fps < _FRAME_BAND_PX:
            return
        f0 = tb.frame_of(max(t0, 0.0), self.fps)
        f1 = tb.frame_of(max(t1, 0.0), self.fps) + 1
        band = QColor(255, 255, 255, 11)
        for f in range(f0 - f0 % 2, f1 + 1, 2):
            a, b = tb.frame_start(f, self.fps), tb.frame_start(f + 1, self.fps)
            painter.fillRect(QRectF(sx * a + dx, y, sx * (b - a), height), band)

    def _ticks(self, painter: QPainter, kind: str, xs, y: float, up: bool) -> None:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(kind_color(kind))
        size = 5.0
        for x in xs:
            if up:
                pts = [QPointF(x - size, y), QPointF(x + size, y), QPointF(x, y - 1.6 * size)]
            else:
                pts = [QPointF(x - size, y), QPointF(x + size, y), QPointF(x, y + 1.6 * size)]
            painter.drawPolygon(pts)

    def _labels(self, painter: QPainter, rows, y_top: float) -> None:
        """Labels right of their line, in two rows of the label lane; crowded ones are skipped."""
        y = y_top + 2
        for row in rows:
            row.sort(key=lambda r: r[0])
            right = -1e9
            for x, _w, text, col, font in row:
                fm = QFontMetrics(font)
                if x + 3 < right + _LABEL_GAP_PX:
                    continue
                painter.setFont(font)
                painter.setPen(col)
                painter.drawText(QPointF(x + 3, y + fm.ascent()), text)
                right = x + 3 + fm.horizontalAdvance(text)
            y += QFontMetrics(max((r[4] for r in row), key=lambda f: f.pointSizeF(), default=QFont())).height() + 1
