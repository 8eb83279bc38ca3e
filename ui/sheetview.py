"""The X-sheet as a table: one row per frame, built on demand from ``ExposureSheet.row``.

The model holds no rows: Qt asks only for the rows on screen, so a two-hour reel (172,800 rows
at 24 fps) opens as fast as a commercial. Rows have a fixed height (no per-row measuring). Rules
are drawn like a paper sheet: a light rule every 8 frames (half a foot), a heavy one every foot
(16 frames), beats and downbeats tinted, accents marked X, the level as a bar.
"""

from __future__ import annotations

from functools import lru_cache

from PyQt6.QtCore import QAbstractTableModel, QModelIndex, QRect, Qt, pyqtSignal
from PyQt6.QtGui import QBrush, QColor, QFont, QPainter, QPen
from PyQt6.QtWidgets import QAbstractItemView, QHeaderView, QStyle, QStyledItemDelegate, QTableView, QWidget

from syncsheet import timebase as tb
from syncsheet.sheet import ExposureSheet, Row

from .style import SHEET, mono_font

__all__ = ["SheetModel", "SheetView", "COLUMNS"]

#: Columns: key, header, width in pixels.
COLUMNS = (
    ("frame", "Frame", 52),
    ("beat", "Beat", 52),
    ("accent", "Acc", 34),
    ("cue", "Cue / action", 132),
    ("level", "Level", 62),
    ("timecode", "Timecode", 96),
    ("footage", "Feet", 56),
)
_KEYS = [c[0] for c in COLUMNS]
LevelRole = Qt.ItemDataRole.UserRole + 1


