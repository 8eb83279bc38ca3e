"""Marker formats at a rate timecode cannot count (12.5 fps): frames only, never an empty timecode."""

from __future__ import annotations

import io

import mido
import pytest

from syncsheet import exporters
from syncsheet.errors import TimecodeError
from syncsheet.exporters import _marks, edl, midi
from syncsheet.model import Analysis, Beat, Cue
from syncsheet.sheet import ExposureSheet


@pytest.fixture
def sheet():
    beats = [Beat(0.5 * i, i // 4 + 1, i % 4 + 1) for i in range(8)]
    a = Analysis(4.0, beats=beats, cues=[Cue(1.3, "impact", "CRASH")])
    return ExposureSheet(a, "25/2")


def test_marker_names_carry_the_frame_only(sheet):
    names = [_marks.name_of(sheet, m) for m in _marks.marks(sheet)]
    assert "CRASH - frame 17" in names
    assert all(not n.rstrip().endswith("-") for n in names)


def test_midi_is_written_without_an_smpte_offset(sheet):
    buf = io.BytesIO()
    midi.write(sheet, buf)
    mid = mido.MidiFile(file=io.BytesIO(buf.getvalue()))
    assert not any(m.type == "smpte_offset" for track in mid.tracks for m in track)
    texts = [m.text for track in mid.tracks for m in track if m.type in ("marker", "cue_marker")]
    assert "CRASH - frame 17" in texts


def test_an_edl_needs_timecode(sheet):
    with pytest.raises(TimecodeError, match="12.5|25/2"):
        edl.write(sheet, io.BytesIO())


@pytest.mark.parametrize("name", ["labels", "otio", "csv", "json", "xdts", "pdf"])
def test_other_formats_write(sheet, name):
    buf = io.BytesIO()
    exporters.get(name).write(sheet, buf)
    assert buf.getvalue()
