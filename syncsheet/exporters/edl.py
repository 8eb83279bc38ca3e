"""CMX3600 EDL of markers, for editors (DaVinci Resolve, Avid, Premiere via OTIO).

Style ``resolve`` (default) is what Resolve writes and reads as timeline markers (Timeline >
Import > Timeline Markers from EDL): one event a marked frame, followed by its marker line::

    001  001      V     C        01:00:10:00 01:00:10:01 01:00:10:00 01:00:10:01
     |C:ResolveColorYellow |M:CRASH - frame 241 - 01:00:10:00 |D:1

Style ``avid`` is one event over the whole score with Avid locator comments
(``* LOC: 01:00:10:00 YELLOW  CRASH - frame 241 - 01:00:10:00``), which the OpenTimelineIO
CMX3600 adapter turns into markers. Marks that fall on the same frame share one marker, their
names joined with `` + ``. Timecode is the sheet's (``--start-tc``); ``FCM`` says drop-frame or not.

Reading needs the frame rate (an EDL does not carry it) and places each marker at the start of
its frame, counted from the start timecode (default: the hour of the first event, as editors
start timelines at 01:00:00:00).
"""

from __future__ import annotations

import re
from typing import BinaryIO

from .. import timebase as tb
from ..errors import FormatError, SyncsheetError, TimecodeError
from ..model import Analysis
from ..wording import one_line
from . import _marks

NAME = "edl"
SUFFIXES = (".edl",)
DESCRIPTION = "CMX3600 EDL with Resolve marker lines (or Avid locators)"
STYLES = ("resolve", "avid")

#: Resolve marker colour of each kind of mark, and the Avid locator colour.
RESOLVE_COLORS = {"sfx": "Yellow", "stop": "Red", "section": "Blue", "bar": "Green", "beat": "Cream", "onset": "Sky"}
AVID_COLORS = {"sfx": "YELLOW", "stop": "RED", "section": "BLUE", "bar": "GREEN", "beat": "WHITE", "onset": "CYAN"}
#: Joins the names of marks on the same frame into one marker name.
JOIN = " + "
_RANK = ("sfx", "stop", "section", "bar", "beat", "onset")

_EVENT = re.compile(r"^(\d+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s*$")
_RESOLVE = re.compile(r"\|C:ResolveColor(?P<color>\w+)\s+\|M:(?P<name>.*?)\s+\|D:(?P<dur>\d+)")
_LOC = re.compile(r"^\*\s*LOC:\s*(?P<tc>\d\d:\d\d:\d\d[:;]\d\d)\s+(?P<color>\w*)\s*(?P<name>.*)$")


def _by_frame(sheet, include) -> list[tuple[int, str, str, int]]:
    """(frame, colour group, name, duration in frames) of each marked frame."""
    frames: dict[int, list[_marks.Mark]] = {}
    for m in _marks.marks(sheet, _marks.parse_include(include)):
        frames.setdefault(m.frame, []).append(m)
    out = []
    for frame, ms in sorted(frames.items()):
        group = min((_marks.group_of(m.kind) for m in ms), key=_RANK.index)
        name = JOIN.join(_marks.name_of(sheet, m) for m in ms)
        ends = [sheet.frame_of(m.end) for m in ms if m.end is not None]
        out.append((frame, group, name, max([1] + [e - frame for e in ends])))
    return out


def write(sheet, stream: BinaryIO, *, style: str = "resolve", include=None, title: str | None = None,
          **_options) -> None:
    """Write the marks of a sheet as a CMX3600 EDL.

    Parameters
    ----------
    sheet : ExposureSheet
    stream : binary stream
    style : {"resolve", "avid"}
    include : str or sequence, optional
        ``cues``, ``bars``, ``beats``, ``onsets`` (default ``cues,bars``).
    title : str, optional
        EDL title (default: the production, cut, or audio file name).
    """
    if style not in STYLES:
        raise FormatError(f"EDL style {style!r} is unknown; use {' or '.join(STYLES)}")
    if not sheet.has_timecode:
        raise TimecodeError(f"an EDL places events by timecode, which {sheet.fps.name} fps cannot count; "
                            "use a whole-number or NTSC rate")
    a = sheet.analysis
    title = title or sheet.options.production or sheet.options.cut or a.source or "syncsheet"
    fcm = "DROP FRAME" if sheet.fps.drop_frame else "NON-DROP FRAME"
    lines = [f"TITLE: {one_line(title)}", f"FCM: {fcm}", ""]
    tc = sheet.timecode
    if style == "resolve":
        for n, (frame, group, name, dur) in enumerate(_by_frame(sheet, include), 1):
            a_tc, b_tc = tc(frame), tc(frame + 1)
            lines.append(f"{n:03d}  001      V     C        {a_tc} {b_tc} {a_tc} {b_tc}  ")
            lines.append(f" |C:ResolveColor{RESOLVE_COLORS[group]} |M:{_clean(name)} |D:{dur}")
            lines.append("")
    else:
        a_tc, b_tc = tc(0), tc(sheet.frames)
        lines.append(f"001  AX       A     C        {a_tc} {b_tc} {a_tc} {b_tc}")
        lines.append(f"* FROM CLIP NAME: {_clean(a.source or 'audio')}")
        for frame, group, name, _ in _by_frame(sheet, include):
            lines.append(f"* LOC: {tc(frame)} {AVID_COLORS[group]:7} {_clean(name)}")
        lines.append("")
    stream.write("\r\n".join(lines).encode("utf-8"))


