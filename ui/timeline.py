"""The main timeline (waveform, frame ruler, markers, playhead) and the whole-file overview.

The waveform is drawn from :mod:`syncsheet.waveform`'s peak pyramid: on every view change the
level whose buckets are just finer than the pixels is sliced and drawn as one vertical stroke a
bucket (the way audio editors draw), so a two-hour reel costs the same as a jingle. Close in,
the few samples in view are decoded from the file and drawn as a line.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QPointF, Qt, pyqtSignal
from PyQt6.QtWidgets import QGraphicsItem, QVBoxLayout, QWidget

from syncsheet import timebase as tb
from syncsheet.errors import SyncsheetError
from syncsheet.model import Analysis
from syncsheet.sheet import ExposureSheet
from syncsheet.waveform import Peaks, read_span

from .markers import KINDS, WAVE, Y_RANGE, Marker, MarkerLayer, markers_of
from .ruler import FrameAxis
from .style import COLORS, color

__all__ = ["Timeline", "Overview", "snap_to_frame", "envelope_xy"]

pg.setConfigOptions(antialias=False, background=COLORS["background"], foreground="#c8ccd2")
_RAW_MAX_SAMPLES = 200_000  # decode at most this many samples for a close zoom


def snap_to_frame(seconds: float, fps: tb.FrameRate) -> float:
    """The start of the frame boundary nearest to *seconds* (markers snap to frame starts).

    Exact: the float is taken as the Fraction it is, so 23.976 snaps as truly as 24.
    """
    frame = math.floor(Fraction(max(0.0, float(seconds))) * fps.rate + Fraction(1, 2))
    return tb.frame_start(frame, fps)


def envelope_xy(times: np.ndarray, mins: np.ndarray, maxs: np.ndarray, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """x, y of one vertical stroke per bucket (for ``connect='pairs'``)."""
    x = np.repeat(times, 2)
    y = np.empty(2 * len(times), np.float64)
    y[0::2] = mins * scale
    y[1::2] = maxs * scale
    return x, y


class _ClickViewBox(pg.ViewBox):
    """Horizontal-only view box that hit-tests markers: click selects, drag moves (snapping to
    frames), double-click renames or adds, right-click opens a menu; elsewhere a drag pans."""

    def __init__(self, owner) -> None:
        super().__init__(enableMenu=False)
        self.owner = owner
        self.setMouseEnabled(x=True, y=False)
        self.setAcceptHoverEvents(True)
        self._dragging: Marker | None = None

    def _x(self, ev) -> float:
        return float(self.mapSceneToView(ev.scenePos()).x())

    def mouseClickEvent(self, ev):
        x = self._x(ev)
        marker = self.owner.marker_near(x)
        if ev.button() == Qt.MouseButton.LeftButton:
            ev.accept()
            self.owner.clicked(marker, x, ev.double())
        elif ev.button() == Qt.MouseButton.RightButton:
            ev.accept()
            self.owner.select(marker)
            if marker is not None:
                self.owner.markerSelected.emit(marker)
            self.owner.contextRequested.emit(marker, marker.time if marker else x, ev.screenPos().toPoint())

    def mouseDragEvent(self, ev, axis=None):
        if ev.button() != Qt.MouseButton.LeftButton:
            return super().mouseDragEvent(ev, axis)
        if ev.isStart():
            self._dragging = self.owner.marker_near(float(self.mapSceneToView(ev.buttonDownScenePos()).x()))
        if self._dragging is None:
            return super().mouseDragEvent(ev, axis)
        ev.accept()
        x = self._x(ev)
        if ev.isFinish():
            marker, self._dragging = self._dragging, None
            self.owner.finish_drag(marker, x)
        else:
            self.owner.drag_marker(self._dragging, x)

    def hoverEvent(self, ev):
        if ev.isExit():
            self.setCursor(Qt.CursorShape.ArrowCursor)
            return
        near = self.owner.marker_near(float(self.mapSceneToView(ev.scenePos()).x()))
        self.setCursor(Qt.CursorShape.SizeHorCursor if near is not None else Qt.CursorShape.ArrowCursor)
        self.setToolTip(self.owner.describe(near) if near is not None else "")


class Timeline(QWidget):
    """Waveform, frame ruler, colour-coded music markers and the playhead.

    Signals
    -------
    seekRequested(seconds), scrubRequested(seconds)
    markerMoved(Marker, new_seconds), markerSelected(object), markerActivated(Marker)
    addRequested(seconds), contextRequested(marker or None, seconds, QPoint)
    viewChanged(t0, t1)
    """

    seekRequested = pyqtSignal(float)
    scrubRequested = pyqtSignal(float)
    markerMoved = pyqtSignal(object, float)
    markerSelected = pyqtSignal(object)
    markerActivated = pyqtSignal(object)
    addRequested = pyqtSignal(float)
    contextRequested = pyqtSignal(object, float, object)
    viewChanged = pyqtSignal(float, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ruler = FrameAxis("top")
        self.vb = _ClickViewBox(self)
        self.plot_widget = pg.PlotWidget(viewBox=self.vb, axisItems={"top": self.ruler})
        self.plot = self.plot_widget.getPlotItem()
        self.plot.showAxis("top")
        self.plot.hideAxis("bottom")
        self.plot.hideAxis("left")
        self.plot.hideButtons()
        self.plot.setMenuEnabled(False)
        self.plot.layout.setContentsMargins(0, 0, 0, 4)
        self.ruler.setHeight(30)
        self.ruler.setStyle(tickTextOffset=4, tickLength=-8)
        self.vb.setYRange(*Y_RANGE, padding=0)
        for lo, hi in ((WAVE + 0.02, Y_RANGE[1]), (Y_RANGE[0], -WAVE - 0.02)):  # label and accent lanes
            lane = pg.LinearRegionItem((lo, hi), orientation="horizontal", movable=False,
                                       brush=color("panel", 255), pen=pg.mkPen(None))
            lane.setZValue(-10)
            self.plot.addItem(lane, ignoreBounds=True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot_widget)

        self.fps = tb.parse_rate("24")
        self.peaks: Peaks | None = None
        self.audio_path: str | None = None
        self.duration = 0.0
        self._scale = 1.0
        self._last_raw: tuple | None = None
        self.wave = pg.PlotCurveItem(pen=pg.mkPen(color("wave"), width=1, cosmetic=True), connect="pairs")
        self.wave.setZValue(1)
        self.plot.addItem(self.wave, ignoreBounds=True)
        # RMS inside the peaks, lighter (as audio editors do): loudness reads at a glance
        self.wave_rms = pg.PlotCurveItem(pen=pg.mkPen(color("wave_rms"), width=1, cosmetic=True), connect="pairs")
        self.wave_rms.setZValue(2)
        self.plot.addItem(self.wave_rms, ignoreBounds=True)
        self.zero = pg.InfiniteLine(0, angle=0, pen=pg.mkPen(color("wave", 70), width=1))
        self.plot.addItem(self.zero, ignoreBounds=True)
        self.layer = MarkerLayer()
        self.plot.addItem(self.layer, ignoreBounds=True)
        self.selected: Marker | None = None
        self.playhead = pg.InfiniteLine(0, angle=90, movable=True,
                                        pen=pg.mkPen(color("playhead"), width=2, cosmetic=True),
                                        hoverPen=pg.mkPen(color("selected"), width=3, cosmetic=True))
        self.playhead.addMarker("v", 1.0, 14)
        self.playhead.setZValue(100)
        self.plot.addItem(self.playhead, ignoreBounds=True)
        self.playhead.sigPositionChanged.connect(self._playhead_dragged)
        self.playhead.sigPositionChangeFinished.connect(self._playhead_released)
        self.vb.sigXRangeChanged.connect(self._range_changed)
        self.vb.sigResized.connect(self._range_changed)

    # -- data --------------------------------------------------------------------------
    def set_audio(self, peaks: Peaks | None, path: str | None, duration: float) -> None:
        self.peaks, self.audio_path = peaks, path
        self.duration = max(float(duration), peaks.duration if peaks else 0.0, 1e-3)
        top = max((float(max(-lvl.mins.min(), lvl.maxs.max())) for lvl in peaks.levels[-1:]), default=0.0) \
            if peaks else 0.0
        self._scale = WAVE / top if top > 1e-6 else 1.0  # normalised display: quiet files still read
        self._last_raw = None
        self.vb.setLimits(xMin=0.0, xMax=self.duration, minXRange=4.0 / self.fps.fps, yMin=Y_RANGE[0], yMax=Y_RANGE[1])
        self.playhead.setBounds((0.0, self.duration))
        self._redraw_wave()

    def set_analysis(self, analysis: Analysis | None, sheet: ExposureSheet | None, fps: tb.FrameRate,
                     groups: dict[str, list[Marker]] | None = None) -> None:
        """Show the (edited) analysis' events (*groups*: its markers, if already made) and number the
        ruler for *fps*."""
        self.fps = fps
        self.ruler.configure(fps, sheet)
        self.vb.setLimits(minXRange=4.0 / fps.fps)
        self.layer.fps = fps
        self.layer.set_events(groups if groups is not None else markers_of(analysis), self.duration)

    def markers(self, kind: str | None = None) -> list[Marker]:
        """Every marker of a kind (or all kinds)."""
        kinds = [kind] if kind else list(KINDS)
        return [m for k in kinds for m in self.layer.events[k]]

    # -- view --------------------------------------------------------------------------
    def view_range(self) -> tuple[float, float]:
        (x0, x1), _ = self.vb.viewRange()
        return float(x0), float(x1)

    def set_view(self, t0: float, t1: float) -> None:
        self.vb.setXRange(t0, t1, padding=0)

    def zoom(self, factor: float, center: float | None = None) -> None:
        t0, t1 = self.view_range()
        c = self.playhead.value() if center is None else center
        width = max((t1 - t0) * factor, 4.0 / self.fps.fps)
        left = c - (c - t0) * (width / (t1 - t0))
        self.set_view(left, left + width)

    def _range_changed(self, *_args) -> None:
        # apply the new transform now: left to the paint, it changes items mid-paint and Qt paints twice
        self.vb.updateMatrix()
        self._redraw_wave()
        t0, t1 = self.view_range()
        self.viewChanged.emit(t0, t1)

    def _redraw_wave(self) -> None:
        t0, t1 = self.view_range()
        px = max(1, int(self.vb.width()))
        if self.peaks is None:
            self.wave.setData([], [])
            self.wave_rms.setData([], [])
            return
        env = self.peaks.view(t0, t1, px)
        if env is not None:
            self._last_raw = None
            self.wave.setData(*envelope_xy(env.times, env.mins, env.maxs, self._scale), connect="pairs")
            self.wave_rms.setData(*envelope_xy(env.times, -env.rms, env.rms, self._scale), connect="pairs")
            self.wave_rms.setVisible(True)
            return
        self.wave_rms.setVisible(False)
        sr = self.peaks.sample_rate
        a, b = max(0, int(t0 * sr) - 1), min(self.peaks.samples, int(t1 * sr) + 2)
        if b - a > _RAW_MAX_SAMPLES or not self.audio_path:
            return
        key = (a, b)
        if self._last_raw != key:
            try:
                y = read_span(self.audio_path, a, b, without=self.peaks.without)
            except SyncsheetError:
                return
            self._last_raw = key
            self.wave.setData(np.arange(a, a + len(y)) / sr, y * self._scale, connect="all")

    # -- playhead ----------------------------------------------------------------------
    def set_playhead(self, seconds: float, follow: bool = False) -> None:
        """Move the playhead (not while the user drags it); *follow* pages the view along."""
        if self.playhead.moving:
            return
        self.playhead.blockSignals(True)
        self.playhead.setValue(seconds)
        self.playhead.blockSignals(False)
        if follow:
            t0, t1 = self.view_range()
            if not t0 <= seconds <= t1 - 0.02 * (t1 - t0):
                width = t1 - t0
                self.set_view(seconds - 0.1 * width, seconds + 0.9 * width)

    def playhead_time(self) -> float:
        return float(self.playhead.value())

    def clicked(self, marker: Marker | None, x: float, double: bool) -> None:
        """A left click: on a marker selects it (double: activates it), elsewhere moves the playhead
        (double: asks to add a cue there)."""
        self.select(marker)
        self.markerSelected.emit(marker)
        if marker is not None:
            if double:
                self.markerActivated.emit(marker)
        elif double:
            self.addRequested.emit(snap_to_frame(x, self.fps))
        else:
            self.seekRequested.emit(snap_to_frame(x, self.fps))

    def _playhead_dragged(self, line) -> None:
        if not line.moving:
            return
        snapped = snap_to_frame(line.value(), self.fps)
        if abs(snapped - line.value()) > 1e-9:
            line.setValue(snapped)
            return
        self.scrubRequested.emit(snapped)

    def _playhead_released(self, line) -> None:
        self.seekRequested.emit(snap_to_frame(line.value(), self.fps))

    # -- markers ----------------------------------------------------------------------
    def select(self, marker: Marker | None) -> None:
        self.selected = marker
        self.layer.selected = marker
        self.layer.update()

    def drag_marker(self, marker: Marker, x: float) -> None:
        """Show *marker* being dragged to *x*, snapped to a frame start."""
        self.layer.drag = (marker, snap_to_frame(x, self.fps))
        self.layer.update()

    def finish_drag(self, marker: Marker, x: float) -> None:
        self.layer.drag = None
        self.layer.update()
        new = snap_to_frame(x, self.fps)
        if abs(new - marker.time) > 1e-9:
            self.markerMoved.emit(marker, new)

    def describe(self, marker: Marker) -> str:
        """A tooltip for a marker: what it is, where it is marked, what the mouse does with it."""
        sheet = self.ruler.sheet
        what = {"downbeat": f"Bar {marker.text} (downbeat)", "beat": f"Beat {marker.text}", "onset": "Accent",
                "stop": "Music stop", "restart": "Music restarts"}.get(marker.kind, f"Cue: {marker.text}")
        if marker.kind == "restart" and marker.text == "START":
            what = "Sound starts (after the leading silence)"
        where = f"frame {sheet.number(min(sheet.frame_of(marker.time), sheet.frames - 1))}" if sheet else ""
        hint = "drag to move · double-click to rename · right-click for more" if marker.layer == "cue" \
            else "drag to move · right-click for more"
        return f"{what} — {where}\n{hint}" if where else f"{what}\n{hint}"

    def marker_near(self, seconds: float, pixels: float = 5.0) -> Marker | None:
        """The marker drawn nearest *seconds*, within a few pixels (cues and bars win ties)."""
        t0, t1 = self.view_range()
        tol = pixels * (t1 - t0) / max(1.0, self.vb.width())
        best, best_d = None, tol
        for kind in reversed(KINDS):  # the ones drawn on top first
            for m in self.layer.visible(kind, seconds - tol, seconds + tol):
                if abs(m.time - seconds) < best_d:
                    best, best_d = m, abs(m.time - seconds)
        return best


class Overview(QWidget):
    """The whole file at a glance: waveform, bar lines, cues, the playhead and the main view's span.

    Signals
    -------
    seekRequested(seconds), viewRequested(t0, t1)
    """

    seekRequested = pyqtSignal(float)
    viewRequested = pyqtSignal(float, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vb = pg.ViewBox(enableMenu=False)
        self.vb.setMouseEnabled(x=False, y=False)
        self.plot_widget = pg.PlotWidget(viewBox=self.vb)
        plot = self.plot_widget.getPlotItem()
        for ax in ("left", "bottom"):
            plot.hideAxis(ax)
        plot.hideButtons()
        plot.layout.setContentsMargins(0, 0, 0, 0)
        self.plot_widget.setFixedHeight(64)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot_widget)
        self.wave = pg.PlotCurveItem(pen=pg.mkPen(color("wave_overview"), width=1), connect="pairs")
        self.wave_rms = pg.PlotCurveItem(pen=pg.mkPen(color("wave_rms_overview"), width=1), connect="pairs")
        self.bars = pg.PlotCurveItem(pen=pg.mkPen(color("downbeat", 90), width=1), connect="pairs")
        self.cues = pg.PlotCurveItem(pen=pg.mkPen(color("cue"), width=2), connect="pairs")
        self.region = pg.LinearRegionItem((0, 1), brush=color("region", 40), pen=pg.mkPen(color("region", 160)))
        self.region.setZValue(20)
        self.head = pg.InfiniteLine(0, angle=90, pen=pg.mkPen(color("playhead"), width=1))
        self.head.setZValue(30)
        for item in (self.wave, self.wave_rms, self.bars, self.cues, self.region, self.head):
            plot.addItem(item, ignoreBounds=True)
        # static: paint once, then blit (a pan only moves the region)
        for item in (self.wave, self.wave_rms, self.bars, self.cues):
            item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.vb.setYRange(-1, 1, padding=0.05)
        self.duration = 1.0
        self._syncing = False
        self.region.sigRegionChanged.connect(self._region_moved)
        self.plot_widget.scene().sigMouseClicked.connect(self._clicked)

    def set_audio(self, peaks: Peaks | None, duration: float) -> None:
        self.duration = max(float(duration), 1e-3)
        self.vb.setXRange(0, self.duration, padding=0)
        self.vb.setLimits(xMin=0, xMax=self.duration)
        self.region.setBounds((0, self.duration))
        if peaks is None:
            self.wave.setData([], [])
            self.wave_rms.setData([], [])
            return
        lvl = peaks.levels[-1]
        top = float(max(-lvl.mins.min(), lvl.maxs.max())) or 1.0
        times = np.arange(len(lvl)) * (lvl.size / peaks.sample_rate)
        self.wave.setData(*envelope_xy(times, lvl.mins, lvl.maxs, 0.95 / top), connect="pairs")
        self.wave_rms.setData(*envelope_xy(times, -lvl.rms, lvl.rms, 0.95 / top), connect="pairs")

    def set_analysis(self, analysis: Analysis | None, groups: dict[str, list[Marker]] | None = None) -> None:
        groups = groups if groups is not None else markers_of(analysis)
        downs = [m.time for m in groups["downbeat"]]
        keep = max(1, -(-len(downs) * 4 // 1000))  # at most a bar line every 4 pixels or so
        bars = np.repeat(downs[::keep], 2)
        self.bars.setData(bars, np.tile([-1.0, 1.0], len(bars) // 2), connect="pairs")
        cues = np.repeat([m.time for k in ("cue", "stop") for m in groups[k]], 2)
        self.cues.setData(cues, np.tile([-1.0, 1.0], len(cues) // 2), connect="pairs")

    def set_view(self, t0: float, t1: float) -> None:
        self._syncing = True
        self.region.setRegion((t0, t1))
        self._syncing = False

    def set_playhead(self, seconds: float) -> None:
        self.head.setValue(seconds)

    def _region_moved(self) -> None:
        if not self._syncing:
            t0, t1 = self.region.getRegion()
            self.viewRequested.emit(float(t0), float(t1))

    def _clicked(self, ev) -> None:
        if ev.button() != Qt.MouseButton.LeftButton or ev.isAccepted():
            return
        x = self.vb.mapSceneToView(QPointF(ev.scenePos())).x()
        self.seekRequested.emit(float(min(max(x, 0.0), self.duration)))
