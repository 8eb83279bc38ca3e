"""Printable PDF exposure sheets (X-sheets), Western or Japanese layout, with the music on them.

*Western*: one column of 96 frames a page (6 feet of 35 mm), a heavier rule every 8 frames and the
heaviest at each foot with the footage written, the first page 80 frames under a full header.
*Japanese time sheet*: 144 frames a page (6 s at 24 fps) in two 3-second blocks side by side, a
rule every 6 frames and a heavier one each second, the full header on every sheet.

Music columns: frame number, footage / timecode (Western) or seconds+frames (Japanese), BEAT
(beat in bar; a downbeat bold with its bar number boxed, ``>`` on a strongly sounded beat), ACC
(onsets: ``>``, ``>>``, ``>>>`` by strength), CUES (labels; a cue that lasts draws a line to its
end; tempo changes written as ``TEMPO 4-12``), LEVEL (a 0-9 bar). Then ACTION, DIALOGUE, cel
levels and CAMERA, left empty for the animator.

Pages are drawn one at a time; the ruled grid of a page is a PDF form drawn once and reused, so
a two-hour reel stays small and fast.
"""

from __future__ import annotations

import argparse
import bisect
import math
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO

from reportlab.lib.pagesizes import A3, A4, LETTER  # small modules: the drawing ones load in write()
from reportlab.lib.units import mm

from ..errors import FormatError
from ..progress import Progress, report
from ..sheet import ExposureSheet
from ..timebase import FRAMES_PER_FOOT, to_timecode

if TYPE_CHECKING:
    from reportlab.pdfgen.canvas import Canvas

NAME = "pdf"
SUFFIXES = (".pdf",)
DESCRIPTION = "PDF exposure sheet (X-sheet) to print"

#: Paper sizes in points (portrait). B4 is JIS B4 (257 x 364 mm), the Japanese studios' time-sheet paper.
PAPERS = {"A4": A4, "Letter": LETTER, "B4": (257 * mm, 364 * mm), "A3": A3}
LAYOUTS = ("western", "japanese")
#: Strength above which a beat gets an accent glyph.
STRONG_BEAT = 0.7
#: Rows lower than this (points) are not legible when printed.
MIN_ROW = 4.0

MARGIN = 22.0
HEAD_ROW = 16.0  # column titles
COMPACT_HEADER = 20.0  # one-line header on Western continuation pages
FULL_HEADER_JP = 76.0
FULL_HEADER_W = 52.0  # what the Western page-1 header needs beyond the compact one
FONT, BOLD = "Helvetica", "Helvetica-Bold"
CJK_FONT = "HeiseiKakuGo-W5"
GREY = 0.55


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    weight: float


_WESTERN = (
    Column("frame", "FRAME", 3.0), Column("feet", "FEET", 3.1), Column("tc", "TIMECODE", 5.6),
    Column("beat", "BEAT", 4.2), Column("acc", "ACC", 2.4), Column("cue", "CUES", 7.6),
    Column("level", "LEVEL", 3.4), Column("action", "ACTION", 9.0), Column("dialogue", "DIALOGUE", 5.2),
    Column("cel4", "4", 1.9), Column("cel3", "3", 1.9), Column("cel2", "2", 1.9), Column("cel1", "1", 1.9),
    Column("camera", "CAMERA", 4.6),
)
_JAPANESE = (
    Column("frame", "FR", 2.5), Column("sec", "SEC", 3.0), Column("beat", "BEAT", 3.5),
    Column("acc", "ACC", 2.2), Column("cue", "CUES", 6.0), Column("level", "LV", 2.4),
    Column("action", "ACTION", 5.0), Column("dialogue", "DIAL", 2.8),
    Column("celA", "A", 1.3), Column("celB", "B", 1.3), Column("celC", "C", 1.3), Column("celD", "D", 1.3),
    Column("camera", "CAM", 2.5),
)
_LEGEND = ("BEAT: 1 [bar] downbeat, > strong beat   ACC: > >> >>> onset strength   "
           "CUES: hits, stops, sections, TEMPO beats-frames per beat   LEVEL: loudness 0-9")