class SheetModel(QAbstractTableModel):
    """A virtual table model over an :class:`ExposureSheet`.

    Signals
    -------
    cueTyped(frame, text)
        The user typed in the cue column of a frame (empty text: clear it).
    """

    cueTyped = pyqtSignal(int, str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.sheet: ExposureSheet | None = None
        self._font = mono_font(9.5)
        self._bold = QFont(self._font)
        self._bold.setBold(True)
        self._row = lru_cache(maxsize=512)(self._build_row)
        self._holds: list[tuple[int, int]] = []

    def set_sheet(self, sheet: ExposureSheet | None) -> None:
        self.beginResetModel()
        self.sheet = sheet
        self._row.cache_clear()
        # frames inside a music stop (from the stop to its end), drawn as a hold line like on paper
        spans = []
        if sheet is not None:
            for c in sheet.analysis.cues:
                if c.end is not None and c.end > c.time:
                    spans.append((sheet.frame_of(c.time), sheet.frame_of(c.end)))
        self._holds = sorted(spans)
        self.endResetModel()

    def in_hold(self, frame: int) -> bool:
        """True for frames after the start of a lasting cue (a stop) and before its end."""
        return any(a < frame < b for a, b in self._holds)

    def _build_row(self, frame: int) -> Row:
        return self.sheet.row(frame)

    def row(self, frame: int) -> Row:
        return self._row(frame)

    def rowCount(self, parent=QModelIndex()):  # noqa: B008 (Qt API)
        return 0 if parent.isValid() or self.sheet is None else self.sheet.frames

    def columnCount(self, parent=QModelIndex()):  # noqa: B008 (Qt API)
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][1]
        return None

    def flags(self, index):
        base = super().flags(index)
        if index.isValid() and _KEYS[index.column()] == "cue":
            return base | Qt.ItemFlag.ItemIsEditable  # type a cue straight onto its frame
        return base

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole):
        """Typing in the cue column asks the window for an edit (the model itself never changes:
        the sheet is rebuilt from the project once the edit is applied)."""
        if not index.isValid() or role != Qt.ItemDataRole.EditRole or _KEYS[index.column()] != "cue":
            return False
        self.cueTyped.emit(index.row(), str(value).strip())
        return True

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or self.sheet is None:
            return None
        row = self.row(index.row())
        key = _KEYS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, key)
        if role == Qt.ItemDataRole.EditRole:
            return "  ".join(c.text for c in row.cues) if key == "cue" else self._text(row, key)
        if role == LevelRole:
            return row.level
        if role == Qt.ItemDataRole.BackgroundRole:
            return self._background(row, key)
        if role == Qt.ItemDataRole.ForegroundRole:
            if key in ("timecode", "footage") or (key == "frame" and row.beat is None):
                return QBrush(QColor(SHEET["faint"] if key != "frame" else SHEET["ink"]))
            return QBrush(QColor(SHEET["ink"]))
        if role == Qt.ItemDataRole.FontRole:
            bold = (key == "beat" and row.beat is not None and row.beat.is_downbeat) or (key == "cue" and row.cues) \
                or (key == "footage" and row.frame % _per_foot(self.sheet) == 0)
            return self._bold if bold else self._font
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if key == "cue" and row.cues:
                return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row)
        return None

    def _text(self, row: Row, key: str) -> str:
        if key == "frame":
            return str(row.number)
        if key == "timecode":
            return row.timecode
        if key == "footage":
            return row.footage if row.frame % _per_foot(self.sheet) == 0 else ""
        if key == "beat":
            b = row.beat
            if b is None:
                return ""
            return f"{b.bar}:{b.beat}" if b.is_downbeat else f"·{b.beat}"
        if key == "accent":
            return "" if not row.onset else ("X" if row.onset >= 0.5 else "x")
        if key == "cue":
            if not row.cues and self.in_hold(row.frame):
                return "│"
            return "  ".join(c.text for c in row.cues)
        return ""

    def _background(self, row: Row, key: str):
        if key == "cue" and row.cues:
            kinds = {c.kind for c in row.cues}
            return QBrush(QColor(SHEET["stop"] if kinds & {"stop", "restart"} else SHEET["cue"]))
        if key == "cue" and self.in_hold(row.frame):
            return QBrush(QColor(SHEET["stop"]).lighter(112))
        if row.beat is not None and key in ("beat", "frame"):
            return QBrush(QColor(SHEET["downbeat"] if row.beat.is_downbeat else SHEET["beat"]))
        # alternate feet like the shaded bands on a paper sheet
        shade = (row.frame // _per_foot(self.sheet)) % 2
        return QBrush(QColor(SHEET["paper_alt"] if shade else SHEET["paper"]))

    def _tooltip(self, row: Row) -> str:
        parts = [f"frame {row.number}", row.timecode, f"feet {row.footage}", f"bar {self.sheet.bar_beat(row.frame)}"]
        if row.onset:
            parts.append(f"accent {row.onset:.2f}")
        parts += [c.text for c in row.cues]
        parts.append(f"level {row.level} ({row.level_db:.1f} dBFS)")
        return " · ".join(parts)


def _per_foot(sheet: ExposureSheet) -> int:
    return tb.FRAMES_PER_FOOT[sheet.options.gauge]


class _SheetDelegate(QStyledItemDelegate):
    """Paper rules every 8 and 16 frames, and the level drawn as a bar."""

    def paint(self, painter: QPainter, option, index) -> None:
        model: SheetModel = index.model()
        key = _KEYS[index.column()]
        if key == "level":
            self._paint_level(painter, option, index)
        else:
            super().paint(painter, option, index)
        frame = index.row() + 1
        per = _per_foot(model.sheet) if model.sheet else 16
        r: QRect = option.rect
        if frame % per == 0:
            painter.setPen(QPen(QColor(SHEET["rule_heavy"]), 2))
            painter.drawLine(r.left(), r.bottom(), r.right(), r.bottom())
        elif frame % (per // 2) == 0:
            painter.setPen(QPen(QColor(SHEET["rule"]), 1))
            painter.drawLine(r.left(), r.bottom(), r.right(), r.bottom())
        painter.setPen(QPen(QColor(SHEET["rule"]), 1))
        painter.drawLine(r.right(), r.top(), r.right(), r.bottom())

    def _paint_level(self, painter: QPainter, option, index) -> None:
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        bg = option.palette.highlight() if selected else index.data(Qt.ItemDataRole.BackgroundRole)
        painter.fillRect(option.rect, bg)
        level = index.data(LevelRole) or 0
        r = option.rect.adjusted(4, 4, -4, -4)
        w = int(r.width() * level / 9)
        if w > 0:
            painter.fillRect(QRect(r.left(), r.top(), w, r.height()), QColor(SHEET["level"]))


class SheetView(QTableView):
    """The X-sheet table; selecting a row asks for the playhead, the playhead selects the row.

    Signals
    -------
    frameActivated(frame)
        The user selected a row (click, arrow keys, page keys).
    """

    frameActivated = pyqtSignal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model_ = SheetModel(self)
        self.setModel(self.model_)
        self.setItemDelegate(_SheetDelegate(self))
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setCornerButtonEnabled(False)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        # double-click a cue cell to type; single keys stay the window's shortcuts
        self.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked)
        vh = self.verticalHeader()
        vh.setVisible(False)
        vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # no per-row sizing: 2 h costs nothing
        vh.setDefaultSectionSize(20)
        hh = self.horizontalHeader()
        hh.setHighlightSections(False)
        for i, (_k, _h, width) in enumerate(COLUMNS):
            hh.resizeSection(i, width)
        hh.setSectionResizeMode(_KEYS.index("cue"), QHeaderView.ResizeMode.Stretch)
        pal = self.palette()
        pal.setColor(pal.ColorRole.Base, QColor(SHEET["paper"]))
        pal.setColor(pal.ColorRole.Text, QColor(SHEET["ink"]))
        pal.setColor(pal.ColorRole.Highlight, QColor(SHEET["current"]))
        pal.setColor(pal.ColorRole.HighlightedText, QColor("#ffffff"))
        self.setPalette(pal)
        self._syncing = False
        self.selectionModel().currentRowChanged.connect(self._current_changed)

    def set_sheet(self, sheet: ExposureSheet | None) -> None:
        current = self.currentIndex().row()
        self._syncing = True
        self.model_.set_sheet(sheet)
        if sheet is not None and current >= 0:
            self._select(min(current, sheet.frames - 1), QAbstractItemView.ScrollHint.EnsureVisible)
        self._syncing = False

    def show_frame(self, frame: int, center: bool = False) -> None:
        """Select the row of *frame* (from the playhead) without echoing it back."""
        if self.model_.sheet is None or not 0 <= frame < self.model_.rowCount():
            return
        if self.currentIndex().row() == frame:
            return
        self._syncing = True
        idx = self.model_.index(frame, 0)
        visible = self.viewport().rect().contains(self.visualRect(idx))
        # a row off screen comes to the middle (context above and below), a visible one stays put
        hint = QAbstractItemView.ScrollHint.PositionAtCenter if center or not visible \
            else QAbstractItemView.ScrollHint.EnsureVisible
        self._select(frame, hint)
        self._syncing = False

    def _select(self, frame: int, hint) -> None:
        idx = self.model_.index(frame, 0)
        sm = self.selectionModel()
        sm.setCurrentIndex(idx, sm.SelectionFlag.ClearAndSelect | sm.SelectionFlag.Rows)
        self.scrollTo(idx, hint)

    def current_frame(self) -> int:
        return self.currentIndex().row()

    def _current_changed(self, current, _previous) -> None:
        if not self._syncing and current.isValid():
            self.frameActivated.emit(current.row())
