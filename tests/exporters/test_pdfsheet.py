"""PDF X-sheets, read back with poppler's pdftotext: every mark on its frame, pages as the conventions say."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from syncsheet.errors import FormatError
from syncsheet.exporters import pdfsheet, write_file
from syncsheet.model import Cue
from syncsheet.sheet import ExposureSheet, SheetOptions
from tests.sheet_fixtures import make_analysis, pdf_text, pdf_words

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils (pdftotext)")


@pytest.fixture(scope="module")
def sheet() -> ExposureSheet:
    a = make_analysis()
    # enough frames for several Western pages and two Japanese ones
    a = a.replace(duration=a.duration + 2.0)
    return ExposureSheet(a, "24", SheetOptions(production="Fox", scene="12", cut="3", start_timecode="01:00:00:00"))


@pytest.fixture(scope="module")
def western(sheet, tmp_path_factory):
    path = tmp_path_factory.mktemp("pdf") / "w.pdf"
    write_file(sheet, path, layout="western")
    return path


@pytest.fixture(scope="module")
def japanese(sheet, tmp_path_factory):
    path = tmp_path_factory.mktemp("pdf") / "j.pdf"
    write_file(sheet, path, layout="japanese")
    return path


def _rows(words, plan, block=0, first=False):
    """{printed frame number: y} from the frame column of one block of a page (below the header)."""
    x0, x1 = plan.x("frame", block)
    below = plan.height - (plan.first_top if first else plan.top)
    return {int(w[4]): (w[1] + w[3]) / 2 for w in words
            if x0 <= w[0] and w[2] <= x1 + 0.5 and w[4].isdigit() and w[1] > below}


def _cell(words, plan, key, y, block=0):
    """Text in a column on the row at height y."""
    x0, x1 = plan.x(key, block)
    return " ".join(w[4] for w in words if x0 - 0.5 <= w[0] < x1 and abs((w[1] + w[3]) / 2 - y) < plan.row_h / 2)


def _where(sheet, plan, pages_words):
    """For every frame: (page words, y, block) of its row."""
    out = {}
    for n, (page, frames) in enumerate(zip(pages_words, sheet.pages(plan.per_page, plan.first_page), strict=True)):
        for block in range(plan.blocks):
            for number, y in _rows(page, plan, block, n == 0 and plan.layout == "western").items():
                out[number - sheet.options.first_frame] = (page, y, block)
        assert all(f in out for f in frames), "every frame of the page has its numbered row"
    return out


@pytest.mark.parametrize("layout", ["western", "japanese"])
def test_every_beat_bar_accent_and_cue_is_on_its_frame(sheet, western, japanese, layout):
    path = western if layout == "western" else japanese
    plan = pdfsheet.plan(sheet, layout)
    where = _where(sheet, plan, pdf_words(path))
    assert len(where) == sheet.frames
    for beat in sheet.analysis.beats:
        page, y, block = where[sheet.frame_of(beat.time)]
        text = _cell(page, plan, "beat", y, block).split()
        assert text[0] == str(beat.beat)
        if beat.is_downbeat:
            assert str(beat.bar) in text[1:], "a downbeat carries its bar number"
        assert (">" in text) == (beat.strength >= pdfsheet.STRONG_BEAT)
    for cue in sheet.analysis.cues:
        page, y, block = where[sheet.frame_of(cue.time)]
        assert _cell(page, plan, "cue", y, block).startswith(cue.text), "a cue's label starts on its frame"
    for onset in sheet.analysis.onsets:
        page, y, block = where[sheet.frame_of(onset.time)]
        strongest = sheet.onset_at[sheet.frame_of(onset.time)]
        assert _cell(page, plan, "acc", y, block) == ">" * (1 + (strongest >= 1 / 3) + (strongest >= 2 / 3))
    for f in range(0, sheet.frames, 7):
        page, y, block = where[f]
        assert _cell(page, plan, "level", y, block) == (str(sheet.levels[f]) if sheet.levels[f] else "")
    # tempo changes are written where they happen (on the next row when a cue has the frame)
    for f, text, _ in sheet.tempo_changes():
        page, y, block = where[f]
        cell = _cell(page, plan, "cue", y, block)
        if f not in sheet.cues_at or layout == "western":
            assert f"TEMPO {text}" in cell
        else:
            page, y, block = where[f + 1]
            assert _cell(page, plan, "cue", y, block) == f"TEMPO {text}"


def test_western_pages_80_then_96_with_footage_each_foot(sheet, western):
    pages = pdf_words(western)
    plan = pdfsheet.plan(sheet, "western")
    assert (plan.first_page, plan.per_page) == (80, 96)
    assert len(pages) == sheet.page_count(96, 80) >= 3
    for n, (words, frames) in enumerate(zip(pages, sheet.pages(96, 80), strict=True), 1):
        assert sorted(_rows(words, plan, first=n == 1)) == [sheet.number(f) for f in frames]
        text = pdf_text(western, n)
        assert f"SHEET {n} OF {len(pages)}" in text
        top = plan.height - (plan.first_top if n == 1 else plan.top)
        feet = [w[4] for w in words if plan.x("feet")[0] <= w[0] < plan.x("feet")[1] and w[1] > top]
        assert feet == [sheet.footage(f) for f in frames if f % 16 == 0]


def test_western_header(sheet, western):
    head = pdf_text(western, 1)
    for expected in ("EXPOSURE SHEET", "Fox", "12", "3", "24", "01:00:00:00", "score.wav", "120 BPM = 4-12",
                     "ACTION", "DIALOGUE", "CAMERA", "BEAT", "ACC", "CUES", "LEVEL"):
        assert expected in head
    assert "00:00:00:00" not in head, "the start timecode is the one asked for"


def test_timecode_column_each_second_from_the_start_timecode(sheet, western):
    plan = pdfsheet.plan(sheet, "western")
    page = pdf_words(western)[1]
    rows = _rows(page, plan)
    for number, y in rows.items():
        tc = _cell(page, plan, "tc", y)
        f = number - 1
        expected = sheet.timecode(f) if f % 24 == 0 or number == min(rows) else ""
        assert tc == expected
        assert not expected or expected.startswith("01:00:")


def test_japanese_pages_are_six_seconds_in_two_blocks(sheet, japanese):
    plan = pdfsheet.plan(sheet, "japanese")
    assert (plan.per_page, plan.blocks, plan.rows) == (144, 2, 72)
    pages = pdf_words(japanese)
    assert len(pages) == sheet.page_count(144)
    first = pages[0]
    assert sorted(_rows(first, plan, 0)) == list(range(1, 73))
    assert sorted(_rows(first, plan, 1)) == list(range(73, 145))
    # seconds written at each second, +06/+12/+18 at the 6-frame rules
    secs = [w[4] for w in first if plan.x("sec")[0] <= w[0] < plan.x("sec")[1] and w[1] > plan.height - plan.top]
    assert secs[:4] == ["0+00", "+06", "+12", "+18"] and "1+00" in secs and "2+00" in secs
    assert "TIME SHEET" in pdf_text(japanese, 1) and f"SHEET 2 OF {len(pages)}" in pdf_text(japanese, 2)


def test_rules_follow_the_conventions(sheet):
    west, jp = pdfsheet.plan(sheet, "western"), pdfsheet.plan(sheet, "japanese")
    widths = [pdfsheet._rule(west, f, False)[0] for f in range(48)]
    assert {f for f, w in enumerate(widths) if w == max(widths)} == {0, 16, 32}
    assert {f for f, w in enumerate(widths) if w > min(widths)} == {0, 8, 16, 24, 32, 40}
    widths = [pdfsheet._rule(jp, f, False)[0] for f in range(72)]
    assert {f for f, w in enumerate(widths) if w == max(widths)} == {0, 24, 48}
    assert {f for f, w in enumerate(widths) if w > min(widths)} == set(range(0, 72, 6))


def test_last_page_ends_with_the_cut_length(sheet, western):
    last = pdf_text(western, sheet.page_count(96, 80))
    assert f"END {sheet.frames} frames" in " ".join(last.split())


@pytest.mark.parametrize(("paper", "size"), [("A4", "595.276 x 841.89"), ("Letter", "612 x 792"),
                                             ("B4", "728.504 x 1031.81"), ("A3", "841.89 x 1190.55")])
def test_papers(sheet, tmp_path, paper, size):
    path = tmp_path / "s.pdf"
    write_file(sheet, path, layout="western", paper=paper)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert f"Page size:       {size} pts" in info


def test_frames_per_page_override(sheet, tmp_path):
    path = tmp_path / "s.pdf"
    write_file(sheet, path, layout="western", frames_per_page=48)
    plan = pdfsheet.plan(sheet, "western", frames_per_page=48)
    assert (plan.per_page, plan.first_page) == (48, 40)
    pages = pdf_words(path)
    assert len(pages) == sheet.page_count(48, 40)
    assert sorted(_rows(pages[1], plan)) == list(range(41, 89))


def test_bad_options_name_what_is_valid(sheet):
    with pytest.raises(FormatError, match="western or japanese"):
        pdfsheet.plan(sheet, "french")
    with pytest.raises(FormatError, match="A4, Letter, B4, A3"):
        pdfsheet.plan(sheet, paper="A0")
    with pytest.raises(FormatError, match="at most"):
        pdfsheet.plan(sheet, frames_per_page=1000)
    with pytest.raises(FormatError, match="at least 2"):
        pdfsheet.plan(sheet, frames_per_page=1)


@pytest.mark.parametrize("per_page", [2, 9, 11, 24, 150])
def test_first_page_header_never_covers_rows(sheet, per_page):
    p = pdfsheet.plan(sheet, "western", frames_per_page=per_page)
    assert p.height - pdfsheet.MARGIN - (p.first_top + pdfsheet.HEAD_ROW) >= pdfsheet.COMPACT_HEADER + 52
    assert p.first_page == per_page - round((p.top - p.first_top) / p.row_h)


def test_a_lasting_cue_and_a_long_label(tmp_path):
    a = make_analysis()
    a = a.replace(cues=a.cues + (Cue(1.0, "marker", "A VERY LONG LABEL THAT CANNOT FIT IN THE COLUMN AT ALL"),))
    s = ExposureSheet(a, "25")
    path = tmp_path / "s.pdf"
    write_file(s, path)
    text = pdf_text(path)
    assert "A VERY LONG" in text and "AT ALL" not in text, "a label too long is cut, not spilled over"


def test_16mm_footage_and_rates_without_timecode(tmp_path):
    s = ExposureSheet(make_analysis(), "12.5", SheetOptions(gauge="16mm"))
    assert s.timecode(10) == "" and not s.has_timecode
    path = tmp_path / "s.pdf"
    write_file(s, path)
    plan = pdfsheet.plan(s, "western")
    assert plan.foot == 40
    words = pdf_words(path)[1]
    feet = [w[4] for w in words if plan.x("feet")[0] <= w[0] < plan.x("feet")[1] and w[1] > plan.height - plan.top]
    page2 = s.pages(96, 80)[1]
    assert feet == [f"{f // 40}+00" for f in page2 if f % 40 == 0] == ["2+00", "3+00", "4+00"], "at each 40-frame foot"
    assert not [w for w in words if plan.x("tc")[0] <= w[0] < plan.x("tc")[1] and w[1] > plan.height - plan.top]


def test_drop_frame_timecode_column_marks_each_second(tmp_path):
    a = make_analysis()
    s = ExposureSheet(a.replace(duration=70.0), "29.97df", SheetOptions(start_timecode="00:00:59;00"))
    path = tmp_path / "s.pdf"
    write_file(s, path)
    text = pdf_text(path)
    # the minute boundary skips ;00 and ;01: the second starts at 00:01:00;02
    assert "00:01:00;02" in text and "00:01:00;00" not in text and "00:01:01;00" in text


def test_japanese_labels_use_a_font_that_has_their_glyphs(tmp_path):
    """Helvetica has no kana or kanji: such text is set in the standard Japanese CID font."""
    a = make_analysis().replace(cues=(Cue(1.0, "impact", "ドア バタン"), Cue(2.0, "crash", "CRASH")))
    sheet = ExposureSheet(a, "24", SheetOptions(production="桃太郎", scene="12", cut="3"))
    out = write_file(sheet, tmp_path / "jp.pdf", layout="japanese")
    data = out.read_bytes()
    assert b"HeiseiKakuGo-W5" in data and b"Helvetica" in data
    assert pdfsheet.face_for("CRASH café", pdfsheet.BOLD) == pdfsheet.BOLD  # Latin-1 stays in Helvetica
    assert pdfsheet.face_for("ドア", pdfsheet.BOLD) == pdfsheet.CJK_FONT
    latin = write_file(ExposureSheet(make_analysis(), "24", SheetOptions()), tmp_path / "en.pdf")
    assert b"HeiseiKakuGo-W5" not in latin.read_bytes()
