"""Every question the window asks the user, in one object (tests replace its methods)."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from PyQt6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QWidget

from syncsheet import audio
from syncsheet import project as pj

__all__ = ["Dialogs", "audio_filter", "open_filter"]


def audio_filter() -> str:
    return "Audio files (" + " ".join(f"*{s}" for s in audio.SUFFIXES) + ")"


def open_filter() -> str:
    pats = " ".join([f"*{pj.SUFFIX}"] + [f"*{s}" for s in audio.SUFFIXES])
    return f"Projects and audio ({pats});;Projects (*{pj.SUFFIX});;{audio_filter()};;All files (*)"


class Dialogs:
    """Modal questions; each returns None (or False) when the user cancels."""

    def __init__(self, parent: QWidget) -> None:
        self.parent = parent

    def open_path(self, start: str = "") -> str | None:
        path, _ = QFileDialog.getOpenFileName(self.parent, "Open audio or project", start, open_filter())
        return path or None

    def save_project_path(self, suggested: str) -> str | None:
        path, _ = QFileDialog.getSaveFileName(self.parent, "Save project", suggested,
                                              f"syncsheet projects (*{pj.SUFFIX})")
        if path and not path.lower().endswith(pj.SUFFIX):
            path += pj.SUFFIX
        return path or None

    def export_path(self, mod: ModuleType, suggested: str) -> str | None:
        pats = " ".join(f"*{s}" for s in mod.SUFFIXES)
        path, _ = QFileDialog.getSaveFileName(self.parent, f"Export {mod.DESCRIPTION}", suggested,
                                              f"{mod.DESCRIPTION} ({pats})")
        if path and not any(path.lower().endswith(s) for s in mod.SUFFIXES):
            path += getattr(mod, "DEFAULT_SUFFIX", mod.SUFFIXES[0])
        return path or None

    def export_folder(self, start: str = "") -> str | None:
        return QFileDialog.getExistingDirectory(self.parent, "Export every format into a folder", start) or None

    def locate_audio(self, missing: str, start: str = "") -> str | None:
        QMessageBox.information(self.parent, "Audio file not found",
                                f"The project's audio file is not where it was:\n{missing}\n\n"
                                "Please show where it is now.")
        path, _ = QFileDialog.getOpenFileName(self.parent, f"Where is {Path(missing).name}?", start, audio_filter())
        return path or None

    def confirm(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(self.parent, title, text)
        return answer == QMessageBox.StandardButton.Yes

    def save_changes(self, name: str) -> str:
        """``save``, ``discard`` or ``cancel``."""
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.question(self.parent, "Unsaved changes", f"Save the changes to {name}?",
                                      buttons.Save | buttons.Discard | buttons.Cancel, buttons.Save)
        return {buttons.Save: "save", buttons.Discard: "discard"}.get(answer, "cancel")

    def error(self, title: str, text: str) -> None:
        QMessageBox.warning(self.parent, title, text)

    def text(self, title: str, label: str, value: str) -> str | None:
        text, ok = QInputDialog.getText(self.parent, title, label, text=value)
        return text if ok else None
