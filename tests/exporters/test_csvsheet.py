"""Per-frame CSV: one row per frame, the marks on their frames."""

from __future__ import annotations

import csv
import io

import pytest

from syncsheet.exporters import csvsheet
from syncsheet.sheet import ExposureSheet, SheetOptions
from tests.sheet_fixtures import make_analysis


@pytest.fixture(scope="module")
def rows():
    sheet = ExposureSheet(make_analysis(), "29.97df", SheetOptions(first_frame=0, start_timecode="00:59:59;00"))
    out = io.BytesIO()
    csvsheet.write(sheet, out)
    return sheet, list(csv.DictReader(io.StringIO(out.getvalue().decode("utf-8"))))


def test_one_row_per_frame(rows):
    sheet, table = rows
    assert len(table) == sheet.frames
    assert list(table[0]) == list(csvsheet.COLUMNS)
    assert [int(r["frame"]) for r in table] == list(range(sheet.frames))
    assert [int(r["number"]) for r in table] == list(range(sheet.frames)), "numbered from 0 when asked"
    assert [r["timecode"] for r in table] == [sheet.timecode(f) for f in range(sheet.frames)]
    assert table[0]["timecode"] == "00:59:59;00" and ";" in table[-1]["timecode"]
    assert [r["footage"] for r in table] == [sheet.footage(f) for f in range(sheet.frames)]


def test_marks_on_their_frames(rows):
    sheet, table = rows
    beats = {f: b for f, b in sheet.beat_at.items()}
    for f, r in enumerate(table):
        b = beats.get(f)
        assert (r["bar"], r["beat"]) == ((str(b.bar), str(b.beat)) if b else ("", ""))
        assert r["downbeat"] == ("1" if b and b.is_downbeat else "0")
        assert r["onset"] == (f"{sheet.onset_at[f]:.2f}" if f in sheet.onset_at else "")
        assert r["cue"] == "|".join(c.text for c in sheet.cues_at.get(f, ()))
        assert 0 <= int(r["level"]) <= 9 and int(r["level"]) == sheet.levels[f]
    assert sum(bool(r["cue"]) for r in table) == len(sheet.analysis.cues)
    assert sum(r["downbeat"] == "1" for r in table) == len(sheet.analysis.downbeats)
