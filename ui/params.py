"""The parameters panel: frame rate, lead and the sheet's header (production, scene, cut, start
timecode, first frame number, gauge: applied at once, no re-analysis needed) and the analysis
settings (BPM range, beat level and phase, meter, bar starts, sensitivity) that re-analyse when
applied."""

from __future__ import annotations

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSlider,
    QSpinBox,
    QWidget,
)

from syncsheet import timebase as tb
from syncsheet.analysis import AnalysisSettings
from syncsheet.errors import SyncsheetError
from syncsheet.sheet import SheetOptions

_TIP_STARTS = 20  # bar starts listed in the tooltip; a screen holds about that many lines

__all__ = ["ParamsPanel"]

#: The range the half/double buttons set: the new tempo ×/÷ this (wide enough for a tempo that moves).
_LEVEL_RANGE = 1.3


class ParamsPanel(QWidget):
    """Signals: ``fpsChanged(FrameRate)``, ``leadChanged(int)``, ``sheetChanged(dict)`` (the header
    fields shown, as :class:`~syncsheet.sheet.SheetOptions` fields), ``analyseRequested(AnalysisSettings)``,
    ``invalid(message)``."""

    fpsChanged = pyqtSignal(object)
    leadChanged = pyqtSignal(int)
    sheetChanged = pyqtSignal(dict)
    analyseRequested = pyqtSignal(object)
    invalid = pyqtSignal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.fps = QComboBox()
        for rate in tb.STANDARD_RATES:
            self.fps.addItem(f"{rate.name} fps", rate.name)  # names: QVariant cannot compare Python objects
        self.fps.setToolTip("Frame rate of the sheet, ruler and timecode (no re-analysis needed)")
        self.lead = QSpinBox()
        self.lead.setRange(0, 48)
        self.lead.setSuffix(" frames")
        self.lead.setToolTip("Mark every event this many frames early, so the picture reads on the sound")
        # the printed sheet's header and numbering: applied when a field is left (no re-analysis)
        self.production, self.scene, self.cut = QLineEdit(), QLineEdit(), QLineEdit()
        self.production.setPlaceholderText("production title")
        self.scene.setPlaceholderText("scene")
        self.cut.setPlaceholderText("cut")
        self.start_tc = QLineEdit()
        self.start_tc.setPlaceholderText("00:00:00:00")
        self.start_tc.setToolTip("Timecode of the first frame (a Broadcast WAV, or a file with LTC on a channel,\n"
                                 "starts at its own);\n"
                                 "empty starts at 00:00:00:00")
        self.first_frame = QComboBox()
        self.first_frame.addItem("1", 1)
        self.first_frame.addItem("0", 0)
        self.first_frame.setToolTip("Number printed on the first row of the sheet")
        self.gauge = QComboBox()
        for g in tb.FRAMES_PER_FOOT:  # the gauges the sheet counts feet in
            self.gauge.addItem(g, g)
        self.gauge.setToolTip("Film gauge the footage column counts in (16 or 40 frames a foot)")
        shot = QHBoxLayout()
        shot.addWidget(self.scene)
        shot.addWidget(self.cut)
        numbering = QHBoxLayout()
        numbering.addWidget(self.start_tc, 1)
        numbering.addWidget(QLabel("first"))
        numbering.addWidget(self.first_frame)
        numbering.addWidget(self.gauge)
        self.bpm_min = QDoubleSpinBox()
        self.bpm_max = QDoubleSpinBox()
        for box in (self.bpm_min, self.bpm_max):
            box.setRange(10, 400)
            box.setDecimals(0)
            box.setSuffix(" BPM")
            box.setToolTip("Tempo range of the notated beat: beats found at twice, half or another simple\n"
                           "ratio of a tempo in it are folded to it on re-analysis")
        bpm = QHBoxLayout()
        bpm.addWidget(self.bpm_min)
        bpm.addWidget(QLabel("to"))
        bpm.addWidget(self.bpm_max)
        # the beat tracker can count the notated beat twice or half as fast: one click re-analyses
        # with the range around the other level, which folds the beats to it
        self.half_tempo = QPushButton("½ tempo")
        self.half_tempo.setToolTip("The beats come twice as fast as the music's beat: re-analyse with the\n"
                                   "tempo range around half the current tempo")
        self.double_tempo = QPushButton("2× tempo")
        self.double_tempo.setToolTip("The beats come half as fast as the music's beat: re-analyse with the\n"
                                     "tempo range around twice the current tempo")
        level = QHBoxLayout()
        level.addWidget(self.half_tempo)
        level.addWidget(self.double_tempo)
        # the tracker can sit on the off-beats at the right tempo (off-beat chords, a loud backbeat):
        # a listener hears it at once, so one click moves every beat half a beat and re-analyses
        self.offbeat = QPushButton("Shift ½ beat")
        self.offbeat.setCheckable(True)
        self.offbeat.setToolTip("The beats fall between the music's beats: re-analyse with every beat moved\n"
                                "half a beat (click again to move them back)")
        # bars one beat off: the user puts the playhead on a bar's first beat (Analysis menu, Ctrl+B)
        # and the bars around it move to start there; kept with the settings, cleared here
        self._bar_starts: tuple[float, ...] = ()
        self.bar_starts_label = QLabel()
        self.clear_bar_starts = QPushButton("Clear")
        self.clear_bar_starts.setToolTip("Let the analysis place every bar line again")
        starts = QHBoxLayout()
        starts.addWidget(self.bar_starts_label, 1)
        starts.addWidget(self.clear_bar_starts)
        self._tempo: float | None = None
        self.set_tempo(None)
        self.meter = QComboBox()
        self.meter.addItem("Detect", None)
        for n in range(2, 13):
            self.meter.addItem(f"{n} beats a bar", n)
        self.sensitivity = QSlider(Qt.Orientation.Horizontal)
        self.sensitivity.setRange(0, 100)
        self.sensitivity_label = QLabel()
        self.sensitivity_label.setMinimumWidth(32)
        self.sensitivity.valueChanged.connect(lambda v: self.sensitivity_label.setText(f"{v / 100:.2f}"))
        sens = QHBoxLayout()
        sens.addWidget(self.sensitivity)
        sens.addWidget(self.sensitivity_label)
        self.apply = QPushButton("Re-analyse")
        self.apply.setToolTip("Analyse again with these settings; your edits are kept and re-applied")
        form.addRow("Frame rate", self.fps)
        form.addRow("Lead", self.lead)
        form.addRow("Production", self.production)
        form.addRow("Scene / cut", shot)
        form.addRow("Start TC", numbering)
        form.addRow("Tempo range", bpm)
        form.addRow("Beat level", level)
        form.addRow("Beat phase", self.offbeat)
        form.addRow("Meter", self.meter)
        form.addRow("Bar starts", starts)
        form.addRow("Sensitivity", sens)
        form.addRow("", self.apply)
        self._loading = False
        self.fps.currentIndexChanged.connect(self._fps_changed)
        self.lead.valueChanged.connect(lambda v: None if self._loading else self.leadChanged.emit(int(v)))
        for box in (self.production, self.scene, self.cut, self.start_tc):
            box.editingFinished.connect(self._sheet_changed)
        for combo in (self.first_frame, self.gauge):
            combo.currentIndexChanged.connect(self._sheet_changed)
        self.apply.clicked.connect(self.request)
        self.half_tempo.clicked.connect(lambda: self.refold(0.5))
        self.double_tempo.clicked.connect(lambda: self.refold(2.0))
        self.offbeat.clicked.connect(self.request)
        self.clear_bar_starts.clicked.connect(lambda: self.set_bar_starts(()))
        self.load(tb.parse_rate("24"), 0, AnalysisSettings())

    def load(self, fps: tb.FrameRate, lead: int, settings: AnalysisSettings,
             options: SheetOptions | None = None) -> None:
        """Show a project's values (emits nothing)."""
        self.show_sheet(options or SheetOptions())
        self._loading = True
        i = self.fps.findData(fps.name)
        if i < 0:
            self.fps.addItem(f"{fps.name} fps", fps.name)
            i = self.fps.count() - 1
        self.fps.setCurrentIndex(i)
        self.lead.setValue(lead)
        self.bpm_min.setValue(settings.bpm_min)
        self.bpm_max.setValue(settings.bpm_max)
        self.meter.setCurrentIndex(max(0, self.meter.findData(settings.beats_per_bar)))
        self.sensitivity.setValue(round(settings.sensitivity * 100))
        self.sensitivity_label.setText(f"{settings.sensitivity:.2f}")
        self.sync_fixes(settings)
        self._loading = False

    def sync_fixes(self, settings: AnalysisSettings) -> None:
        """Show the one-click fixes (off-beat, bar starts) of *settings*: those the beats shown were
        made with, after a re-analysis that was cancelled or failed."""
        self.offbeat.setChecked(settings.offbeat)
        self._show_bar_starts(settings.bar_starts)

    def _show_bar_starts(self, times: tuple[float, ...]) -> None:
        self._bar_starts = tuple(times)
        if not times:
            self.bar_starts_label.setText("from the music")
        else:
            shown = ", ".join(f"{t:.2f} s" for t in times[:3]) + (" …" if len(times) > 3 else "")
            self.bar_starts_label.setText(shown)
        listed = [f"{t:.3f} s" for t in times[:_TIP_STARTS]]  # a reel's project may hold thousands
        if len(times) > _TIP_STARTS:
            listed.append(f"… and {len(times) - _TIP_STARTS} more")
        self.bar_starts_label.setToolTip("\n".join(listed) or
                                         "Put the playhead on a bar's first beat and use\n"
                                         "Analysis → Bar starts at playhead (Ctrl+B)")
        self.clear_bar_starts.setEnabled(bool(times))

    def set_bar_starts(self, times: tuple[float, ...]) -> None:
        """Re-analyse with bars starting at *times* (seconds; empty: placed by the analysis)."""
        self._show_bar_starts(tuple(sorted(times)))
        self.request()

    def add_bar_start(self, seconds: float, replace_within: float = 0.25) -> None:
        """Re-analyse with a bar starting on the beat nearest *seconds*; a start already set within
        *replace_within* seconds of it is replaced, not kept beside it."""
        kept = tuple(t for t in self._bar_starts if abs(t - seconds) > replace_within)
        self.set_bar_starts((*kept, max(0.0, float(seconds))))

    def settings(self) -> AnalysisSettings:
        """The analysis settings shown (raises AnalysisError naming a bad value)."""
        return AnalysisSettings(self.bpm_min.value(), self.bpm_max.value(), self.meter.currentData(),
                                self.sensitivity.value() / 100, self.offbeat.isChecked(), self._bar_starts)

    def set_tempo(self, bpm: float | None) -> None:
        """The analysed tempo (BPM), which the half/double buttons start from; None disables them."""
        self._tempo = bpm
        for button in (self.half_tempo, self.double_tempo, self.offbeat):
            button.setEnabled(bpm is not None)

    def refold(self, factor: float) -> None:
        """Set the tempo range around *factor* times the analysed tempo and re-analyse."""
        if self._tempo is None:
            return
        target = self._tempo * factor
        self.bpm_min.setValue(max(self.bpm_min.minimum(), round(target / _LEVEL_RANGE)))
        self.bpm_max.setValue(min(self.bpm_max.maximum(), round(target * _LEVEL_RANGE)))
        self.request()

    def request(self) -> None:
        try:
            settings = self.settings()
        except SyncsheetError as exc:
            self.invalid.emit(str(exc))
            return
        self.analyseRequested.emit(settings)

    def show_sheet(self, options: SheetOptions) -> None:
        """Show a sheet's header and numbering (emits nothing; the analysis settings shown stay)."""
        loading, self._loading = self._loading, True
        self.production.setText(options.production)
        self.scene.setText(options.scene)
        self.cut.setText(options.cut)
        self.start_tc.setText(options.start_timecode or "")
        self.first_frame.setCurrentIndex(max(0, self.first_frame.findData(options.first_frame)))
        self.gauge.setCurrentIndex(max(0, self.gauge.findData(options.gauge)))
        self._loading = loading

    def sheet_fields(self) -> dict:
        """The header fields shown, as :class:`~syncsheet.sheet.SheetOptions` fields."""
        return {"production": self.production.text(), "scene": self.scene.text(), "cut": self.cut.text(),
                "start_timecode": self.start_tc.text().strip() or None,
                "first_frame": self.first_frame.currentData(), "gauge": self.gauge.currentData()}

    def _sheet_changed(self, *_args) -> None:
        if not self._loading:
            self.sheetChanged.emit(self.sheet_fields())

    def _fps_changed(self, _i: int) -> None:
        if not self._loading:
            self.fpsChanged.emit(tb.parse_rate(self.fps.currentData()))
