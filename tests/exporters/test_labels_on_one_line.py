"""A cue's label with a newline or a tab (from a project, a marker file, a paste) prints on one line."""

from __future__ import annotations

import pytest

from syncsheet import exporters
from syncsheet.model import Analysis, Beat, Cue
from syncsheet.sheet import ExposureSheet

LABEL = "door\tslam\r\nthen glass"


@pytest.fixture
def sheet():
    beats = [Beat(0.5 * i, i // 4 + 1, i % 4 + 1) for i in range(8)]
    return ExposureSheet(Analysis(4.0, beats=beats, cues=[Cue(1.3, "marker", LABEL)]), "24")


def test_the_label_reads_as_one_line():
    assert Cue(1.0, "marker", LABEL).text == "door slam then glass"
    assert Cue(1.0, "impact", "\n\t").text == "IMPACT"


@pytest.mark.parametrize("name", ["json", "xdts", "midi", "labels", "edl", "otio"])
def test_each_format_writes_it_on_one_line_and_reads_it_back(tmp_path, sheet, name):
    mod = exporters.get(name)
    path = exporters.write_file(sheet, tmp_path / exporters.default_name(mod, "x"), name)
    labels = [c.text for c in exporters.read_file(path).cues]
    assert "door slam then glass" in labels
    # a DAW shows the marker's name whole: no newline split it from its frame
    if name in ("midi", "labels", "edl", "otio"):
        assert not any("frame" in t for t in labels)


def test_the_csv_row_holds_it_on_one_line(tmp_path, sheet):
    text = exporters.write_file(sheet, tmp_path / "x.csv", "csv").read_text()
    assert "door slam then glass" in text and "\t" not in text