def _clean(text: str) -> str:
    """One line with no ``|`` (Resolve's field separator)."""
    return one_line(text.replace("|", "/"))


def read(stream: BinaryIO, *, fps="24", start_timecode: str | None = None, **_options) -> Analysis:
    """Read the markers of an EDL (Resolve marker lines or Avid locators) into an Analysis.

    Parameters
    ----------
    stream : binary stream
    fps : FrameRate or str
        The EDL's frame rate (EDLs do not state it).
    start_timecode : str, optional
        Timecode of frame 0; default the hour of the first event.

    Raises
    ------
    FormatError
        For a file that is not an EDL, or timecode that does not exist at *fps*.
    """
    rate = tb.parse_rate(fps)
    try:
        text = stream.read().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FormatError(f"EDL is not text (byte at offset {exc.start} is not UTF-8)") from None
    found: list[tuple[str, str, str, int]] = []  # (timecode, colour, name, duration)
    first_tc = None
    events = 0
    event_tc = None
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith(("TITLE:", "FCM:")):
            continue
        m = _EVENT.match(line)
        if m:
            events += 1
            event_tc = m[7]
            first_tc = first_tc or event_tc
            continue
        if events == 0:
            raise FormatError(f"EDL line {n}: {line[:40]!r} comes before any event; is this a CMX3600 EDL?")
        r = _RESOLVE.search(line)
        if r:
            found.append((event_tc, r["color"], r["name"], int(r["dur"])))
            continue
        loc = _LOC.match(line)
        if loc:
            found.append((loc["tc"], loc["color"], loc["name"], 0))
    if events == 0:
        raise FormatError("EDL has no events (no line such as '001  001  V  C  01:00:00:00 ...')")
    try:
        start = tb.from_timecode(start_timecode or _hour_of(first_tc), rate)
        return _analysis([(tb.from_timecode(t, rate) - start, c, nm, d) for t, c, nm, d in found], rate)
    except SyncsheetError as exc:
        raise FormatError(f"EDL timecode: {exc}") from None


def _hour_of(tc: str) -> str:
    """The start of the hour a timecode is in (EDLs start on the hour, 01:00:00:00 by custom)."""
    if len(tc) < 11:
        raise TimecodeError(f"timecode {tc!r} is not HH:MM:SS:FF")
    return f"{tc[:2]}:00:00{tc[8]}00"


def _analysis(marks: list[tuple[int, str, str, int]], rate: tb.FrameRate) -> Analysis:
    found = []
    duration = 0.0
    for frame, _color, name, dur in marks:
        if frame < 0:
            raise FormatError(f"EDL marker {name!r} is before the start timecode")
        t = tb.frame_start(frame, rate)
        end = tb.frame_start(frame + dur, rate) if dur > 1 else None
        duration = max(duration, tb.frame_start(frame + max(dur, 1), rate))
        found += [(t, end, part, None) for part in name.split(JOIN)]
    return _marks.analysis_of(found, duration)


def add_arguments(group) -> None:
    """EDL options for the CLI."""
    group.add_argument("--edl-style", choices=STYLES, default="resolve",
                       help="resolve: one marker event a frame (default); avid: locators on one event")
    _marks.include_argument(group, NAME)


def options_from(args) -> dict:
    """write() options from parsed CLI arguments."""
    return {"style": getattr(args, "edl_style", "resolve"), "include": getattr(args, "edl_include", None)}
