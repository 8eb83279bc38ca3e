"""The bar sheet (PDF and CSV) and the CLI flags that write it."""

from __future__ import annotations

import csv
import io
import shutil

import numpy as np
import pytest
import soundfile as sf

from syncsheet import cli
from syncsheet.commands import common
from syncsheet.exporters import barcsv, barsheet, for_path, write_file
from syncsheet.sheet import ExposureSheet, SheetOptions
from tests.sheet_fixtures import make_analysis, pdf_text


@pytest.fixture(scope="module")
def sheet() -> ExposureSheet:
    return ExposureSheet(make_analysis(), "24", SheetOptions(production="Fox", scene="4"))


def test_suffixes_do_not_clash_with_the_per_frame_formats():
    assert for_path("a.bars.csv") is barcsv and for_path("a.bars.pdf") is barsheet
    assert for_path("a.csv").NAME == "csv" and for_path("a.pdf").NAME == "pdf"


def test_csv_one_row_per_bar(sheet):
    out = io.BytesIO()
    barcsv.write(sheet, out)
    table = list(csv.DictReader(io.StringIO(out.getvalue().decode("utf-8"))))
    bs = sheet.bar_sheet()
    assert len(table) == len(bs.bars) == len(sheet.analysis.downbeats)
    assert [int(r["number"]) for r in table] == [sheet.number(sheet.frame_of(d.time)) for d in sheet.analysis.downbeats]
    assert [r["tempo"] for r in table] == [bs.sections[b.section].notation for b in bs.bars]
    assert {r["tempo"] for r in table} == {"4-12", "3-18", "4-18.7"}
    assert [r["section"] for r in table][:4] == ["A", "A", "A", "B"]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_pdf_lists_sections_and_first_frames(sheet, tmp_path):
    path = write_file(sheet, tmp_path / "x.bars.pdf")
    text = " ".join(pdf_text(path).split())
    for s in sheet.bar_sheet().sections:
        assert s.notation in text
    assert "80 BPM" in text and "77 BPM" in text and "Bridge" in text
    for bar in sheet.bar_sheet().bars:
        assert f"BAR {bar.bar}" in text and str(sheet.number(bar.frame)) in text
    assert "SHEET 1 OF 1" in text


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_many_bars_break_pages(tmp_path):
    from syncsheet.model import Analysis, Beat

    beats = tuple(Beat(i * 0.5, i // 4 + 1, i % 4 + 1) for i in range(4 * 400))
    s = ExposureSheet(Analysis(800.0, beats=beats), "24")
    path = write_file(s, tmp_path / "long.bars.pdf")
    text = pdf_text(path)
    pages = text.count("\f")
    assert pages > 1 and f"SHEET {pages} OF {pages}" in text and "BAR 400" in text


def test_cli_writes_every_sheet_format(tmp_path):
    rng = np.random.default_rng(3)
    sr = 22050
    y = 0.01 * rng.standard_normal(sr * 3)
    for k in range(6):  # clicks at 120 BPM
        i = int((0.25 + 0.5 * k) * sr)
        y[i:i + 400] += np.hanning(400) * (0.9 if k % 4 == 0 else 0.5)
    audio = tmp_path / "clicks.wav"
    sf.write(audio, y.astype(np.float32), sr)
    out = {k: tmp_path / name for k, name in (("pdf", "s.pdf"), ("xdts", "s.xdts"), ("csv", "s.csv"),
                                               ("bars", "s.bars.csv"))}
    rc = cli.main(["analyze", str(audio), "-q", "--pdf", str(out["pdf"]), "--layout", "japanese", "--paper", "a3",
                   "--xdts", str(out["xdts"]), "--csv", str(out["csv"]), "--bar-sheet", str(out["bars"]),
                   "--bar-csv", str(tmp_path / "b.bars.csv")])
    assert rc == 0
    assert out["pdf"].read_bytes().startswith(b"%PDF")
    assert out["xdts"].read_text("utf-8").startswith("exchangeDigitalTimeSheet Save Data\n")
    assert out["bars"].read_text("utf-8").startswith("section,"), "--bar-sheet PATH.csv writes the CSV"
    assert out["bars"].read_text("utf-8") == (tmp_path / "b.bars.csv").read_text("utf-8")


def test_flags_reach_the_exporters(sheet, tmp_path):
    args = cli.build_parser().parse_args([
        "analyze", "x.wav", "--bar-sheet", str(tmp_path / "b.bars.pdf"), "--pdf", str(tmp_path / "s.pdf"),
        "--layout", "japanese", "--paper", "Letter", "--frames-per-page", "96", "--xdts", str(tmp_path / "s.xdts")])
    written = common.write_outputs(sheet, args, "x")
    assert {p.name for p in written} == {"b.bars.pdf", "s.pdf", "s.xdts"}
    assert (tmp_path / "b.bars.pdf").read_bytes().startswith(b"%PDF")
    text = pdf_text(tmp_path / "s.pdf", 1)
    assert "TIME SHEET" in text and f"SHEET 1 OF {sheet.page_count(96)}" in text
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["analyze", "x.wav", "--frames-per-page", "0"])
