"""Small panels of the main window: the frame / timecode / bar readout and the marker legend."""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QColor, QPainter, QPen, QPixmap
from PyQt6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from .markers import STYLES
from .style import COLORS, mono_font

__all__ = ["Readout", "Legend", "heading", "clock_text"]

_LEGEND = (
    ("downbeat", "Downbeat (bar number)"),
    ("beat", "Beat"),
    ("onset", "Accent / onset"),
    ("cue", "Cue / sound effect"),
    ("stop", "Music stop"),
    ("restart", "Music restarts"),
)
_FIELDS = (("frame", "FRAME"), ("timecode", "TIMECODE"), ("bar", "BAR:BEAT"), ("feet", "FEET"), ("tempo", "TEMPO"))


class Readout(QFrame):
    """Where the playhead is, large enough to read across the room: frame, timecode, bar:beat,
    feet and tempo, with the play button. ``values[key]`` are the value labels."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("readout")
        self.setStyleSheet(f"#readout {{ background: {COLORS['background']}; border-bottom: 1px solid #3a3f47; }}"
                           "QLabel { color: #e8e8e8; }")
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 4, 10, 4)
        self.values: dict[str, QLabel] = {}
        big = mono_font(15)
        big.setBold(True)
        small = mono_font(9)
        for key, title in _FIELDS:
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
            self.values[key] = val
        self.values["frame"].setStyleSheet(f"color: {COLORS['selected']};")
        row.addStretch(1)
        self.play_button = QPushButton("▶  Play")
        self.play_button.setMinimumWidth(90)
        row.addWidget(self.play_button)


class Legend(QWidget):
    """What each marker looks like, drawn with the timeline's own pens."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
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


def heading(text: str) -> QLabel:
    """A small grey capital heading for a group of the side panel."""
    label = QLabel(text.upper())
    font = label.font()
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * 0.9)
    label.setFont(font)
    label.setStyleSheet("color: #8a9099; padding-top: 4px;")
    return label


def clock_text(seconds: float) -> str:
    """A duration as ``m:ss`` or ``h:mm:ss``."""
    m, s = divmod(int(round(seconds)), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
