"""Colours, pens and fonts shared by the views (one place, so every view agrees)."""

from __future__ import annotations

from PyQt6.QtGui import QColor, QFont, QFontDatabase, QPalette
from PyQt6.QtWidgets import QApplication

#: Marker colours by what they mark (chosen to stay apart for the common colour-blindnesses:
#: orange vs. blue vs. magenta, each also told apart by line weight, style and lane).
COLORS = {
    "downbeat": "#ff6a3d",
    "beat": "#f2c14e",
    "onset": "#4cc9f0",
    "cue": "#f15bb5",
    "stop": "#ef476f",
    "restart": "#06d6a0",
    "playhead": "#ffffff",
    "selected": "#00ff9c",
    "wave": "#4f79a3",
    "wave_rms": "#9cc6ec",
    "wave_overview": "#4a6a88",
    "wave_rms_overview": "#7ea3c4",
    "region": "#ffffff",
    "background": "#1b1e23",
    "panel": "#24282e",
}

#: X-sheet (paper-like, light) colours.
SHEET = {
    "paper": "#fbfaf5",
    "paper_alt": "#f1efe6",
    "ink": "#1d1d1d",
    "faint": "#8a8a80",
    "rule": "#b9b6a8",
    "rule_heavy": "#5a584f",
    "downbeat": "#ffc9b5",
    "beat": "#fdeab8",
    "cue": "#f8c8e6",
    "stop": "#f4b6c2",
    "current": "#2f6fd6",
    "level": "#5b8db8",
}


def color(name: str, alpha: int = 255) -> QColor:
    c = QColor(COLORS.get(name) or SHEET[name])
    c.setAlpha(alpha)
    return c


def mono_font(point_size: float = 9.0) -> QFont:
    f = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    f.setPointSizeF(point_size)
    return f


def apply_dark_palette(app: QApplication) -> None:
    """A dark Fusion theme like the animation and audio tools the users work in all day."""
    app.setStyle("Fusion")
    p = QPalette()
    base, panel, text = QColor(COLORS["background"]), QColor(COLORS["panel"]), QColor("#e6e6e6")
    for role, col in (
        (QPalette.ColorRole.Window, panel),
        (QPalette.ColorRole.WindowText, text),
        (QPalette.ColorRole.Base, base),
        (QPalette.ColorRole.AlternateBase, panel),
        (QPalette.ColorRole.ToolTipBase, panel),
        (QPalette.ColorRole.ToolTipText, text),
        (QPalette.ColorRole.Text, text),
        (QPalette.ColorRole.Button, QColor("#2e333a")),
        (QPalette.ColorRole.ButtonText, text),
        (QPalette.ColorRole.Highlight, QColor("#2f6fd6")),
        (QPalette.ColorRole.HighlightedText, QColor("#ffffff")),
        (QPalette.ColorRole.PlaceholderText, QColor("#8a8f98")),
    ):
        p.setColor(role, col)
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor("#6b7079"))
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor("#6b7079"))
    app.setPalette(p)
