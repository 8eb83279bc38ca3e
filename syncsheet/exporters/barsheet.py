"""The bar sheet: the music in the animators' notation, one summary before the X-sheets.

Per section the tempo as ``beats a bar - frames a beat`` ("2-12" = 2 beats a bar at 12 frames a
beat; a fractional count such as 18.7 is written as such), its BPM and where it starts, then each
bar with the number of its first frame. PDF by default; ``kind="csv"`` (or a path ending in
``.csv`` given to ``--bar-sheet``) writes the same as one row per bar.
"""

from __future__ import annotations

import argparse
import csv
import io
from collections.abc import Iterator
from typing import TYPE_CHECKING, BinaryIO

from ..errors import FormatError
from ..sheet import BarSection, BarSheet, ExposureSheet
from ..wording import counted
from .pdfsheet import BOLD, FONT, MARGIN, PAPERS, face_for, text_width

if TYPE_CHECKING:
    from reportlab.pdfgen.canvas import Canvas

NAME = "bar-sheet"
SUFFIXES = (".bars.pdf",)
DESCRIPTION = "bar sheet: tempo in frames per beat and each bar's first frame (PDF, or CSV for a .csv path)"

CSV_COLUMNS = ("section", "label", "tempo", "bpm", "beats_per_bar", "frames_per_beat", "bar", "beats",
               "frame", "number", "timecode", "footage", "length")
BARS_A_LINE = 8
BOX_H = 30.0
SECTION_H = 34.0


def options_from(args: argparse.Namespace) -> dict:
    """CSV when ``--bar-sheet`` names a .csv file; the paper of ``--paper``."""
    # the CLI's dest for --bar-sheet is out_bar-sheet (or out_bar_sheet if the registry maps dashes)
    path = getattr(args, "out_bar-sheet", None) or getattr(args, "out_bar_sheet", None)
    kind = "csv" if path is not None and str(path).lower().endswith(".csv") else "pdf"
    return {"kind": kind, "paper": getattr(args, "paper", "A4")}


def write(sheet: ExposureSheet, stream: BinaryIO, *, kind: str = "pdf", paper: str = "A4", **_options) -> None:
    """Write the bar sheet as PDF (``kind="pdf"``) or CSV (``kind="csv"``)."""
    if kind == "csv":
        write_csv(sheet, stream)
    elif kind == "pdf":
        write_pdf(sheet, stream, paper=paper)
    else:
        raise FormatError(f"bar sheet kind {kind!r} is unknown; use pdf or csv")


def write_csv(sheet: ExposureSheet, stream: BinaryIO) -> None:
    """One row per bar, with its section's tempo."""
    bs = sheet.bar_sheet()
    text = io.TextIOWrapper(stream, encoding="utf-8", newline="", write_through=True)
    try:
        out = csv.writer(text, lineterminator="\n")
        out.writerow(CSV_COLUMNS)
        for bar in bs.bars:
            s = bs.sections[bar.section] if bs.sections else None
            out.writerow((
                _section_name(s) if s else "", s.label if s else "", s.notation if s else "",
                f"{s.bpm:.2f}" if s else "", s.beats_per_bar if s else "", f"{s.frames_per_beat:.3f}" if s else "",
                bar.bar, bar.beats, bar.frame, sheet.number(bar.frame), sheet.timecode(bar.frame),
                sheet.footage(bar.frame), bar.frames,
            ))
    finally:
        text.detach()


def _section_name(s: BarSection) -> str:
    """Sections lettered like a score's rehearsal marks: A, B, ... Z, AA, AB..."""
    n, name = s.index, ""
    while True:
        n, r = divmod(n, 26)
        name = chr(65 + r) + name
        if n == 0:
            return name
        n -= 1


# -- PDF ----------------------------------------------------------------------------------------
def _items(bs: BarSheet, top: float, bottom: float) -> Iterator[tuple[int, str, float, object]]:
    """Layout: (page, "section" | "bar", y, item), breaking pages where the space runs out."""
    page, y = 0, top
    for s in bs.sections:
        bars = bs.bars_in(s)
        if y - SECTION_H - BOX_H < bottom:
            page, y = page + 1, top
        yield page, "section", y, s
        y -= SECTION_H
        for i in range(0, len(bars), BARS_A_LINE):
            if y - BOX_H < bottom:
                page, y = page + 1, top
                yield page, "section", y, s  # the section's heading again on the new page
                y -= SECTION_H
            yield page, "bars", y, bars[i:i + BARS_A_LINE]
            y -= BOX_H + 4
        y -= 8