def add_arguments(group: argparse._ArgumentGroup) -> None:
    """CLI flags: --layout, --paper, --frames-per-page."""
    group.add_argument("--layout", choices=LAYOUTS, default="western",
                       help="X-sheet layout: western (96 frames, feet) or japanese (144 frames, seconds)")
    group.add_argument("--paper", choices=tuple(PAPERS), default="A4", type=_paper_arg,
                       help="paper size for PDF sheets (default A4; B4 is JIS B4)")
    group.add_argument("--frames-per-page", type=_positive, default=None, metavar="N",
                       help="frames on a full page (default 96 western, 6 seconds japanese)")


def options_from(args: argparse.Namespace) -> dict:
    """write() options from the parsed CLI flags."""
    return {"layout": args.layout, "paper": args.paper, "frames_per_page": args.frames_per_page}


def _paper_arg(text: str) -> str:
    for name in PAPERS:
        if text.lower() == name.lower():
            return name
    return text  # argparse then reports the valid choices


def _positive(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"frames per page {text!r} must be a whole number of 1 or more")
    return n


# -- page plan ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Plan:
    """Where everything goes on a page of one layout and paper."""

    layout: str
    width: float
    height: float
    per_page: int  # frames on a full page
    first_page: int  # frames on page 1
    blocks: int  # side-by-side blocks of rows (Japanese: 2)
    rows: int  # rows in a block on a full page
    row_h: float
    columns: tuple[Column, ...]
    col_x: tuple[float, ...]  # left edge of each column in a block, and its right edge last
    block_w: float
    top: float  # y of the first row's top edge on a full page
    first_top: float  # on page 1
    font: float
    second: int  # frames per second for rules (nominal)
    foot: int = 16  # frames per foot of the sheet's film gauge

    def x(self, key: str, block: int = 0) -> tuple[float, float]:
        """Left and right edge of a column in a block."""
        i = next(k for k, c in enumerate(self.columns) if c.key == key)
        off = MARGIN + block * self.block_w
        return off + self.col_x[i], off + self.col_x[i + 1]


