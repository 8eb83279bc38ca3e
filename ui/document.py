"""The open document: a :class:`syncsheet.project.Project`, its file, and the undo stack.

The project is immutable; every change replaces it and emits :attr:`Document.changed`. User
corrections go through :class:`EditCommand` on a QUndoStack: redo appends an
:class:`~syncsheet.project.Edit` to the project, undo takes it off again. Because the edits are
kept as edits (never baked into the analysis), a re-analysis applies them to the new result.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PyQt6.QtCore import QObject, pyqtSignal
from PyQt6.QtGui import QUndoCommand, QUndoStack

from syncsheet import project as pj
from syncsheet.analysis import AnalysisSettings
from syncsheet.model import Analysis
from syncsheet.sheet import ExposureSheet, check_timecode_room
from syncsheet.timebase import FrameRate
from syncsheet.waveform import Peaks

__all__ = ["Document", "EditCommand", "autosave_path"]


def autosave_path(project_file: Path | None, audio_path: str, folder: Path) -> Path:
    """Where autosaves go: beside the project file as a hidden side file, never over it; for a
    project not saved yet, in the application's data *folder*."""
    if project_file is not None:
        return project_file.with_name(f".{project_file.name}.autosave")
    return folder / f"{Path(audio_path).stem}{pj.SUFFIX}.autosave"


class EditCommand(QUndoCommand):
    """One user edit as an undoable command."""

    def __init__(self, doc: Document, edit: pj.Edit, text: str) -> None:
        super().__init__(text)
        self.doc = doc
        self.edit = edit

    def redo(self) -> None:
        self.doc._set(self.doc.project.with_edit(self.edit))

    def undo(self) -> None:
        edits = list(self.doc.project.edits)
        # the command's edit is the last one unless a later command is still applied (never, on a stack)
        for i in range(len(edits) - 1, -1, -1):
            if edits[i] == self.edit:
                del edits[i]
                break
        self.doc._set(self.doc.project.with_edits(edits))


class Document(QObject):
    """State of the open project, shared by every view.

    Signals
    -------
    changed()
        The project (analysis, edits, frame rate or sheet options) changed: views rebuild.
    fileChanged()
        The file path or the modified flag changed: the title bar updates.
    peaksChanged()
        The waveform envelope arrived or went away.
    """

    changed = pyqtSignal()
    fileChanged = pyqtSignal()
    peaksChanged = pyqtSignal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.project: pj.Project | None = None
        self.path: Path | None = None
        self.peaks: Peaks | None = None
        self.undo = QUndoStack(self)
        self.undo.cleanChanged.connect(self._clean_changed)
        self._dirty_outside_undo = False
        self._sheet: ExposureSheet | None = None
        self._edited: Analysis | None = None

    def _clean_changed(self, _clean: bool) -> None:
        self.fileChanged.emit()

    # -- state ------------------------------------------------------------------------
    def set_project(self, project: pj.Project | None, path: Path | None = None, *, dirty: bool = False) -> None:
        """Open a project (replacing the current one and clearing the undo history)."""
        self.project, self.path = project, path
        self.peaks = None
        self.undo.clear()
        self.undo.setClean()
        self._dirty_outside_undo = dirty
        self._invalidate()
        self.peaksChanged.emit()
        self.changed.emit()
        self.fileChanged.emit()

    def _set(self, project: pj.Project) -> None:
        self.project = project
        self._invalidate()
        self.changed.emit()

    def _invalidate(self) -> None:
        self._sheet = None
        self._edited = None

    def set_peaks(self, peaks: Peaks | None) -> None:
        self.peaks = peaks
        self.peaksChanged.emit()

    @property
    def modified(self) -> bool:
        return self._dirty_outside_undo or not self.undo.isClean()

    def mark_saved(self, path: Path) -> None:
        self.path = path
        self._dirty_outside_undo = False
        self.undo.setClean()
        self.fileChanged.emit()

    def _touch(self, project: pj.Project) -> None:
        """A change that is not an edit (settings, analysis): saved with the project, not undoable."""
        self._dirty_outside_undo = True
        self._set(project)
        self.fileChanged.emit()

    # -- derived ----------------------------------------------------------------------
    def edited(self) -> Analysis | None:
        """The analysis with the user's edits applied (cached until the next change)."""
        if self._edited is None and self.project is not None and self.project.analysis is not None:
            self._edited = self.project.edited()
        return self._edited

    def sheet(self) -> ExposureSheet | None:
        """The exposure sheet of the edited analysis (cached until the next change)."""
        if self._sheet is None:
            edited = self.edited()
            if edited is not None:
                self._sheet = ExposureSheet(edited, self.project.fps, self.project.sheet_options)
        return self._sheet

    @property
    def fps(self) -> FrameRate | None:
        return None if self.project is None else self.project.fps

    # -- changes ----------------------------------------------------------------------
    def apply_edit(self, edit: pj.Edit, text: str) -> None:
        """Push a user edit onto the undo stack (which applies it)."""
        if self.project is None:
            return
        self.undo.push(EditCommand(self, edit, text))

    def set_analysis(self, analysis: Analysis, settings: AnalysisSettings) -> tuple[pj.Edit, ...]:
        """Take a new analysis; the edits stay. Returns the edits whose event is gone."""
        self._touch(self.project.with_analysis(analysis, settings))
        return self.project.unmatched_edits()

    def set_fps(self, fps: FrameRate) -> None:
        if self.project is not None and fps != self.project.fps:
            self._touch(self.project.replace(fps=fps))

    def set_lead(self, lead: int) -> None:
        if self.project is not None and lead != self.project.sheet_options.lead:
            self._touch(self.project.replace(sheet_options=replace(self.project.sheet_options, lead=int(lead))))

    def set_sheet_options(self, fields: dict) -> None:
        """Take the sheet's header and numbering (:class:`~syncsheet.sheet.SheetOptions` fields).

        Raises
        ------
        SyncsheetError
            For a start timecode that does not exist at the frame rate or that the audio would run
            past midnight from, or another impossible value; the project is unchanged.
        """
        if self.project is None:
            return
        options = replace(self.project.sheet_options, **fields)
        # reads the start timecode at the rate too (before an analysis, as for one frame)
        duration = self.project.analysis.duration if self.project.analysis is not None else 0.0
        check_timecode_room(duration, self.project.fps, options)
        if options != self.project.sheet_options:
            self._touch(self.project.replace(sheet_options=options))

    def set_checksum(self, digest: str) -> None:
        if self.project is not None and not self.project.audio_sha256:
            self.project = self.project.replace(audio_sha256=digest)

    def relocate(self, project: pj.Project) -> None:
        self._touch(project)
