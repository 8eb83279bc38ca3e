"""Marker editing for the main window: add, move, delete, rename, toggle downbeat.

Every change is a :class:`syncsheet.project.Edit` pushed on the undo stack
(:meth:`Document.apply_edit`), so it can be undone and survives re-analysis. Times snap to
frame starts.
"""

from __future__ import annotations

from PyQt6.QtWidgets import QMenu

from syncsheet import project as pj
from syncsheet import timebase as tb

from .markers import Marker
from .timeline import snap_to_frame

__all__ = ["EditingMixin"]


class EditingMixin:
    """Marker edits, for :class:`~syncsheet_ui.mainwindow.MainWindow`."""

    def _find_marker(self, layer: str, seconds: float) -> Marker | None:
        best, best_d = None, pj.MATCH_SECONDS
        for m in self.timeline.markers():
            if m.layer == layer and abs(m.time - seconds) <= best_d:
                best, best_d = m, abs(m.time - seconds)
        return best

    def _sheet_frame(self, seconds: float) -> str:
        """The frame number an event at *seconds* is marked on, as the sheet prints it (lead included)."""
        sheet = self.doc.sheet()
        if sheet is None:
            return str(self.frame_at(seconds) + 1)
        return str(sheet.number(min(sheet.frame_of(seconds), sheet.frames - 1)))

    def _marker_selected(self, marker: Marker | None) -> None:
        self.selected = marker
        self.timeline.select(marker)
        if marker is not None:
            text = f" {marker.text}" if marker.text and marker.layer == "cue" else ""
            self.statusBar().showMessage(f"{marker.kind}{text} on frame {self._sheet_frame(marker.time)}", 4000)

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
        self.doc.apply_edit(edit, f"{text} on frame {self._sheet_frame(t)}")
        self.selected = self._find_marker(edit.layer, t)
        self.timeline.select(self.selected)

    def move_marker(self, marker: Marker, new_time: float) -> None:
        if self.doc.project is None:
            return
        fps = self._fps()
        new_time = snap_to_frame(new_time, fps)
        edit = pj.Edit("move", marker.layer, marker.time, new_time=new_time)
        self.doc.apply_edit(edit, f"Move {marker.kind} to frame {self._sheet_frame(new_time)}")
        self.selected = self._find_marker(marker.layer, new_time)
        self.timeline.select(self.selected)

    def cue_typed(self, frame: int, text: str) -> None:
        """Text typed into the X-sheet's cue column: rename the frame's cue, clear it, or add one that
        marks on this frame (the lead taken into account)."""
        sheet = self.doc.sheet()
        if sheet is None or not 0 <= frame < sheet.frames:
            return
        cues = sheet.row(frame).cues
        number = sheet.number(frame)
        if cues:
            cue = cues[0]
            if not text:
                self.doc.apply_edit(pj.Edit("delete", "cue", cue.time), f"Delete cue on frame {number}")
            elif text != cue.text:
                self.doc.apply_edit(pj.Edit("rename", "cue", cue.time, label=text), f"Rename cue to {text}")
        elif text:
            t = tb.frame_start(frame + sheet.options.lead, sheet.fps)
            self.doc.apply_edit(pj.Edit("add", "cue", t, label=text, kind="marker"),
                                f"Add cue {text} on frame {number}")

    def nudge_selected(self, frames: int) -> None:
        """Move the selected marker by whole frames (it lands on a frame start)."""
        m = self.selected
        if m is None or self.doc.project is None:
            return
        fps = self._fps()
        here = tb.frame_of(snap_to_frame(m.time, fps), fps)
        self.move_marker(m, tb.frame_start(max(0, here + frames), fps))

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

    def bar_start_at_playhead(self) -> None:
        """Bars one beat off: re-analyse with a bar starting on the beat nearest the playhead."""
        self.bar_start_at(self.transport.position())

    def bar_start_at(self, seconds: float) -> None:
        """Re-analyse with a bar starting on the beat nearest *seconds*; the bars around it follow
        (a one-beat toggle would move one bar line, not the passage's)."""
        if self.doc.project is None or self.doc.project.analysis is None:
            return
        self.params.add_bar_start(seconds)

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
                menu.addAction("Bars start here", lambda t=marker.time: self.bar_start_at(t))
            menu.addAction(self.act_delete)
        else:
            for kind, title in (("cue", "Add cue here"), ("beat", "Add beat here"),
                                ("downbeat", "Add downbeat here"), ("onset", "Add accent here")):
                menu.addAction(title, lambda k=kind: self.add_marker(k, seconds))
        menu.popup(pos)
