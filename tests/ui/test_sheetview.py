"""The X-sheet model is virtual: a two-hour reel is as cheap as a short."""

import time

import numpy as np
from syncsheet_ui.sheetview import COLUMNS, SheetView

from syncsheet.model import Analysis, Beat, Cue, Levels
from syncsheet.sheet import ExposureSheet
from syncsheet.timebase import parse_rate


def test_two_hour_reel_costs_nothing(qtbot):
    hours = 2 * 3600.0
    beats = [Beat(0.5 * i, i // 4 + 1, i % 4 + 1) for i in range(int(hours / 0.5))]
    a = Analysis(hours, 48000, beats=beats, cues=[Cue(3600.0, "impact", "BANG")],
                 levels=Levels(0.01, np.full(int(hours / 0.01), -20.0, np.float32)))
    sheet = ExposureSheet(a, parse_rate("24"))
    view = SheetView()
    qtbot.addWidget(view)
    view.resize(500, 800)
    view.show()
    start = time.perf_counter()
    view.set_sheet(sheet)
    view.show_frame(sheet.frames - 1)
    qtbot.wait(10)
    took = time.perf_counter() - start
    model = view.model()
    assert model.rowCount() == sheet.frames == 172_800
    assert took < 2.0  # building rows for all 172,800 frames would take far longer
    keys = [c[0] for c in COLUMNS]
    assert model.data(model.index(86_400, keys.index("cue"))) == "BANG"
    assert model.data(model.index(86_400, keys.index("timecode"))) == "01:00:00:00"
    assert model.data(model.index(sheet.frames - 1, keys.index("frame"))) == str(sheet.frames)
    assert model._row.cache_info().currsize <= 512  # only rows asked for were built, and few are kept
