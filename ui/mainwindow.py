"""The main window: layout, actions and menus, views kept in step, the playhead and playback.

Files, background jobs and marker editing live in :mod:`.files`, :mod:`.tasks` and
:mod:`.editing` (mixins of :class:`MainWindow`).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from pathlib import Path

from PyQt6.QtCore import Qt, QTimer
from PyQt6.QtGui import QAction, QActionGroup, QKeySequence
from PyQt6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from syncsheet import audio, exporters
from syncsheet import timebase as tb
from syncsheet.analysis import AnalysisSettings, analyze
from syncsheet.errors import SyncsheetError
from syncsheet.wording import counted

from .dialogs import Dialogs
from .document import Document
from .editing import EditingMixin
from .files import FilesMixin, app_settings
from .jobs import Job, JobRunner
from .markers import Marker, markers_of
from .panels import Legend, Readout, clock_text, heading
from .params import ParamsPanel
from .ruler import MODES
from .sheetview import SheetView
from .tasks import TasksMixin
from .timeline import Overview, Timeline
from .transport import Transport

__all__ = ["MainWindow", "app_settings"]



class MainWindow(FilesMixin, TasksMixin, EditingMixin, QMainWindow):
    """The syncsheet timeline app.

    Parameters
    ----------
    transport : Transport, optional
        Playback; tests pass one with a fake clock and no audio device.
    analyze_fn : callable(path, settings, progress=) -> Analysis, optional
        The analysis (default :func:`syncsheet.analysis.analyze`).
    autosave_ms : int
        Autosave interval (0 turns autosave off).
    ask_on_close : bool
        Ask to save unsaved changes when the window closes.
    remember_layout : bool
        Restore the window's size, panels and ruler from last time, and keep them on close.
    """

    def __init__(self, *, transport: Transport | None = None, analyze_fn: Callable | None = None,
                 autosave_ms: int = 60_000, ask_on_close: bool = True, remember_layout: bool = False) -> None:
        super().__init__()
        self.setWindowTitle("syncsheet")
        self.setAcceptDrops(True)
        self.doc = Document(self)
        self.dialogs = Dialogs(self)
        self.runner = JobRunner(self)
        self.transport = transport or Transport(self)
        self.transport.setParent(self)
        self.analyze_fn = analyze_fn or analyze
        self.ask_on_close = ask_on_close
        self.audio_info: audio.AudioInfo | None = None
        self.current_frame = 0
        self.selected: Marker | None = None
        self._analysis_job: Job | None = None
        self._pending_settings: AnalysisSettings | None = None
        self._queue: list[Job] = []
        self._active: Job | None = None
        self.last_error = ""
        self._build_widgets()
        self._build_actions()
        self._build_menus()
        self._connect()
        self.autosave_timer = QTimer(self)
        self._autosaving = None
        self.autosave_timer.timeout.connect(self._autosave_tick)
        if autosave_ms > 0:
            self.autosave_timer.start(autosave_ms)
        self.remember_layout = remember_layout
        if remember_layout:
            self._restore_layout()
        self._refresh_recent()
        self._update_title()
        self._refresh()

    # ------------------------------------------------------------------ building
    def _build_widgets(self) -> None:
        self.overview = Overview()
        self.timeline = Timeline()
        self.sheet_view = SheetView()
        self.params = ParamsPanel()
        for w in (self.overview.plot_widget, self.timeline.plot_widget, self.sheet_view):
            w.setAcceptDrops(False)  # drops go to the window, which opens the file

        readout = Readout()
        self.readouts = readout.values
        self.play_button = readout.play_button

        left = QWidget()
        col = QVBoxLayout(left)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(0)
        col.addWidget(readout)
        col.addWidget(self.overview)
        col.addWidget(self.timeline, 1)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.sheet_view)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 0)
        splitter.setSizes([1000, 500])
        self.splitter = splitter
        self.setCentralWidget(splitter)

        dock_body = QWidget()
        dcol = QVBoxLayout(dock_body)
        dcol.addWidget(heading("Analysis"))
        dcol.addWidget(self.params)
        dcol.addSpacing(8)
        dcol.addWidget(heading("Markers"))
        dcol.addWidget(Legend())
        dcol.addSpacing(8)
        dcol.addWidget(heading("Music"))
        self.info = QLabel("Open an audio file or a project\n(File ▸ Open, or drop a file here).")
        self.info.setWordWrap(True)
        self.info.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        dcol.addWidget(self.info)
        dcol.addStretch(1)
        self.dock = QDockWidget("Settings", self)
        self.dock.setObjectName("settings-dock")
        self.dock.setWidget(dock_body)
        self.dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                              | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.dock.setMinimumWidth(260)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.dock)

        sb = self.statusBar()
        self.progress_label = QLabel()
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(260)
        self.progress.setRange(0, 1000)
        self.cancel_button = QPushButton("Cancel")
        self.audio_note = QLabel()
        self.audio_note.setStyleSheet("color: #d9a441;")
        for w in (self.progress_label, self.progress, self.cancel_button):
            sb.addPermanentWidget(w)
            w.setVisible(False)
        sb.addPermanentWidget(self.audio_note)

    def _action(self, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        act = QAction(text, self)
        if shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        if tip:
            act.setStatusTip(tip)
        act.triggered.connect(lambda _checked=False: slot())
        self.addAction(act)
        return act

    def _build_actions(self) -> None:
        K = QKeySequence.StandardKey
        a = self._action
        self.act_open = a("&Open…", self.open_dialog, K.Open)
        self.act_save = a("&Save", self.save, K.Save)
        self.act_save_as = a("Save &As…", self.save_as, K.SaveAs)
        self.act_quit = a("&Quit", self.close, K.Quit)
        self.act_undo = self.doc.undo.createUndoAction(self, "&Undo")
        self.act_undo.setShortcut(K.Undo)
        self.act_redo = self.doc.undo.createRedoAction(self, "&Redo")
        self.act_redo.setShortcuts([QKeySequence(K.Redo), QKeySequence("Ctrl+Shift+Z")])
        self.addActions([self.act_undo, self.act_redo])
        self.act_add_cue = a("Add &cue at playhead", lambda: self.add_marker("cue"), "M",
                             "Mark a sound effect or an action cue on the current frame")
        self.act_add_beat = a("Add &beat at playhead", lambda: self.add_marker("beat"), "B")
        self.act_add_downbeat = a("Add &downbeat at playhead", lambda: self.add_marker("downbeat"), "Shift+B")
        self.act_add_onset = a("Add &accent at playhead", lambda: self.add_marker("onset"), "A")
        self.act_rename = a("&Rename marker…", self.rename_selected, "F2")
        self.act_toggle_down = a("&Toggle downbeat", self.toggle_downbeat, "D")
        self.act_delete = a("&Delete marker", self.delete_selected, K.Delete)
        self.act_nudge_back = a("Nudge marker a frame earlier", lambda: self.nudge_selected(-1), "Alt+Left")
        self.act_nudge_on = a("Nudge marker a frame later", lambda: self.nudge_selected(1), "Alt+Right")
        self.act_play = a("&Play / pause", self.transport.toggle, "Space")
        self.act_prev = a("Step &back one frame", lambda: self.step(-1), "Left")
        self.act_next = a("Step &forward one frame", lambda: self.step(1), "Right")
        self.act_prev_beat = a("Previous beat", lambda: self.jump_beat(-1), "Ctrl+Left")
        self.act_next_beat = a("Next beat", lambda: self.jump_beat(1), "Ctrl+Right")
        self.act_home = a("Go to &start", lambda: self.go_to_frame(0), "Home")
        self.act_end = a("Go to &end", lambda: self.go_to_frame(10**12), "End")
        self.act_goto = a("&Go to frame…", self.go_to_dialog, "Ctrl+G")
        self.act_zoom_in = a("Zoom &in", lambda: self.timeline.zoom(0.5), K.ZoomIn)
        self.act_zoom_out = a("Zoom &out", lambda: self.timeline.zoom(2.0), K.ZoomOut)
        self.act_zoom_fit = a("&Whole file", self.zoom_fit, "Ctrl+0")
        self.act_zoom_bars = a("&Four bars", self.zoom_bars, "Ctrl+4")
        self.act_follow = QAction("&Follow playhead", self, checkable=True, checked=True)
        self.act_analyse = a("&Re-analyse", self.params.request, "Ctrl+R")
        self.act_bar_start = a("&Bar starts at playhead", self.bar_start_at_playhead, "Ctrl+B",
                               "The bars are off: re-analyse with a bar starting on the beat nearest the playhead")
        self.act_cancel = a("&Cancel", self.cancel_jobs, "Escape")
        self.ruler_group = QActionGroup(self)
        self.ruler_actions: dict[str, QAction] = {}
        for i, (mode, title) in enumerate(MODES.items()):
            act = QAction(title, self, checkable=True)
            act.setShortcut(QKeySequence(f"Ctrl+{i + 5}"))
            act.setChecked(mode == "frames")
            act.triggered.connect(lambda _c=False, m=mode: self.set_ruler_mode(m))
            self.ruler_group.addAction(act)
            self.addAction(act)
            self.ruler_actions[mode] = act
        self.export_actions: dict[str, QAction] = {}

    def _build_menus(self) -> None:
        mb = self.menuBar()
        m = mb.addMenu("&File")
        m.addAction(self.act_open)
        self.recent_menu = m.addMenu("Open &Recent")
        m.addSeparator()
        m.addActions([self.act_save, self.act_save_as])
        m.addSeparator()
        self.export_menu = m.addMenu("&Export")
        self.export_menu.aboutToShow.connect(self._fill_export_menu)
        self._fill_export_menu()
        m.addSeparator()
        m.addAction(self.act_quit)
        mb.addMenu(self.export_menu)
        e = mb.addMenu("&Edit")
        e.addActions([self.act_undo, self.act_redo])
        e.addSeparator()
        e.addActions([self.act_add_cue, self.act_add_beat, self.act_add_downbeat, self.act_add_onset])
        e.addSeparator()
        e.addActions([self.act_rename, self.act_toggle_down, self.act_nudge_back, self.act_nudge_on, self.act_delete])
        v = mb.addMenu("&View")
        r = v.addMenu("&Ruler")
        r.addActions(list(self.ruler_actions.values()))
        v.addActions([self.act_zoom_in, self.act_zoom_out, self.act_zoom_fit, self.act_zoom_bars, self.act_follow])
        v.addAction(self.dock.toggleViewAction())
        p = mb.addMenu("&Playback")
        p.addActions([self.act_play, self.act_goto, self.act_prev, self.act_next, self.act_prev_beat,
                      self.act_next_beat, self.act_home, self.act_end])
        an = mb.addMenu("&Analysis")
        an.addActions([self.act_analyse, self.act_bar_start, self.act_cancel])

    def _fill_export_menu(self) -> None:
        """One entry per registered exporter, read at run time: new formats appear by themselves."""
        self.export_menu.clear()
        self.export_actions = {}
        try:
            mods = exporters.all_formats()
        except Exception as exc:  # one broken exporter module must not take the window down
            act = self.export_menu.addAction(f"Exporters unavailable: {type(exc).__name__}: {exc}")
            act.setEnabled(False)
            mods = []
        for mod in mods:
            suffixes = ", ".join(mod.SUFFIXES)
            act = QAction(f"{getattr(mod, 'DESCRIPTION', mod.NAME)} ({suffixes})…", self)
            act.setData(mod.NAME)
            act.triggered.connect(lambda _c=False, m=mod: self.export(m))
            act.setEnabled(self.doc.sheet() is not None)
            self.export_menu.addAction(act)
            self.export_actions[mod.NAME] = act
        self.export_menu.addSeparator()
        self.act_export_all = QAction("Every format into a folder…", self)
        self.act_export_all.triggered.connect(lambda _c=False: self.export_all())
        self.act_export_all.setEnabled(self.doc.sheet() is not None)
        self.export_menu.addAction(self.act_export_all)

    def _connect(self) -> None:
        self.doc.changed.connect(self._refresh)
        self.doc.fileChanged.connect(self._update_title)
        self.doc.peaksChanged.connect(self._peaks_changed)
        self.transport.positionChanged.connect(self._on_position)
        self.transport.playingChanged.connect(self._on_playing)
        self.transport.note.connect(self._audio_note)
        self.timeline.seekRequested.connect(self.seek)
        self.timeline.scrubRequested.connect(self._scrub_to)
        self.timeline.markerMoved.connect(self.move_marker)
        self.timeline.markerSelected.connect(self._marker_selected)
        self.timeline.markerActivated.connect(lambda m: (self._marker_selected(m), self.rename_selected()))
        self.timeline.addRequested.connect(lambda t: self.add_marker("cue", t))
        self.timeline.contextRequested.connect(self._context_menu)
        self.timeline.viewChanged.connect(self.overview.set_view)
        self.overview.viewRequested.connect(self._overview_view)
        self.overview.seekRequested.connect(self.seek)
        self.sheet_view.frameActivated.connect(self._row_activated)
        self.sheet_view.model_.cueTyped.connect(self.cue_typed)
        self.params.fpsChanged.connect(self.doc.set_fps)
        self.params.leadChanged.connect(self.doc.set_lead)
        self.params.sheetChanged.connect(self._sheet_fields_changed)
        self.params.analyseRequested.connect(self.start_analysis)
        self.params.invalid.connect(lambda msg: self.dialogs.error("Analysis settings", msg))
        self.play_button.clicked.connect(self.transport.toggle)
        self.cancel_button.clicked.connect(self.cancel_jobs)

    def _sheet_fields_changed(self, fields: dict) -> None:
        """The header fields typed in the panel: taken, or an error and the project's values shown
        again (a start timecode that does not exist at the rate or runs past midnight)."""
        try:
            self.doc.set_sheet_options(fields)
        except SyncsheetError as exc:
            self.dialogs.error("Sheet", str(exc))
            self.params.show_sheet(self.doc.project.sheet_options)

    # ------------------------------------------------------------------ views
    def _refresh(self) -> None:
        """Rebuild the views from the document (after an edit, analysis, frame rate or lead change)."""
        project = self.doc.project
        sheet = self.doc.sheet()
        edited = self.doc.edited()
        fps = project.fps if project else tb.parse_rate("24")
        groups = markers_of(edited)
        self.timeline.set_analysis(edited, sheet, fps, groups)
        self.overview.set_analysis(edited, groups)
        self.sheet_view.set_sheet(sheet)
        if self.selected is not None:
            self.selected = self._find_marker(self.selected.layer, self.selected.time)
            self.timeline.select(self.selected)
        enabled = sheet is not None
        for act in (*self.export_actions.values(), self.act_export_all):
            act.setEnabled(enabled)
        for act in (self.act_add_cue, self.act_add_beat, self.act_add_downbeat, self.act_add_onset):
            act.setEnabled(project is not None and project.analysis is not None)
        self._update_info()
        self.params.set_tempo(_median_bpm(edited))
        self.current_frame = -1
        self._on_position(self.transport.position())

    def _peaks_changed(self) -> None:
        peaks = self.doc.peaks
        duration = self.transport.duration
        view = self.timeline.view_range()
        self.timeline.set_audio(peaks, self.transport.path, duration)
        self.overview.set_audio(peaks, duration)
        self.timeline.set_view(*view)

    def _update_info(self) -> None:
        project, sheet = self.doc.project, self.doc.sheet()
        if project is None:
            return
        lines = [f"<b>{Path(project.audio_path).name}</b>"]
        if self.audio_info is not None:
            i = self.audio_info
            lines.append(f"{clock_text(i.duration)} · {i.sample_rate} Hz · {i.channels} ch")
        if sheet is not None:
            a = sheet.analysis
            lines.append(f"{counted(sheet.frames, 'frame')} at {sheet.fps.name} fps")
            lines.append(f"{counted(len(a.beats), 'beat')} in {counted(len(a.downbeats), 'bar')} · "
                         f"{counted(len(a.onsets), 'accent')} · {counted(len(a.cues), 'cue')}")
            if project.edits:
                lines.append(f"{counted(len(project.edits), 'edit')} of yours")
            for w in a.warnings:
                lines.append(f"<span style='color:#d9a441'>⚠ {w}</span>")
        elif project.analysis is None:
            lines.append("not analysed yet")
        self.info.setText("<br>".join(lines))

    def _update_title(self) -> None:
        if self.doc.project is None:
            self.setWindowTitle("syncsheet")
            return
        name = self.doc.path.name if self.doc.path else Path(self.doc.project.audio_path).name
        self.setWindowTitle(f"{name}[*] — syncsheet")
        self.setWindowModified(self.doc.modified)

    def set_ruler_mode(self, mode: str) -> None:
        self.timeline.ruler.set_mode(mode)
        self.ruler_actions[mode].setChecked(True)

    def zoom_fit(self) -> None:
        self.timeline.set_view(0.0, max(self.transport.duration, 1e-3))

    def zoom_bars(self, bars: int = 4) -> None:
        """Show a few bars around the playhead, from the bar it is in (ten seconds before there are bars)."""
        edited = self.doc.edited()
        t = self.transport.position()
        downs = [b.time for b in edited.downbeats] if edited else []
        i = max(0, bisect.bisect_right(downs, t + 1e-6) - 1)
        if len(downs) > i + bars:
            self.timeline.set_view(max(0.0, min(t, downs[i]) - 0.3), downs[i + bars] + 0.3)
        else:
            duration = max(self.transport.duration, 1e-3)
            self.timeline.set_view(max(0.0, t - 1.0), min(duration, max(t - 1.0, 0) + 10.0))

    def _overview_view(self, t0: float, t1: float) -> None:
        self.timeline.set_view(t0, t1)

    # ------------------------------------------------------------------ playhead
    def _fps(self) -> tb.FrameRate:
        return self.doc.project.fps if self.doc.project else tb.parse_rate("24")

    def frame_at(self, seconds: float) -> int:
        """The picture frame on screen when the sound at *seconds* plays."""
        frame = tb.frame_of(max(0.0, seconds), self._fps())
        sheet = self.doc.sheet()
        last = (sheet.frames if sheet else tb.frame_of(self.transport.duration, self._fps()) + 1) - 1
        return max(0, min(frame, last))

    def _on_position(self, seconds: float) -> None:
        playing = self.transport.playing
        self.timeline.set_playhead(seconds, follow=playing and self.act_follow.isChecked())
        self.overview.set_playhead(seconds)
        frame = self.frame_at(seconds)
        if frame != self.current_frame:
            self.current_frame = frame
            self.sheet_view.show_frame(frame, center=playing)
            self._update_readout(frame)

    def _update_readout(self, frame: int) -> None:
        sheet, fps = self.doc.sheet(), self._fps()
        r = self.readouts
        if sheet is not None:
            r["frame"].setText(f"{sheet.number(frame):05d}")
            r["timecode"].setText(sheet.timecode(frame))
            r["feet"].setText(sheet.footage(frame))
            r["bar"].setText(sheet.bar_beat(frame))
            seg = sheet.analysis.tempo.at(tb.frame_start(frame, fps))
            r["tempo"].setText(f"{seg.bpm:.1f} BPM · {sheet.frames_per_beat(seg):.1f} fr/beat" if seg else "-")
        else:
            r["frame"].setText(f"{frame + 1:05d}")
            try:
                r["timecode"].setText(tb.to_timecode(frame, fps))
            except tb.TimecodeError:
                r["timecode"].setText("-")
            r["feet"].setText(tb.to_feet(frame))
            r["bar"].setText("-")
            r["tempo"].setText("-")

    def _on_playing(self, playing: bool) -> None:
        self.play_button.setText("❚❚  Pause" if playing else "▶  Play")

    def _audio_note(self, text: str) -> None:
        self.audio_note.setText(text)
        self.audio_note.setToolTip(text)

    def seek(self, seconds: float) -> None:
        self.transport.seek(seconds)

    def go_to_frame(self, frame: int, scrub: bool = False) -> None:
        fps = self._fps()
        sheet = self.doc.sheet()
        last = (sheet.frames if sheet else tb.frame_of(self.transport.duration, fps) + 1) - 1
        frame = max(0, min(int(frame), max(0, last)))
        self.transport.seek(tb.frame_start(frame, fps))
        if scrub:
            self.transport.scrub(frame, fps)
        self._keep_in_view(tb.frame_start(frame, fps))

    def go_to_dialog(self) -> None:
        """Ask for a frame number (as printed on the sheet), a timecode or feet+frames, and go there."""
        sheet = self.doc.sheet()
        if sheet is None:
            return
        here = sheet.number(self.current_frame)
        text = self.dialogs.text("Go to frame", "Frame number, timecode (HH:MM:SS:FF) or feet+frames:", str(here))
        if not text:
            return
        text = text.strip()
        try:
            if ":" in text or ";" in text:
                frame = tb.from_timecode(text, sheet.fps, sheet.start_frame)
            elif "+" in text:
                frame = tb.from_feet(text, sheet.options.gauge)
            else:
                frame = int(text) - sheet.options.first_frame
        except (ValueError, tb.TimecodeError) as exc:
            self._error("Go to frame", str(exc) if isinstance(exc, tb.TimecodeError)
                        else f"{text!r} is not a frame number, a timecode or feet+frames")
            return
        self.go_to_frame(frame, scrub=True)

    def step(self, delta: int) -> None:
        """One frame back or forward, playing that frame's slice of sound."""
        if self.transport.playing:
            self.transport.pause()
        self.go_to_frame(self.frame_at(self.transport.position()) + delta, scrub=True)

    def jump_beat(self, direction: int) -> None:
        sheet = self.doc.sheet()
        if sheet is None or not len(sheet.beat_frames):
            return
        here = self.frame_at(self.transport.position())
        frames = sorted(set(int(f) for f in sheet.beat_frames))
        target = next((f for f in frames if f > here), None) if direction > 0 else \
            next((f for f in reversed(frames) if f < here), None)
        if target is not None:
            self.go_to_frame(target, scrub=True)

    def _keep_in_view(self, seconds: float) -> None:
        t0, t1 = self.timeline.view_range()
        if not t0 <= seconds <= t1:
            w = t1 - t0
            self.timeline.set_view(seconds - w / 2, seconds + w / 2)

    def _scrub_to(self, seconds: float) -> None:
        frame = self.frame_at(seconds)
        if frame != self.current_frame:
            self.transport.seek(seconds)
            self.transport.scrub(frame, self._fps())

    def _row_activated(self, frame: int) -> None:
        self.transport.seek(tb.frame_start(frame, self._fps()))
        self.transport.scrub(frame, self._fps())
        self._keep_in_view(tb.frame_start(frame, self._fps()))

    # ------------------------------------------------------------------ misc
    def _error(self, title: str, text: str) -> None:
        self.last_error = text
        self.statusBar().showMessage(text, 10000)
        self.dialogs.error(title, text)

    def _restore_layout(self) -> None:
        s = app_settings()
        geometry, state = s.value("window/geometry"), s.value("window/state")
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state)
        splitter = s.value("window/splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)
        mode = s.value("view/ruler")
        if mode in MODES:
            self.set_ruler_mode(mode)

    def _save_layout(self) -> None:
        s = app_settings()
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState())
        s.setValue("window/splitter", self.splitter.saveState())
        s.setValue("view/ruler", self.timeline.ruler.mode)

    def closeEvent(self, event):
        if not self._maybe_save():
            event.ignore()
            return
        if self.remember_layout:
            self._save_layout()
        self.transport.stop()
        self.autosave_timer.stop()
        self._stop_jobs()
        event.accept()


def _median_bpm(analysis) -> float | None:
    """The analysis's typical tempo (BPM, from the median beat gap), or None without two beats."""
    if analysis is None or len(analysis.beats) < 2:
        return None
    gaps = [b.time - a.time for a, b in zip(analysis.beats, analysis.beats[1:], strict=False)]
    gap = sorted(gaps)[len(gaps) // 2]
    return 60.0 / gap if gap > 0 else None
