"""The main window: overview, timeline, X-sheet, parameters, menus, playback and project files."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from PyQt6.QtCore import QSettings, QStandardPaths, Qt, QTimer
from PyQt6.QtGui import QAction, QActionGroup, QColor, QKeySequence, QPainter, QPen, QPixmap
from PyQt6.QtWidgets import (
    QDockWidget,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QProgressBar,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from syncsheet import audio, exporters
from syncsheet import project as pj
from syncsheet import timebase as tb
from syncsheet.analysis import AnalysisSettings, analyze
from syncsheet.errors import ProjectError, SyncsheetError
from syncsheet.waveform import compute_peaks

from .dialogs import Dialogs
from .document import Document, autosave_path
from .jobs import Job, JobRunner
from .markers import STYLES, Marker
from .params import ParamsPanel
from .ruler import MODES
from .sheetview import SheetView
from .style import COLORS, mono_font
from .timeline import Overview, Timeline, snap_to_frame
from .transport import Transport

__all__ = ["MainWindow", "app_settings"]

APP = "syncsheet"
MAX_RECENT = 10
_LEGEND = (
    ("downbeat", "Downbeat (bar number)"),
    ("beat", "Beat"),
    ("onset", "Accent / onset"),
    ("cue", "Cue / sound effect"),
    ("stop", "Music stop"),
    ("restart", "Music restarts"),
)


def app_settings() -> QSettings:
    """Where recent files and window state are kept (INI: readable, and redirectable in tests)."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, APP, "syncsheet-ui")


