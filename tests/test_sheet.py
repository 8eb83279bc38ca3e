"""The exposure sheet model: pages, tempo in frames per beat, the bar sheet."""

from __future__ import annotations

import pytest

from syncsheet import timebase as tb
from syncsheet.model import Analysis, Beat, TempoMap, TempoSegment
from syncsheet.sheet import ExposureSheet, SheetOptions, fpb_text
from tests.sheet_fixtures import SECTIONS, make_analysis


@pytest.fixture(scope="module")
def sheet() -> ExposureSheet:
    return ExposureSheet(make_analysis(), "24", SheetOptions(scene="12", cut="3"))


@pytest.mark.parametrize(("per_page", "first"), [(96, 80), (144, None), (7, 3), (1000, None)])
def test_pages_cover_every_frame_once(sheet, per_page, first):
    pages = sheet.pages(per_page, first)
    assert [f for page in pages for f in page] == list(range(sheet.frames))
    assert len(pages) == sheet.page_count(per_page, first)
    assert len(pages[0]) == min(first or per_page, sheet.frames)
    assert all(len(p) == per_page for p in pages[1:-1])


def test_pages_refuse_empty_pages(sheet):
    with pytest.raises(ValueError, match="at least one frame"):
        sheet.pages(0)


@pytest.mark.parametrize(("fpb", "text"), [(12.0, "12"), (18.0, "18"), (18.701298, "18.7"), (14.4, "14.4"),
                                            (11.98, "12"), (8.0, "8")])
def test_frames_per_beat_written_as_animators_do(fpb, text):
    assert fpb_text(fpb) == text


def test_tempo_changes_in_animators_notation(sheet):
    changes = sheet.tempo_changes()
    expected = [f"{per_bar}-{fpb_text(24 * 60 / bpm)}" for _, bpm, per_bar, _ in SECTIONS]
    assert [text for _, text, _ in changes] == expected == ["4-12", "3-18", "4-18.7"]
    assert [f for f, _, _ in changes][1:] == [tb.frame_of(start, sheet.fps) for start, *_ in SECTIONS[1:]]


def test_tempo_wobbles_shorter_than_a_bar_are_not_changes():
    beats = tuple(Beat(i * 0.5, i // 4 + 1, i % 4 + 1) for i in range(32))
    segs = (TempoSegment(0.0, 120.0, 4), TempoSegment(4.0, 123.0, 4), TempoSegment(4.5, 120.0, 4))
    s = ExposureSheet(Analysis(16.0, beats=beats, tempo=TempoMap(segs)), "24")
    assert [text for _, text, _ in s.tempo_changes()] == ["4-12"]


def test_bar_sheet_lists_each_bar_at_its_downbeat_frame(sheet):
    bs = sheet.bar_sheet()
    downbeats = sheet.analysis.downbeats
    assert [b.bar for b in bs.bars] == [d.bar for d in downbeats]
    assert [b.frame for b in bs.bars] == [sheet.frame_of(d.time) for d in downbeats]
    # the upbeat before bar 1 is not a bar; bars have their meter's beats
    assert [b.beats for b in bs.bars] == [per for _, _, per, bars in SECTIONS for _ in range(bars)]
    # a bar lasts until the next downbeat
    assert all(b.frames == n.frame - b.frame for b, n in zip(bs.bars, bs.bars[1:], strict=False))


def test_bar_sheet_sections(sheet):
    bs = sheet.bar_sheet()
    assert [s.notation for s in bs.sections] == ["4-12", "3-18", "4-18.7"]
    assert [s.label for s in bs.sections] == ["", "Bridge", ""]
    assert [len(bs.bars_in(s)) for s in bs.sections] == [bars for *_, bars in SECTIONS]
    assert bs.sections[0].frame == 0 and bs.sections[-1].end == sheet.frames
    assert all(a.end == b.frame for a, b in zip(bs.sections, bs.sections[1:], strict=False))


def test_tempo_map_derived_from_beats_when_missing():
    beats = tuple(Beat(i * 0.5, i // 2 + 1, i % 2 + 1) for i in range(16))
    s = ExposureSheet(Analysis(8.0, beats=beats), "24")
    assert [text for _, text, _ in s.tempo_changes()] == ["2-12"]
    assert s.tempo_at(100).bpm == pytest.approx(120)


def test_no_beats_gives_an_empty_bar_sheet():
    s = ExposureSheet(Analysis(2.0), "24")
    assert s.tempo_at(10) is None
    assert s.bar_sheet().bars == () and s.bar_sheet().sections == ()


def test_lead_moves_marks_earlier(sheet):
    led = ExposureSheet(sheet.analysis, "24", SheetOptions(lead=2))
    assert [b.frame for b in led.bar_sheet().bars] == [b.frame - 2 for b in sheet.bar_sheet().bars]


def test_header_fields_are_one_line_in_every_format():
    # a title pasted with a newline or a tab printed a box on the PDF sheet
    opts = SheetOptions(production="Le voyage\r\n  part 2\t(final)", scene="4\x00 2", cut=None)
    assert (opts.production, opts.scene, opts.cut) == ("Le voyage part 2 (final)", "4 2", "")
    assert SheetOptions(production="映画のタイトル  x").production == "映画のタイトル x"
