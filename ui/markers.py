"""Music markers on the timeline: beats, downbeats, accents (onsets), cues and stops.

Each kind has its colour, weight, lane and label. A two-hour reel has tens of thousands of
events, far too many graphics items, so each kind keeps a small pool of draggable
``InfiniteLine`` items that are re-pointed at the events in view; when more events are in view
than the pool holds, the kind is drawn as one batched line item instead (zoom in to edit).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import Qt

from syncsheet.model import Analysis

from .style import color

__all__ = ["Marker", "STYLES", "MarkerPool", "markers_of"]


@dataclass(frozen=True)
class Marker:
    """One event as the UI shows it. *layer* is the project's edit layer (beat/onset/cue)."""

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
    label_pos: float
    bold: bool = False
    marker: tuple[str, float, float] | None = None


#: Kinds in drawing order (later ones on top).
STYLES = {
    "onset": Style(1.5, False, (0.0, 0.075), 0.0, marker=("^", 0.0, 9.0)),
    "beat": Style(1.0, True, (0.075, 1.0), 0.995),
    "downbeat": Style(2.5, False, (0.0, 1.0), 0.995, bold=True),
    "restart": Style(2.0, False, (0.0, 1.0), 0.962),
    "stop": Style(2.5, False, (0.0, 1.0), 0.962, bold=True),
    "cue": Style(2.5, False, (0.0, 1.0), 0.962, bold=True, marker=("v", 1.0, 11.0)),
}
#: The timeline's vertical layout (view coordinates): waveform in +-WAVE, label lane above it,
#: accent lane below it. The spans above are fractions of this range.
Y_RANGE = (-1.17, 1.17)
WAVE = 0.98


def kind_color(kind: str):
    return color(kind if kind in ("downbeat", "beat", "onset", "stop", "restart") else "cue")


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
    return out


def _pen(kind: str, selected: bool = False, hover: bool = False):
    st = STYLES[kind]
    col = color("selected") if selected else kind_color(kind)
    if hover:
        col = col.lighter(150)
    style = Qt.PenStyle.DashLine if st.dash and not selected else Qt.PenStyle.SolidLine
    return pg.mkPen(col, width=st.width + (1.5 if selected else 0), style=style, cosmetic=True)


class MarkerPool:
    """Draws one kind of marker in a plot, reusing a bounded set of line items.

    Parameters
    ----------
    plot : pyqtgraph PlotItem
    kind : str
        A key of :data:`STYLES`.
    on_event : callable(name, marker, line, ev)
        Called with ``"moved"`` (line released), ``"dragging"``, ``"clicked"`` (mouse event).
    cap : int
        Most interactive lines at once; more events in view are drawn batched.
    """

    def __init__(self, plot, kind: str, on_event: Callable, cap: int = 300) -> None:
        self.plot, self.kind, self.on_event, self.cap = plot, kind, on_event, cap
        self.style = STYLES[kind]
        self.lines: list[pg.InfiniteLine] = []
        self.events: list[Marker] = []
        self.times = np.zeros(0)
        self.selected: Marker | None = None
        self.batch = pg.PlotCurveItem(pen=_pen(kind), connect="pairs")
        self.batch.setZValue(5)
        self.batch.setVisible(False)
        plot.addItem(self.batch, ignoreBounds=True)
        self.shown: list[Marker] = []

    def set_events(self, events: Sequence[Marker]) -> None:
        self.events = list(events)
        self.times = np.fromiter((m.time for m in self.events), float, len(self.events))

    def _new_line(self) -> pg.InfiniteLine:
        st = self.style
        line = pg.InfiniteLine(angle=90, movable=True, pen=_pen(self.kind), hoverPen=_pen(self.kind, hover=True),
                               span=st.span)
        if st.marker:
            line.addMarker(*st.marker)
        line.label = None
        if self.kind != "onset":
            # text hangs right of the line, under its top: it stays on screen and never hides the line
            line.label = pg.InfLineLabel(line, text="", position=st.label_pos, color=kind_color(self.kind),
                                         anchors=[(0, 0), (0, 0)])
            font = line.label.textItem.font()
            font.setBold(st.bold)
            font.setPointSizeF(10.5 if self.kind == "downbeat" else 9.0 if st.bold else 8.0)
            line.label.setFont(font)
        line.setZValue(10 if self.kind in ("cue", "stop", "downbeat") else 8)
        line.marker = None
        line.sigPositionChangeFinished.connect(lambda ln: self.on_event("moved", ln.marker, ln, None))
        line.sigPositionChanged.connect(lambda ln: ln.moving and self.on_event("dragging", ln.marker, ln, None))
        line.sigClicked.connect(lambda ln, ev: self.on_event("clicked", ln.marker, ln, ev))
        self.plot.addItem(line, ignoreBounds=True)
        self.lines.append(line)
        return line

    def visible_events(self, t0: float, t1: float) -> list[Marker]:
        i0 = int(np.searchsorted(self.times, t0, side="left"))
        i1 = int(np.searchsorted(self.times, t1, side="right"))
        return self.events[i0:i1]

    def update_view(self, t0: float, t1: float, y0: float, y1: float, labels: bool = True) -> None:
        """Show the events inside ``[t0, t1]`` (y0/y1: the view's vertical range for batches)."""
        vis = self.visible_events(t0, t1)
        if len(vis) > self.cap:
            for ln in self.lines:
                if ln.isVisible():
                    ln.setVisible(False)
                ln.marker = None
            lo, hi = (y0 + (y1 - y0) * s for s in self.style.span)
            x = np.repeat(self.times[np.searchsorted(self.times, t0): np.searchsorted(self.times, t1, "right")], 2)
            y = np.tile([lo, hi], len(x) // 2)
            self.batch.setData(x, y, connect="pairs")
            self.batch.setVisible(True)
            self.shown = []
            return
        self.batch.setVisible(False)
        while len(self.lines) < len(vis):
            self._new_line()
        for ln, m in zip(self.lines, vis, strict=False):
            if ln.moving:
                continue  # never yank a line out from under the mouse
            if ln.marker != m:
                sel = self.selected is not None and self._same(m, self.selected)
                was_sel = getattr(ln, "is_selected", False)
                ln.marker = m
                ln.blockSignals(True)
                ln.setValue(m.time)
                ln.blockSignals(False)
                if sel != was_sel:
                    self._paint_selected(ln, sel)
                if ln.label is not None:
                    ln.label.setFormat(m.text if labels else "")
                    ln.label.updatePosition()
            if not ln.isVisible():
                ln.setVisible(True)
        for ln in self.lines[len(vis):]:
            if ln.isVisible():
                ln.setVisible(False)
            ln.marker = None
        self.shown = vis

    def _paint_selected(self, ln: pg.InfiniteLine, sel: bool) -> None:
        ln.is_selected = sel
        ln.setPen(_pen(self.kind, selected=sel))
        if ln.label is not None:
            ln.label.setColor(color("selected") if sel else kind_color(self.kind))

    @staticmethod
    def _same(a: Marker, b: Marker) -> bool:
        return a.layer == b.layer and a.kind == b.kind and abs(a.time - b.time) < 1e-9

    def select(self, marker: Marker | None) -> None:
        self.selected = marker
        for ln in self.lines:
            sel = ln.marker is not None and marker is not None and self._same(ln.marker, marker)
            if sel != getattr(ln, "is_selected", False):
                self._paint_selected(ln, sel)

    def line_for(self, marker: Marker) -> pg.InfiniteLine | None:
        return next((ln for ln in self.lines if ln.marker is not None and self._same(ln.marker, marker)), None)