class MainWindow(QMainWindow):
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
    """

    def __init__(self, *, transport: Transport | None = None, analyze_fn: Callable | None = None,
                 autosave_ms: int = 60_000, ask_on_close: bool = True) -> None:
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
        self.autosave_timer.timeout.connect(self.autosave)
        if autosave_ms > 0:
            self.autosave_timer.start(autosave_ms)
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

        readout = QFrame()
        readout.setObjectName("readout")
        readout.setStyleSheet(f"#readout {{ background: {COLORS['background']}; border-bottom: 1px solid #3a3f47; }}"
                              "QLabel { color: #e8e8e8; }")
        row = QHBoxLayout(readout)
        row.setContentsMargins(10, 4, 10, 4)
        self.readouts: dict[str, QLabel] = {}
        big = mono_font(15)
        big.setBold(True)
        small = mono_font(9)
        for key, title in (("frame", "FRAME"), ("timecode", "TIMECODE"), ("bar", "BAR:BEAT"), ("feet", "FEET"),
                           ("tempo", "TEMPO")):
            box = QVBoxLayout()
            box.setSpacing(0)
            cap = QLabel(title)
            cap.setFont(small)
            cap.setStyleSheet("color: #8a9099;")
            val = QLabel("-")
            val.setFont(big)
            box.addWidget(cap)
            box.addWidget(val)
            row.addLayout(box)
            row.addSpacing(22)
            self.readouts[key] = val
        self.readouts["frame"].setStyleSheet(f"color: {COLORS['selected']};")
        row.addStretch(1)
        self.play_button = QPushButton("▶  Play")
        self.play_button.setMinimumWidth(90)
        row.addWidget(self.play_button)

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
        dcol.addWidget(_heading("Analysis"))
        dcol.addWidget(self.params)
        dcol.addSpacing(8)
        dcol.addWidget(_heading("Markers"))
        dcol.addWidget(_legend())
        dcol.addSpacing(8)
        dcol.addWidget(_heading("Music"))
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
        self.act_play = a("&Play / pause", self.transport.toggle, "Space")
        self.act_prev = a("Step &back one frame", lambda: self.step(-1), "Left")
        self.act_next = a("Step &forward one frame", lambda: self.step(1), "Right")
        self.act_prev_beat = a("Previous beat", lambda: self.jump_beat(-1), "Ctrl+Left")
        self.act_next_beat = a("Next beat", lambda: self.jump_beat(1), "Ctrl+Right")
        self.act_home = a("Go to &start", lambda: self.go_to_frame(0), "Home")
        self.act_end = a("Go to &end", lambda: self.go_to_frame(10**12), "End")
        self.act_zoom_in = a("Zoom &in", lambda: self.timeline.zoom(0.5), K.ZoomIn)
        self.act_zoom_out = a("Zoom &out", lambda: self.timeline.zoom(2.0), K.ZoomOut)
        self.act_zoom_fit = a("&Whole file", self.zoom_fit, "Ctrl+0")
        self.act_zoom_bars = a("&Four bars", self.zoom_bars, "Ctrl+4")
        self.act_follow = QAction("&Follow playhead", self, checkable=True, checked=True)
        self.act_analyse = a("&Re-analyse", self.params.request, "Ctrl+R")
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
        e.addActions([self.act_rename, self.act_toggle_down, self.act_delete])
        v = mb.addMenu("&View")
        r = v.addMenu("&Ruler")
        r.addActions(list(self.ruler_actions.values()))
        v.addActions([self.act_zoom_in, self.act_zoom_out, self.act_zoom_fit, self.act_zoom_bars, self.act_follow])
        v.addAction(self.dock.toggleViewAction())
        p = mb.addMenu("&Playback")
        p.addActions([self.act_play, self.act_prev, self.act_next, self.act_prev_beat, self.act_next_beat,
                      self.act_home, self.act_end])
        an = mb.addMenu("&Analysis")
        an.addActions([self.act_analyse, self.act_cancel])

    def _fill_export_menu(self) -> None:
        """One entry per registered exporter, read at run time: new formats appear by themselves."""
        self.export_menu.clear()
        self.export_actions = {}
        for mod in exporters.all_formats():
            suffixes = ", ".join(mod.SUFFIXES)
            act = QAction(f"{mod.DESCRIPTION} ({suffixes})…", self)
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
        self.params.fpsChanged.connect(self.doc.set_fps)
        self.params.leadChanged.connect(self.doc.set_lead)
        self.params.analyseRequested.connect(self.start_analysis)
        self.params.invalid.connect(lambda msg: self.dialogs.error("Analysis settings", msg))
        self.play_button.clicked.connect(self.transport.toggle)
        self.cancel_button.clicked.connect(self.cancel_jobs)

    # ------------------------------------------------------------------ files
    def open_dialog(self) -> None:
        start = str(Path(self.doc.project.audio_path).parent) if self.doc.project else ""
        path = self.dialogs.open_path(start)
        if path:
            self.open_path(path)

    def open_path(self, path: str | os.PathLike) -> bool:
        """Open an audio file (and analyse it) or a ``.syncsheet`` project."""
        p = Path(path)
        if not self._maybe_save():
            return False
        if p.suffix.lower() == pj.SUFFIX or p.name.endswith(".autosave"):
            return self.open_project(p)
        return self.open_audio(p)

    def open_audio(self, p: Path) -> bool:
        try:
            info = audio.probe(p)
        except SyncsheetError as exc:
            self._error("Cannot open audio", str(exc))
            return False
        project = pj.Project(str(p.resolve()))
        recovered = self._recover(autosave_path(None, project.audio_path, self._autosave_folder()), None,
                                  lambda pr: Path(pr.audio_path) == Path(project.audio_path))
        self._stop_jobs()
        self.doc.set_project(recovered or project, None, dirty=True)
        self.audio_info = info
        self._opened(needs_checksum=True)
        if self.doc.project.analysis is None:
            self.start_analysis(self.doc.project.settings)
        self._add_recent(p)
        return True

    def open_project(self, p: Path) -> bool:
        try:
            project = pj.load(p)
        except ProjectError as exc:
            self._error("Cannot open project", str(exc))
            return False
        dirty = False
        recovered = self._recover(autosave_path(p, project.audio_path, self._autosave_folder()), p, None)
        if recovered is not None:
            project, dirty = recovered, True
        status = project.audio_status()
        if status == "missing":
            located = self._locate_audio(project)
            if located is not project:
                project, dirty = located, True
            status = project.audio_status()
        self._stop_jobs()
        self.doc.set_project(project, p, dirty=dirty)
        self.audio_info = None
        if status != "missing":
            with contextlib.suppress(SyncsheetError):
                self.audio_info = audio.probe(project.audio_path)
        self._opened(needs_checksum=False)
        if status == "changed":
            self._audio_note(f"{Path(project.audio_path).name} has changed since the project was saved: "
                             "re-analyse to follow it")
        elif self.audio_info is None:
            self._audio_note(f"audio missing ({Path(project.audio_path).name}): markers and sheet only")
        if project.analysis is None and self.audio_info is not None:
            self.start_analysis(project.settings)
        self._add_recent(p)
        return True

    def _locate_audio(self, project: pj.Project) -> pj.Project:
        """Ask where a missing audio file went; the same content is required unless the user insists."""
        path = self.dialogs.locate_audio(project.audio_path, str(Path(project.audio_path).parent))
        if not path:
            return project
        try:
            return project.relocated(path)
        except ProjectError as exc:
            if self.dialogs.confirm("Different audio", f"{exc}.\n\nUse this file anyway?"):
                try:
                    return project.relocated(path, force=True)
                except ProjectError as exc2:
                    self._error("Cannot use this audio", str(exc2))
            return project

    def _recover(self, side: Path, project_file: Path | None, accept) -> pj.Project | None:
        """Offer an autosave newer than the file it belongs to."""
        if not side.is_file():
            return None
        if project_file is not None and project_file.is_file() and side.stat().st_mtime <= project_file.stat().st_mtime:
            return None
        try:
            saved = pj.load(side)
        except ProjectError:
            return None
        if accept is not None and not accept(saved):
            return None
        if self.dialogs.confirm("Recover unsaved work", f"There are autosaved changes newer than the saved "
                                f"file ({side.name}). Recover them?"):
            return saved
        return None

    def _opened(self, needs_checksum: bool) -> None:
        project = self.doc.project
        self.params.load(project.fps, project.sheet_options.lead, project.settings)
        if self.audio_info is not None:
            duration = self.audio_info.duration
        else:
            duration = project.analysis.duration if project.analysis else 0.0
        path = str(self.audio_info.path) if self.audio_info else None
        self.transport.load(path, duration, self.audio_info.sample_rate if self.audio_info else 0)
        self.timeline.set_audio(None, path, duration)
        self.overview.set_audio(None, duration)
        self.current_frame = -1
        self.zoom_bars()
        self.seek(0.0)
        if self.audio_info is not None:
            self._start_peaks(path, needs_checksum)

    def _start_peaks(self, path: str, needs_checksum: bool) -> None:
        def work(progress):
            digest = pj.file_checksum(path) if needs_checksum else ""
            progress(0.0, "reading waveform")
            return digest, compute_peaks(path, progress=progress)

        job = Job("Reading waveform", work)
        job.succeeded.connect(self._peaks_done)
        self._enqueue(job)

    def _peaks_done(self, result) -> None:
        digest, peaks = result
        if digest:
            self.doc.set_checksum(digest)
        self.doc.set_peaks(peaks)

    def save(self) -> bool:
        if self.doc.project is None:
            return False
        if self.doc.path is None:
            return self.save_as()
        return self._save_to(self.doc.path)

    def save_as(self) -> bool:
        if self.doc.project is None:
            return False
        stem = Path(self.doc.project.audio_path).with_suffix(pj.SUFFIX)
        path = self.dialogs.save_project_path(str(self.doc.path or stem))
        return bool(path) and self._save_to(Path(path))

    def _save_to(self, path: Path) -> bool:
        old_side = self._autosave_file()
        try:
            pj.save(self.doc.project, path)
        except SyncsheetError as exc:
            self._error("Project not saved", str(exc))
            return False
        self.doc.mark_saved(path)
        for side in {old_side, self._autosave_file()}:
            with contextlib.suppress(OSError):
                side.unlink(missing_ok=True)
        self._add_recent(path)
        self.statusBar().showMessage(f"Saved {path}", 5000)
        return True

    def _autosave_folder(self) -> Path:
        base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation) or str(Path.home())
        return Path(base) / "autosave"

    def _autosave_file(self) -> Path:
        return autosave_path(self.doc.path, self.doc.project.audio_path if self.doc.project else "untitled",
                             self._autosave_folder())

    def autosave(self) -> Path | None:
        """Save unsaved work to a side file (never over the user's file)."""
        if self.doc.project is None or not self.doc.modified:
            return None
        side = self._autosave_file()
        try:
            side.parent.mkdir(parents=True, exist_ok=True)
            pj.save(self.doc.project, side)
        except (OSError, SyncsheetError) as exc:
            self.statusBar().showMessage(f"Autosave failed: {exc}", 8000)
            return None
        self.statusBar().showMessage(f"Autosaved to {side}", 3000)
        return side

    def _maybe_save(self) -> bool:
        if not self.ask_on_close or self.doc.project is None or not self.doc.modified:
            return True
        name = self.doc.path.name if self.doc.path else Path(self.doc.project.audio_path).name
        answer = self.dialogs.save_changes(name)
        if answer == "save":
            return self.save()
        if answer == "discard":
            with contextlib.suppress(OSError):
                self._autosave_file().unlink(missing_ok=True)
        return answer == "discard"

    # recent files
    def _add_recent(self, path: Path) -> None:
        s = app_settings()
        new = str(Path(path).resolve())
        items = [new] + [p for p in self.recent_files() if p != new]
        s.setValue("recent", items[:MAX_RECENT])
        self._refresh_recent()

    def recent_files(self) -> list[str]:
        value = app_settings().value("recent", []) or []
        return [value] if isinstance(value, str) else list(value)

    def _refresh_recent(self) -> None:
        self.recent_menu.clear()
        files = self.recent_files()
        for f in files:
            act = self.recent_menu.addAction(Path(f).name)
            act.setStatusTip(f)
            act.setToolTip(f)
            act.triggered.connect(lambda _c=False, f=f: self.open_path(f))
        self.recent_menu.setEnabled(bool(files))

    # drag and drop
    def dragEnterEvent(self, event):
        if self._dropped_path(event.mimeData()) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event):
        path = self._dropped_path(event.mimeData())
        if path is not None:
            event.acceptProposedAction()
            QTimer.singleShot(0, lambda: self.open_path(path))

    @staticmethod
    def _dropped_path(mime) -> str | None:
        if not mime.hasUrls():
            return None
        for url in mime.urls():
            if url.isLocalFile():
                p = url.toLocalFile()
                if p.lower().endswith((*audio.SUFFIXES, pj.SUFFIX)):
                    return p
        return None

    # ------------------------------------------------------------------ export
    def export(self, mod: ModuleType, path: str | None = None) -> Job | None:
        """Export the current sheet in one format (asks where, unless *path* is given)."""
        sheet = self.doc.sheet()
        if sheet is None:
            self._error("Nothing to export", "Analyse the audio first.")
            return None
        if path is None:
            stem = self.doc.path.stem if self.doc.path else Path(self.doc.project.audio_path).stem
            folder = (self.doc.path or Path(self.doc.project.audio_path)).parent
            path = self.dialogs.export_path(mod, str(folder / exporters.default_name(mod, stem)))
            if not path:
                return None
        job = Job(f"Export {mod.NAME}", lambda _progress: exporters.write_file(sheet, path, fmt=mod.NAME))
        job.succeeded.connect(lambda p: self.statusBar().showMessage(f"Exported {p}", 6000))
        self._enqueue(job)
        return job

    def export_all(self, folder: str | None = None) -> Job | None:
        sheet = self.doc.sheet()
        if sheet is None:
            self._error("Nothing to export", "Analyse the audio first.")
            return None
        folder = folder or self.dialogs.export_folder(str(Path(self.doc.project.audio_path).parent))
        if not folder:
            return None
        stem = self.doc.path.stem if self.doc.path else Path(self.doc.project.audio_path).stem
        mods = exporters.all_formats()

        def work(progress):
            out = []
            for i, mod in enumerate(mods):
                progress(i / len(mods), mod.NAME)
                out.append(exporters.write_file(sheet, Path(folder) / exporters.default_name(mod, stem), fmt=mod.NAME))
            return out

        job = Job("Export", work)
        job.succeeded.connect(lambda ps: self.statusBar().showMessage(f"Exported {len(ps)} files to {folder}", 6000))
        self._enqueue(job)
        return job

    # ------------------------------------------------------------------ background jobs
    def start_analysis(self, settings: AnalysisSettings) -> None:
        """Analyse (again) in the background; a running analysis is cancelled and replaced."""
        if self.doc.project is None or self.audio_info is None:
            if self.doc.project is not None:
                self._audio_note("cannot analyse: the audio file is missing")
            return
        if self._analysis_job is not None:
            self._pending_settings = settings
            self._analysis_job.cancel()
            return
        path, fn = str(self.audio_info.path), self.analyze_fn

        def work(progress):
            return fn(path, settings, progress=progress), settings

        job = Job("Analysis", work)
        job.succeeded.connect(self._analysis_done)
        job.cancelled.connect(lambda: self.statusBar().showMessage("Analysis cancelled", 5000))
        job.done.connect(self._analysis_finished)
        self._analysis_job = job
        self._enqueue(job)

    def _analysis_done(self, result) -> None:
        analysis, settings = result
        unmatched = self.doc.set_analysis(analysis, settings)
        msg = f"Analysed: {len(analysis.beats)} beats, {len(analysis.onsets)} accents, {len(analysis.cues)} cues"
        if unmatched:
            msg += f"; {len(unmatched)} of your edits no longer find their event (kept in the project)"
        self.statusBar().showMessage(msg, 8000)

    def _analysis_finished(self) -> None:
        self._analysis_job = None
        if self._pending_settings is not None:
            settings, self._pending_settings = self._pending_settings, None
            self.start_analysis(settings)

    def _enqueue(self, job: Job) -> None:
        job.progressed.connect(self._on_progress)
        job.failed.connect(lambda msg, name=job.name: self._error(name, msg))
        job.done.connect(self._job_done)
        self._queue.append(job)
        self._next_job()

    def _next_job(self) -> None:
        if self._active is not None or not self._queue:
            self._show_progress(self._active is not None)
            return
        self._active = self._queue.pop(0)
        self.progress_label.setText(self._active.name)
        self.progress.setValue(0)
        self._show_progress(True)
        self.runner.start(self._active)

    def _job_done(self) -> None:
        self._active = None
        self._next_job()

    def _show_progress(self, on: bool) -> None:
        for w in (self.progress_label, self.progress, self.cancel_button):
            w.setVisible(on)

    def _on_progress(self, fraction: float, stage: str) -> None:
        if self._active is not None:
            self.progress_label.setText(f"{self._active.name}: {stage}")
        self.progress.setValue(int(fraction * 1000))

    @property
    def busy(self) -> bool:
        return self._active is not None or bool(self._queue)

    def cancel_jobs(self) -> None:
        """Cancel the running job and everything queued."""
        for job in self._queue:
            job.cancel()
        if self._active is not None:
            self._active.cancel()
        self._pending_settings = None

    def _stop_jobs(self) -> None:
        self.cancel_jobs()
        self.runner.cancel_all()
        self._queue.clear()
        self._active = None
        self._analysis_job = None
        self._show_progress(False)

    # ------------------------------------------------------------------ views
    def _refresh(self) -> None:
        """Rebuild the views from the document (after an edit, analysis, frame rate or lead change)."""
        project = self.doc.project
        sheet = self.doc.sheet()
        edited = self.doc.edited()
        fps = project.fps if project else tb.parse_rate("24")
        self.timeline.set_analysis(edited, sheet, fps)
        self.overview.set_analysis(edited)
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
            lines.append(f"{_clock(i.duration)} · {i.sample_rate} Hz · {i.channels} ch")
        if sheet is not None:
            a = sheet.analysis
            lines.append(f"{sheet.frames} frames at {sheet.fps.name} fps")
            lines.append(f"{len(a.beats)} beats in {len(a.downbeats)} bars · {len(a.onsets)} accents · "
                         f"{len(a.cues)} cues")
            if project.edits:
                lines.append(f"{len(project.edits)} edits of yours")
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
        """Show a few bars from the playhead (or ten seconds before there is a beat)."""
        edited = self.doc.edited()
        t = self.transport.position()
        downs = [b.time for b in edited.downbeats] if edited else []
        after = [d for d in downs if d >= t - 1e-6]
        if len(after) > bars:
            t0 = max(0.0, min(t, after[0]) - 0.5)
            self.timeline.set_view(t0, after[bars] + 0.5)
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

    # ------------------------------------------------------------------ editing
    def _find_marker(self, layer: str, seconds: float) -> Marker | None:
        best, best_d = None, pj.MATCH_SECONDS
        for m in self.timeline.markers():
            if m.layer == layer and abs(m.time - seconds) <= best_d:
                best, best_d = m, abs(m.time - seconds)
        return best

    def _marker_selected(self, marker: Marker | None) -> None:
        self.selected = marker
        self.timeline.select(marker)
        if marker is not None:
            self.statusBar().showMessage(f"{marker.kind} at frame {self.doc.sheet().number(self.frame_at(marker.time))}"
                                         if self.doc.sheet() else marker.kind, 4000)

    def add_marker(self, kind: str, seconds: float | None = None) -> None:
        """Add a cue, beat, downbeat or accent on the playhead's frame (or at *seconds*, snapped)."""
        if self.doc.project is None or self.doc.project.analysis is None:
            return
        t = snap_to_frame(self.transport.position() if seconds is None else seconds, self._fps())
        if kind == "cue":
            edit, text = pj.Edit("add", "cue", t, label="MARK", kind="marker"), "Add cue"
        elif kind == "downbeat":
            edit, text = pj.Edit("add", "beat", t, label="downbeat"), "Add downbeat"
        elif kind == "beat":
            edit, text = pj.Edit("add", "beat", t), "Add beat"
        else:
            edit, text = pj.Edit("add", "onset", t), "Add accent"
        self.doc.apply_edit(edit, f"{text} at frame {self.frame_at(t) + self.doc.project.sheet_options.first_frame}")
        self.selected = self._find_marker(edit.layer, t)
        self.timeline.select(self.selected)

    def move_marker(self, marker: Marker, new_time: float) -> None:
        if self.doc.project is None:
            return
        fps = self._fps()
        new_time = snap_to_frame(new_time, fps)
        edit = pj.Edit("move", marker.layer, marker.time, new_time=new_time)
        self.doc.apply_edit(edit, f"Move {marker.kind} to frame {self.frame_at(new_time) + 1}")
        self.selected = self._find_marker(marker.layer, new_time)
        self.timeline.select(self.selected)

    def delete_selected(self) -> None:
        m = self.selected
        if m is None or self.doc.project is None:
            return
        self.doc.apply_edit(pj.Edit("delete", m.layer, m.time), f"Delete {m.kind}")
        self.selected = None
        self.timeline.select(None)

    def rename_selected(self) -> None:
        m = self.selected
        if m is None or self.doc.project is None:
            return
        if m.layer == "beat":
            self.toggle_downbeat()
            return
        if m.layer != "cue":
            self.statusBar().showMessage("Accents have no name; add a cue to label a moment", 5000)
            return
        text = self.dialogs.text("Rename cue", "Label printed on the sheet:", m.text)
        if text is None or text == m.text:
            return
        self.doc.apply_edit(pj.Edit("rename", "cue", m.time, label=text), f"Rename cue to {text}")

    def toggle_downbeat(self) -> None:
        m = self.selected
        if m is None or m.layer != "beat" or self.doc.project is None:
            return
        label = "beat" if m.kind == "downbeat" else "downbeat"
        self.doc.apply_edit(pj.Edit("rename", "beat", m.time, label=label),
                            "Make downbeat" if label == "downbeat" else "Make plain beat")

    def _context_menu(self, marker: Marker | None, seconds: float, pos) -> None:
        menu = QMenu(self)
        if marker is not None:
            self._marker_selected(marker)
            if marker.layer == "cue":
                menu.addAction(self.act_rename)
            if marker.layer == "beat":
                menu.addAction(self.act_toggle_down)
            menu.addAction(self.act_delete)
        else:
            for kind, title in (("cue", "Add cue here"), ("beat", "Add beat here"),
                                ("downbeat", "Add downbeat here"), ("onset", "Add accent here")):
                menu.addAction(title, lambda k=kind: self.add_marker(k, seconds))
        menu.popup(pos)

    # ------------------------------------------------------------------ misc
    def _error(self, title: str, text: str) -> None:
        self.last_error = text
        self.statusBar().showMessage(text, 10000)
        self.dialogs.error(title, text)

    def closeEvent(self, event):
        if not self._maybe_save():
            event.ignore()
            return
        self.transport.stop()
        self.autosave_timer.stop()
        self._stop_jobs()
        event.accept()


def _heading(text: str) -> QLabel:
    label = QLabel(text.upper())
    font = label.font()
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * 0.9)
    label.setFont(font)
    label.setStyleSheet("color: #8a9099; padding-top: 4px;")
    return label


def _legend() -> QWidget:
    w = QWidget()
    grid = QGridLayout(w)
    grid.setContentsMargins(0, 0, 0, 0)
    grid.setVerticalSpacing(3)
    for i, (kind, text) in enumerate(_LEGEND):
        st = STYLES[kind]
        pix = QPixmap(28, 16)
        pix.fill(QColor(COLORS["background"]))
        painter = QPainter(pix)
        pen = QPen(QColor(COLORS[kind]), st.width + 0.5)
        pen.setStyle(Qt.PenStyle.DashLine if st.dash else Qt.PenStyle.SolidLine)
        painter.setPen(pen)
        for x in (7, 20):
            painter.drawLine(x, 1, x, 15)
        painter.end()
        swatch = QLabel()
        swatch.setPixmap(pix)
        grid.addWidget(swatch, i, 0)
        grid.addWidget(QLabel(text), i, 1)
    grid.setColumnStretch(1, 1)
    return w


def _clock(seconds: float) -> str:
    m, s = divmod(int(round(seconds)), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
