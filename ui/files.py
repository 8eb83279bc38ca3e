"""Project files for the main window: open (audio or project), save, autosave, recent files, drops.

A project is saved atomically by :func:`syncsheet.project.save`. Autosave writes to a side file
(a hidden ``.NAME.syncsheet.autosave`` beside the project, or the app's data folder for work not
saved yet), never over the user's file; opening offers an autosave newer than its file. A project
whose audio has moved asks where it went and checks it is the same audio (by checksum).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from PyQt6.QtCore import QSettings, QStandardPaths, QTimer

from syncsheet import audio
from syncsheet import project as pj
from syncsheet.errors import ProjectError, SyncsheetError
from syncsheet.progress import scaled
from syncsheet.sheet import with_audio_start
from syncsheet.waveform import compute_peaks

from .document import autosave_path
from .jobs import Job

__all__ = ["FilesMixin", "app_settings", "MAX_RECENT"]

MAX_RECENT = 10


def app_settings() -> QSettings:
    """Where recent files are kept (INI: readable, and redirectable in tests)."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "syncsheet", "syncsheet-ui")


def _write_side(project: pj.Project, side: Path) -> Path:
    side.parent.mkdir(parents=True, exist_ok=True)
    return pj.save(project, side)


class FilesMixin:
    """Opening, saving and autosaving, for :class:`~syncsheet_ui.mainwindow.MainWindow`."""

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
        # a Broadcast WAV's own timecode starts the sheet, as its DAW session does
        project = project.replace(sheet_options=with_audio_start(project.sheet_options, info, project.fps))
        recovered = self._recover(autosave_path(None, project.audio_path, self._autosave_folder()), None,
                                  lambda pr: Path(pr.audio_path) == Path(project.audio_path))
        self._stop_jobs()
        self.doc.set_project(recovered or project, None, dirty=True)
        self.audio_info = info
        self._opened()
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
        # the audio's checksum is checked in the background (hashing a 2 h reel takes seconds)
        if not Path(project.audio_path).is_file():
            located = self._locate_audio(project)
            if located is not project:
                project, dirty = located, True
        self._stop_jobs()
        self.doc.set_project(project, p, dirty=dirty)
        self.audio_info = None
        if Path(project.audio_path).is_file():
            with contextlib.suppress(SyncsheetError):
                self.audio_info = audio.probe(project.audio_path)
        self._opened()
        if self.audio_info is None:
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

    def _opened(self) -> None:
        project = self.doc.project
        self.params.load(project.fps, project.sheet_options.lead, project.settings, project.sheet_options)
        if self.audio_info is not None:
            duration = self.audio_info.duration
        else:
            duration = project.analysis.duration if project.analysis else 0.0
        path = str(self.audio_info.path) if self.audio_info else None
        self.transport.load(path, duration, self.audio_info.sample_rate if self.audio_info else 0,
                            without=self.audio_info.timecode_channels if self.audio_info else ())
        self.timeline.set_audio(None, path, duration)
        self.overview.set_audio(None, duration)
        self.current_frame = -1
        self.zoom_bars()
        self.seek(0.0)
        if self.audio_info is not None:
            self._start_peaks(path)

    def _start_peaks(self, path: str) -> None:
        def work(progress):
            progress(0.0, "checking audio")
            digest = pj.file_checksum(path, progress=scaled(progress, 0.0, 0.3))
            return digest, compute_peaks(path, progress=scaled(progress, 0.3, 1.0, "reading waveform"))

        job = Job("Reading waveform", work)
        job.succeeded.connect(self._peaks_done)
        self._enqueue(job)

    def _peaks_done(self, result) -> None:
        digest, peaks = result
        project = self.doc.project
        if digest and project is not None:
            if not project.audio_sha256:
                self.doc.set_checksum(digest)
            elif digest != project.audio_sha256:
                self._audio_note(f"{Path(project.audio_path).name} has changed since the project was saved: "
                                 "re-analyse to follow it")
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
        """Save unsaved work to a side file now (never over the user's file); returns its path."""
        if self.doc.project is None or not self.doc.modified:
            return None
        side = self._autosave_file()
        try:
            _write_side(self.doc.project, side)
        except (OSError, SyncsheetError) as exc:
            self.statusBar().showMessage(f"Autosave failed: {exc}", 8000)
            return None
        self.statusBar().showMessage(f"Autosaved to {side}", 3000)
        return side

    def _autosave_tick(self) -> None:
        """The autosave timer: write on a worker thread (a long reel's project takes a moment to
        serialise; the project is immutable, so the snapshot is safe to write from there)."""
        if self.doc.project is None or not self.doc.modified or self._autosaving is not None:
            return
        project, side = self.doc.project, self._autosave_file()
        job = Job("Autosave", lambda _progress: _write_side(project, side))
        job.succeeded.connect(lambda p: self.statusBar().showMessage(f"Autosaved to {p}", 3000))
        job.failed.connect(lambda msg: self.statusBar().showMessage(f"Autosave failed: {msg}", 8000))
        job.done.connect(self._autosave_done)
        self._autosaving = job
        self.runner.start(job)

    def _autosave_done(self) -> None:
        self._autosaving = None

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