def plan(sheet: ExposureSheet, layout: str = "western", paper: str = "A4", frames_per_page: int | None = None) -> Plan:
    """The page plan of a sheet in a layout on a paper.

    Raises
    ------
    FormatError
        For an unknown layout or paper, or a frame count whose rows would be too small to read
        (or leave no room for the Western first page's header).
    """
    if layout not in LAYOUTS:
        raise FormatError(f"X-sheet layout {layout!r} is unknown; use {' or '.join(LAYOUTS)}")
    size = next((v for k, v in PAPERS.items() if k.lower() == str(paper).lower()), None)
    if size is None:
        raise FormatError(f"paper {paper!r} is unknown; use one of {', '.join(PAPERS)}")
    width, height = size
    second = _nominal(sheet)
    if layout == "western":
        per_page = frames_per_page or 96
        blocks, rows, columns = 1, per_page, _WESTERN
        top = height - MARGIN - COMPACT_HEADER - HEAD_ROW
        row_h = (top - MARGIN) / rows
        # 96 -> 80 under the header, the Western convention; never less room than the header needs
        header_rows = max(per_page // 6, math.ceil(FULL_HEADER_W / row_h))
        first_page = per_page - header_rows
        if first_page < 1:
            raise FormatError(f"{per_page} frames a page leave no room for the first page's header; "
                              f"use at least {header_rows + 1}")
        first_top = top - (per_page - first_page) * row_h
    else:
        per_page = frames_per_page or 6 * second
        blocks, columns = 2, _JAPANESE
        rows = -(-per_page // 2)
        top = height - MARGIN - FULL_HEADER_JP - HEAD_ROW
        row_h = (top - MARGIN) / rows
        first_page, first_top = per_page, top
    if row_h < MIN_ROW:
        most = int((top - MARGIN) / MIN_ROW) * blocks
        raise FormatError(
            f"{per_page} frames a page do not fit legibly on {paper} in the {layout} layout "
            f"(rows would be {row_h:.1f} pt); use at most {most} or a larger paper"
        )
    block_w = (width - 2 * MARGIN) / blocks
    total = sum(c.weight for c in columns)
    xs = [0.0]
    for c in columns:
        xs.append(xs[-1] + c.weight / total * block_w)
    font = max(4.0, min(8.0, row_h * 0.8))
    return Plan(layout, width, height, per_page, first_page, blocks, rows, row_h, columns, tuple(xs), block_w,
                top, first_top, font, second, FRAMES_PER_FOOT[sheet.options.gauge])


def _nominal(sheet: ExposureSheet) -> int:
    """Whole frames in a second for rules and seconds counts (24 at 23.976)."""
    return max(1, round(sheet.fps.rate))


# -- writing -----------------------------------------------------------------------------------
def write(
    sheet: ExposureSheet,
    stream: BinaryIO,
    *,
    layout: str = "western",
    paper: str = "A4",
    frames_per_page: int | None = None,
    progress: Progress | None = None,
    **_options,
) -> None:
    """Write the X-sheet as PDF.

    Parameters
    ----------
    sheet : ExposureSheet
    stream : binary file
    layout : {"western", "japanese"}
    paper : {"A4", "Letter", "B4", "A3"}
    frames_per_page : int, optional
        Frames on a full page (default 96 Western, 6 seconds Japanese).
    progress : callable(fraction, stage), optional
        Called after each page; may raise Cancelled.
    """
    from reportlab.pdfgen.canvas import Canvas  # here, not at import: every CLI run would pay for it

    p = plan(sheet, layout, paper, frames_per_page)
    canvas = Canvas(stream, pagesize=(p.width, p.height), pageCompression=1, invariant=1)
    canvas.setTitle(_title(sheet))
    canvas.setCreator("syncsheet")
    canvas.setSubject(f"Exposure sheet, {layout} layout, {sheet.fps.name} fps")
    pages = sheet.page_count(p.per_page, p.first_page)
    canvas.setPageCallBack(lambda _n: _compress_last_page(canvas))
    forms: set[str] = set()
    changes = [(f, text) for f, text, _ in sheet.tempo_changes()]
    for n, frames in enumerate(sheet.iter_pages(p.per_page, p.first_page), 1):
        _page(canvas, sheet, p, frames, n, pages, forms, changes)
        canvas.showPage()
        if n % 20 == 0 or n == pages:
            report(progress, n / pages, "PDF sheet")
    canvas.save()


def _compress_last_page(canvas: Canvas) -> None:
    """Deflate the page just finished now rather than at save().

    reportlab keeps every page's drawing operators as text until it saves; a 2 h reel has 1,800
    pages, so holding them compressed keeps memory about five times lower. reportlab applies no
    filter of its own to a stream whose dictionary already names one.
    """
    from reportlab.pdfbase import pdfdoc

    try:
        page = canvas._doc.Pages.pages[-1]
        stream = page.stream
    except (AttributeError, IndexError):  # another reportlab: leave it to save()
        return
    if isinstance(stream, str) and not page.Contents:
        page.Contents = pdfdoc.PDFStream(pdfdoc.PDFDictionary({"Filter": pdfdoc.PDFName("FlateDecode")}),
                                         zlib.compress(stream.encode("utf-8")))
        page.stream = None


def _title(sheet: ExposureSheet) -> str:
    o = sheet.options
    parts = [o.production, f"SC {o.scene}" if o.scene else "", f"CUT {o.cut}" if o.cut else "",
             sheet.analysis.source]
    return " - ".join(x for x in parts if x) or "Exposure sheet"


def _page(canvas: Canvas, sheet: ExposureSheet, p: Plan, frames: range, n: int, pages: int, forms: set[str],
          changes: list[tuple[int, str]]) -> None:
    first = n == 1 and p.layout == "western"
    top = p.first_top if first else p.top
    rows = p.first_page if first else p.per_page
    if p.layout == "western":
        if first:
            _full_header(canvas, sheet, p, frames, n, pages, changes, top + HEAD_ROW)
        else:
            _compact_header(canvas, sheet, p, frames, n, pages, changes)
    else:
        _full_header(canvas, sheet, p, frames, n, pages, changes, top + HEAD_ROW)
    # the grid depends on where the page starts in the rule cycle: one form per phase
    cycle = p.foot if p.layout == "western" else p.second
    key = f"grid{int(first)}_{frames.start % cycle}_{rows}"
    if key not in forms:
        canvas.beginForm(key)
        _grid(canvas, p, top, rows, frames.start)
        canvas.endForm()
        forms.add(key)
    canvas.doForm(key)
    _music(canvas, sheet, p, frames, top, changes)
    if frames.stop == sheet.frames:
        _end_mark(canvas, sheet, p, frames, top, rows)


def _row_pos(p: Plan, top: float, i: int) -> tuple[int, float]:
    """Block and top y of the i-th row on a page."""
    block, r = divmod(i, p.rows)
    return block, top - r * p.row_h


def _grid(canvas: Canvas, p: Plan, top: float, rows: int, start: int) -> None:
    """Column titles, frame rules (thin, half-foot/6-frame, foot/second) and column lines."""
    per_block = min(rows, p.rows)
    for block in range(p.blocks):
        off = MARGIN + block * p.block_w
        n_rows = min(per_block, rows - block * p.rows)
        if n_rows <= 0:
            continue
        bottom = top - n_rows * p.row_h
        # column titles
        canvas.setFillGray(0.88)
        canvas.rect(off, top, p.block_w, HEAD_ROW, stroke=0, fill=1)
        canvas.setFillGray(0)
        for i, c in enumerate(p.columns):
            x0, x1 = off + p.col_x[i], off + p.col_x[i + 1]
            size = _shrink(c.title, BOLD, 6.5, x1 - x0 - 2, 4.5)
            canvas.setFont(BOLD, size)
            canvas.drawCentredString((x0 + x1) / 2, top + 5, _fit(c.title, BOLD, size, x1 - x0 - 2))
        # music columns tinted so the hand-filled ones stand out
        x0, x1 = p.x("beat", block)[0], p.x("level", block)[1]
        canvas.setFillGray(0.965)
        canvas.rect(x0, bottom, x1 - x0, n_rows * p.row_h, stroke=0, fill=1)
        canvas.setFillGray(0)
        # horizontal rules
        for r in range(n_rows + 1):
            f = start + block * p.rows + r
            y = top - r * p.row_h
            w, g = _rule(p, f, r == 0 or r == n_rows)
            canvas.setLineWidth(w)
            canvas.setStrokeGray(g)
            canvas.line(off, y, off + p.block_w, y)
        # vertical lines
        canvas.setStrokeGray(0)
        for i, x in enumerate(p.col_x):
            heavy = i in (0, len(p.col_x) - 1) or p.columns[min(i, len(p.columns) - 1)].key in ("beat", "action")
            canvas.setLineWidth(1.0 if heavy else 0.35)
            canvas.line(off + x, top + HEAD_ROW, off + x, bottom)
        canvas.setLineWidth(1.0)
        canvas.line(off, top + HEAD_ROW, off + p.block_w, top + HEAD_ROW)


def _rule(p: Plan, frame: int, edge: bool) -> tuple[float, float]:
    """Line width and grey of the rule above a frame."""
    if edge:
        return 1.0, 0
    if p.layout == "western":
        if frame % p.foot == 0:
            return 1.3, 0  # a foot
        if frame % (p.foot // 2) == 0:
            return 0.75, 0  # half a foot
        return 0.25, 0.45
    if frame % p.second == 0:
        return 1.3, 0  # a second
    if frame % p.second % 6 == 0:
        return 0.7, 0
    return 0.25, 0.45


def _music(canvas: Canvas, sheet: ExposureSheet, p: Plan, frames: range, top: float,
           changes: list[tuple[int, str]]) -> None:
    """Frame numbers, footage/seconds, beats, accents, cues and levels of the page's rows."""
    fs = p.font
    base = p.row_h * 0.28  # text baseline above the row's bottom
    cue_spans: list[tuple[int, int]] = []  # (first, last frame) of lasting cues
    tempo_starts = dict(_within(changes, frames))
    pending: list[str] = []
    for i, row in enumerate(sheet.rows(frames.start, frames.stop)):
        block, y_top = _row_pos(p, top, i)
        y = y_top - p.row_h + base
        f = row.frame
        # frame number
        x0, x1 = p.x("frame", block)
        heavy = (f % p.foot == 0) if p.layout == "western" else (f % p.second == 0)
        canvas.setFont(BOLD if heavy else FONT, fs)
        canvas.drawRightString(x1 - 2, y, str(row.number))
        if p.layout == "western":
            if f % p.foot == 0:
                x0, x1 = p.x("feet", block)
                canvas.setFont(BOLD, fs)
                canvas.drawRightString(x1 - 2, y, row.footage)
            if row.timecode and (f == frames.start or _tc_second(row.timecode)):
                x0, x1 = p.x("tc", block)
                canvas.setFont(FONT, fs * 0.92)
                canvas.drawRightString(x1 - 2, y, row.timecode)
        else:
            if f % 6 == 0 or f == frames.start:
                x0, x1 = p.x("sec", block)
                secs, rest = divmod(f, p.second)
                canvas.setFont(BOLD if rest == 0 else FONT, fs * 0.85)
                canvas.drawRightString(x1 - 2, y, f"{secs}+{rest:02d}" if rest == 0 or f == frames.start
                                       else f"+{rest:02d}")
        if row.beat is not None:
            _beat(canvas, p, block, y, y_top, row.beat)
        if row.onset > 0:
            x0, x1 = p.x("acc", block)
            marks = ">" * (1 + (row.onset >= 1 / 3) + (row.onset >= 2 / 3))
            canvas.setFont(BOLD if row.onset >= 2 / 3 else FONT, fs)
            canvas.drawString(x0 + 2, y, marks)
        labels = [c.text for c in row.cues] + pending
        if f in tempo_starts:
            labels.append(f"TEMPO {tempo_starts[f]}")
        pending = []
        if labels:
            # labels that do not fit side by side flow down to the next rows, as one would write them
            x0, x1 = p.x("cue", block)
            room = x1 - x0 - 4
            text = " / ".join(labels)
            while len(labels) > 1 and text_width(text, BOLD, fs * 0.72) > room and f + 1 < frames.stop:
                pending.insert(0, labels.pop())
                text = " / ".join(labels)
            face = face_for(text, BOLD)
            size = _shrink(text, face, fs, room, fs * 0.72)
            canvas.setFont(face, size)
            canvas.drawString(x0 + 2, y, _fit(text, face, size, room))
        for c in row.cues:
            if c.end is not None:
                last = min(sheet.frame_of(c.end) - 1, frames.stop - 1)
                if last > f:
                    cue_spans.append((f, last))
        if row.level:
            x0, x1 = p.x("level", block)
            canvas.setFillGray(0.35)
            width = (x1 - x0 - 9) * row.level / 9
            canvas.rect(x0 + 8, y_top - p.row_h * 0.78, width, p.row_h * 0.56, stroke=0, fill=1)
            canvas.setFillGray(0)
            canvas.setFont(FONT, fs * 0.8)
            canvas.drawString(x0 + 1.5, y, str(row.level))
    # a lasting cue (a stop, a whoosh) draws a line down to its last frame, like a held dialogue
    canvas.setLineWidth(1.2)
    for first, last in cue_spans:
        b0, y0 = _row_pos(p, top, first - frames.start)
        b1, y1 = _row_pos(p, top, last - frames.start)
        x = p.x("cue", b0)[1] - 4
        if b0 == b1:
            canvas.line(x, y0 - p.row_h, x, y1 - p.row_h * 0.5)
            canvas.line(x - 3, y1 - p.row_h * 0.5, x, y1 - p.row_h * 0.5)
        else:  # crosses into the next block
            canvas.line(x, y0 - p.row_h, x, top - p.rows * p.row_h)
            x1 = p.x("cue", b1)[1] - 4
            canvas.line(x1, top, x1, y1 - p.row_h * 0.5)
            canvas.line(x1 - 3, y1 - p.row_h * 0.5, x1, y1 - p.row_h * 0.5)


def _tc_second(tc: str) -> bool:
    """Timecode at the start of a second (drop-frame seconds start at ;02/;04 on dropped minutes)."""
    ff = tc[-2:]
    return ff == "00" or (tc[-3] == ";" and tc[-5:-3] == "00" and ff in ("02", "04"))


def _beat(canvas: Canvas, p: Plan, block: int, y: float, y_top: float, beat) -> None:
    x0, x1 = p.x("beat", block)
    fs = p.font
    strong = "" if beat.strength < STRONG_BEAT else " >"
    if beat.is_downbeat:
        # heavier: a dark bar over the row, the beat in bold and the bar number boxed
        canvas.setLineWidth(1.6)
        canvas.line(x0, y_top, x1, y_top)
        canvas.setFont(BOLD, fs * 1.1)
        canvas.drawString(x0 + 2, y, "1" + strong)
        text = str(beat.bar)
        w = text_width(text, BOLD, fs) + 3
        canvas.setLineWidth(0.6)
        canvas.rect(x1 - w - 1.5, y_top - p.row_h + 0.6, w, p.row_h - 1.2, stroke=1, fill=0)
        canvas.setFont(BOLD, fs)
        canvas.drawRightString(x1 - 3, y, text)
    else:
        canvas.setFont(FONT, fs)
        canvas.drawString(x0 + 2, y, f"{beat.beat}{strong}")


def _end_mark(canvas: Canvas, sheet: ExposureSheet, p: Plan, frames: range, top: float, rows: int) -> None:
    """A heavy double rule under the last frame and the cut's length; unused rows struck out."""
    used = len(frames)
    if used >= rows:
        return
    block, y_top = _row_pos(p, top, used)
    off = MARGIN + block * p.block_w
    canvas.setLineWidth(1.6)
    canvas.line(off, y_top, off + p.block_w, y_top)
    canvas.line(off, y_top - 2.2, off + p.block_w, y_top - 2.2)
    length = f"END  {sheet.frames} frames = {sheet.footage(sheet.frames)} ft = {_tc_len(sheet)}"
    size = max(p.font, 7)
    x, y = p.x("action", block)[0] + 2, y_top - p.row_h * 1.3 - 3
    canvas.setFillGray(1)
    canvas.rect(x - 2, y - 2.5, text_width(length, BOLD, size) + 4, size + 3.5, stroke=0, fill=1)
    canvas.setFillGray(0)
    canvas.setFont(BOLD, size)
    canvas.drawString(x, y, length)
    # strike out the rest of the page so nothing is timed on it by mistake
    canvas.setLineWidth(0.5)
    canvas.setStrokeGray(GREY)
    for b in range(block, p.blocks):
        bx = MARGIN + b * p.block_w
        y0 = (y_top - p.row_h * 2 - 4) if b == block else top
        y1 = top - p.rows * p.row_h
        if y0 - y1 > p.row_h:
            canvas.line(bx, y0, bx + p.block_w, y1)
    canvas.setStrokeGray(0)


def _tc_len(sheet: ExposureSheet) -> str:
    """Length of the sheet as a duration in timecode (from 00:00:00:00), or seconds without timecode."""
    if not sheet.has_timecode:
        return f"{sheet.frames / sheet.fps.fps:.2f} s"
    return to_timecode(sheet.frames, sheet.fps)


# -- headers ----------------------------------------------------------------------------------
def _within(changes: list[tuple[int, str]], frames: range) -> list[tuple[int, str]]:
    lo = bisect.bisect_left(changes, (frames.start, ""))
    hi = bisect.bisect_left(changes, (frames.stop, ""))
    return changes[lo:hi]


def _tempo_summary(sheet: ExposureSheet, frames: range, changes: list[tuple[int, str]], limit: int = 3) -> str:
    """Tempi in force on the page: ``120 BPM = 4-12``, changes with the frame number they start on."""
    seg = sheet.tempo_at(frames.start)
    if seg is None:
        return "no beat found"
    parts = [sheet.tempo_text(seg)]
    shown = parts[0].split("= ")[-1]
    for f, text in _within(changes, frames):
        if f > frames.start and text != shown:
            s = sheet.tempo_at(f)
            parts.append(f"{sheet.tempo_text(s)} at {sheet.number(f)}")
            shown = text
    more = len(parts) - limit
    return ", ".join(parts[:limit]) + (f" (+{more} more)" if more > 0 else "")


def _field(canvas: Canvas, x: float, y: float, label: str, value: str, width: float, size: float = 9) -> None:
    """A labelled header box: small caption, value written large, ruled underneath."""
    canvas.setFont(FONT, 5.5)
    canvas.setFillGray(0.35)
    canvas.drawString(x + 2, y + size + 4.5, label)
    canvas.setFillGray(0)
    face = face_for(value, BOLD)
    canvas.setFont(face, size)
    canvas.drawString(x + 2, y + 2.5, _fit(value, face, size, width - 4))
    canvas.setLineWidth(0.5)
    canvas.rect(x, y, width, size + 12, stroke=1, fill=0)


def _full_header(canvas: Canvas, sheet: ExposureSheet, p: Plan, frames: range, n: int, pages: int,
                 changes: list[tuple[int, str]], y_bottom: float) -> None:
    y_top = p.height - MARGIN
    o, a = sheet.options, sheet.analysis
    w = p.width - 2 * MARGIN
    title = "EXPOSURE SHEET" if p.layout == "western" else "TIME SHEET"
    canvas.setFont(BOLD, 12)
    canvas.drawString(MARGIN, y_top - 11, title)
    canvas.setFont(BOLD, 11)
    canvas.drawRightString(MARGIN + w, y_top - 11, f"SHEET {n} OF {pages}")
    canvas.setFont(FONT, 8)
    canvas.drawString(MARGIN + text_width(title, BOLD, 12) + 12, y_top - 10,
                      f"frames {sheet.number(frames.start)}-{sheet.number(frames.stop - 1)} "
                      f"of {sheet.frames}  ({sheet.footage(sheet.frames)} ft, {_tc_len(sheet)})")
    row1 = y_top - 36
    boxes = [("PRODUCTION", o.production, 0.34), ("SCENE", o.scene, 0.12), ("CUT", o.cut, 0.12),
             ("FPS", sheet.fps.name, 0.1), ("START TC", sheet.timecode(0) or "-", 0.16), ("ANIMATOR", "", 0.16)]
    x = MARGIN
    for label, value, frac in boxes:
        _field(canvas, x, row1, label, value, w * frac)
        x += w * frac
    row2 = row1 - 22
    boxes = [("TEMPO (BPM = beats a bar - frames a beat)", _tempo_summary(sheet, frames, changes), 0.62),
             ("AUDIO", a.source or "-", 0.38)]
    x = MARGIN
    for label, value, frac in boxes:
        _field(canvas, x, row2, label, value, w * frac, size=8)
        x += w * frac
    if p.layout == "western" and y_bottom < row2 - 30:
        # the space the Western first page leaves above its 80 frames: bars at a glance, and notes
        box_top, box_bottom = row2 - 4, y_bottom + 10
        canvas.setLineWidth(0.5)
        canvas.rect(MARGIN, box_bottom, w * 0.62, box_top - box_bottom, stroke=1, fill=0)
        canvas.rect(MARGIN + w * 0.62, box_bottom, w * 0.38, box_top - box_bottom, stroke=1, fill=0)
        _bar_strip(canvas, sheet, frames, MARGIN, box_top - 2, w * 0.62, box_bottom)
        canvas.setFont(FONT, 5.5)
        canvas.setFillGray(0.35)
        canvas.drawString(MARGIN + w * 0.62 + 2, box_top - 9, "NOTES")
        canvas.setFillGray(0)
    canvas.setFont(FONT, 5.5)
    canvas.setFillGray(0.3)
    canvas.drawString(MARGIN, y_bottom + 3, _fit(_LEGEND, FONT, 5.5, w))
    canvas.setFillGray(0)


def _bar_strip(canvas: Canvas, sheet: ExposureSheet, frames: range, x: float, y_top: float, w: float,
               y_bottom: float) -> None:
    """On page 1 of a Western sheet: where the bars on this page start, for planning at a glance."""
    bars = [(b.bar, sheet.number(int(f))) for b, f in zip(sheet.analysis.beats, sheet.beat_frames, strict=True)
            if b.is_downbeat and frames.start <= f < frames.stop]
    canvas.setFont(FONT, 5.5)
    canvas.setFillGray(0.35)
    canvas.drawString(x + 2, y_top - 7, "BARS ON THIS SHEET (bar: first frame)")
    canvas.setFillGray(0)
    canvas.setFont(FONT, 7.5)
    line, yy = "", y_top - 17
    for bar, number in bars:
        item = f"{bar}: {number}    "
        if text_width(line + item, FONT, 7.5) > w - 4:
            if yy < y_bottom + 2:
                line += "..."
                break
            canvas.drawString(x + 2, yy, line)
            line, yy = "", yy - 9
        line += item
    if line and yy >= y_bottom - 2:
        canvas.drawString(x + 2, yy, line)


def _compact_header(canvas: Canvas, sheet: ExposureSheet, p: Plan, frames: range, n: int, pages: int,
                    changes: list[tuple[int, str]]) -> None:
    o = sheet.options
    y = p.height - MARGIN - 12
    w = p.width - 2 * MARGIN
    ident = "  ".join(x for x in (o.production, f"SC {o.scene}" if o.scene else "",
                                   f"CUT {o.cut}" if o.cut else "") if x) or (sheet.analysis.source or "")
    face = face_for(ident, BOLD)
    canvas.setFont(face, 9)
    canvas.drawString(MARGIN, y, _fit(ident, face, 9, w * 0.3))
    canvas.setFont(BOLD, 9)
    canvas.drawRightString(MARGIN + w, y, f"SHEET {n} OF {pages}")
    canvas.setFont(FONT, 7)
    info = f"{sheet.fps.name} fps   {_tempo_summary(sheet, frames, changes, 2)}   {sheet.analysis.source}"
    face = face_for(info, FONT)
    canvas.setFont(face, 7)
    canvas.drawString(MARGIN + w * 0.31, y, _fit(info, face, 7, w * 0.55))


def _shrink(text: str, font: str, size: float, width: float, smallest: float) -> float:
    """The font size, down to *smallest*, at which text fits a width."""
    while size > smallest and text_width(text, font, size) > width:
        size -= 0.25
    return max(size, smallest)


def face_for(text: str, font: str) -> str:
    """*font*, or a Japanese CID font for text the standard fonts cannot show.

    Helvetica only has Windows-1252 glyphs, so a cue label or scene name typed in Japanese would
    print as boxes. ``HeiseiKakuGo-W5`` is one of the standard Adobe-Japan1 fonts PDF viewers
    supply themselves (nothing is embedded or fetched); it also covers Greek and Cyrillic.
    """
    try:
        text.encode("cp1252")
        return font
    except UnicodeEncodeError:
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.cidfonts import UnicodeCIDFont

        if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
        return CJK_FONT


def text_width(text: str, font: str, size: float) -> float:
    """The printed width of *text* (points)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return stringWidth(text, font, size)


def _fit(text: str, font: str, size: float, width: float) -> str:
    """Text cut to fit a width, with an ellipsis."""
    if text_width(text, font, size) <= width:
        return text
    while text and text_width(text + "...", font, size) > width:
        text = text[:-1]
    return text + "..." if text else ""


__all__ = ["NAME", "SUFFIXES", "DESCRIPTION", "PAPERS", "LAYOUTS", "Plan", "plan", "write", "text_width",
           "add_arguments", "options_from"]