def write_pdf(sheet: ExposureSheet, stream: BinaryIO, paper: str = "A4") -> None:
    """The bar sheet as PDF pages: a header, then per section its tempo and a grid of bars."""
    size = next((v for k, v in PAPERS.items() if k.lower() == str(paper).lower()), None)
    if size is None:
        raise FormatError(f"paper {paper!r} is unknown; use one of {', '.join(PAPERS)}")
    width, height = size
    bs = sheet.bar_sheet()
    top, bottom = height - MARGIN - 78, MARGIN
    items = list(_items(bs, top, bottom))
    pages = (items[-1][0] + 1) if items else 1
    from reportlab.pdfgen.canvas import Canvas  # here, not at import: every CLI run would pay for it

    c = Canvas(stream, pagesize=size, pageCompression=1, invariant=1)
    c.setTitle(f"Bar sheet - {sheet.analysis.source}")
    c.setCreator("syncsheet")
    page = 0
    _header(c, sheet, bs, width, height, 1, pages)
    if not bs.bars:
        c.setFont(BOLD, 11)
        c.drawString(MARGIN, top - 20, "No beats were found in this audio: there are no bars to list.")
    for p, what, y, item in items:
        if p != page:
            c.showPage()
            page = p
            _header(c, sheet, bs, width, height, page + 1, pages)
        if what == "section":
            _section(c, sheet, item, y, width)
        else:
            _bars(c, sheet, item, y, width)
    c.showPage()
    c.save()


def _header(c: Canvas, sheet: ExposureSheet, bs: BarSheet, width: float, height: float, n: int, pages: int) -> None:
    o = sheet.options
    y = height - MARGIN
    c.setFont(BOLD, 14)
    c.drawString(MARGIN, y - 13, "BAR SHEET")
    c.setFont(BOLD, 11)
    c.drawRightString(width - MARGIN, y - 12, f"SHEET {n} OF {pages}")
    ident = "   ".join(x for x in (o.production, f"SCENE {o.scene}" if o.scene else "",
                                   f"CUT {o.cut}" if o.cut else "") if x)
    c.setFont(face_for(ident, BOLD), 10)
    c.drawString(MARGIN + 100, y - 12, ident)
    audio = (f"AUDIO {sheet.analysis.source or '-'}     {sheet.fps.name} fps     START TC {sheet.timecode(0)}     "
             f"{counted(sheet.frames, 'frame')} = {sheet.footage(sheet.frames)} ft     {counted(len(bs.bars), 'bar')}, "
             f"{counted(len(bs.sections), 'section')}")
    c.setFont(face_for(audio, FONT), 8.5)
    c.drawString(MARGIN, y - 30, audio)
    c.setFont(FONT, 7.5)
    c.setFillGray(0.3)
    c.drawString(MARGIN, y - 44, "Tempo as beats a bar - frames a beat (4-12 = 4 beats a bar, 12 frames a beat). "
                                 "Each box: bar number, the number of its first frame on the X-sheet, its length.")
    c.drawString(MARGIN, y - 54, f"Frames numbered from {o.first_frame}"
                 + (f", marks {o.lead} frame(s) ahead of the sound" if o.lead else "") + ".")
    c.setFillGray(0)
    c.setLineWidth(1)
    c.line(MARGIN, y - 62, width - MARGIN, y - 62)


def _section(c: Canvas, sheet: ExposureSheet, s: BarSection, y: float, width: float) -> None:
    c.setFillGray(0.9)
    c.rect(MARGIN, y - SECTION_H + 6, width - 2 * MARGIN, SECTION_H - 6, stroke=0, fill=1)
    c.setFillGray(0)
    c.setFont(BOLD, 18)
    name = _section_name(s)
    c.drawString(MARGIN + 6, y - 22, name)
    x = MARGIN + 14 + text_width(name, BOLD, 18)
    c.setFont(BOLD, 16)
    c.drawString(x + 8, y - 22, s.notation)
    x += 16 + text_width(s.notation, BOLD, 16)
    c.setFont(FONT, 9)
    bpm = f"{s.bpm:.1f}".removesuffix(".0")
    fpb = f"{s.frames_per_beat:.2f}".rstrip("0").rstrip(".")
    beats = f"{counted(s.beats_per_bar, 'beat')} a bar"
    last = sheet.number(max(s.frame, s.end - 1))
    text = (f"{bpm} BPM   {beats}, {fpb} frames a beat   from frame {sheet.number(s.frame)} "
            f"({sheet.footage(s.frame)} ft, {sheet.timecode(s.frame) or '-'}) to {last}")
    c.drawString(x + 8, y - 21, text)
    if s.label:
        c.setFont(BOLD, 10)
        c.drawRightString(width - MARGIN - 6, y - 21, s.label)


def _bars(c: Canvas, sheet: ExposureSheet, bars, y: float, width: float) -> None:
    w = (width - 2 * MARGIN) / BARS_A_LINE
    for i, bar in enumerate(bars):
        x = MARGIN + i * w
        c.setLineWidth(0.8)
        c.rect(x + 1, y - BOX_H, w - 2, BOX_H, stroke=1, fill=0)
        c.setFont(BOLD, 7)
        c.drawString(x + 4, y - 8, f"BAR {bar.bar}")
        c.setFont(FONT, 6.5)
        c.drawRightString(x + w - 4, y - 8, f"{bar.beats} beats" if bar.beats != 1 else "1 beat")
        c.setFont(BOLD, 13)
        c.drawString(x + 4, y - BOX_H + 5, str(sheet.number(bar.frame)))
        c.setFont(FONT, 6.5)
        c.drawRightString(x + w - 4, y - BOX_H + 5, f"{bar.frames} fr")
