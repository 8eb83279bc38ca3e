"""The exposure sheet: an analysis quantised to film frames, one row per frame, in pages.

This is the only module where seconds become frames (through :mod:`syncsheet.timebase`).
Rows are built on demand, so a two-hour reel (172,800 rows at 24 fps) costs a few arrays.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import numpy as np

from . import timebase as tb
from .errors import TimecodeError
from .model import Analysis, Beat, Cue, TempoMap, TempoSegment
from .timebase import FrameRate
from .wording import one_line

__all__ = [
    "check_timecode_room",
    "with_audio_start",
    "SheetOptions",
    "Row",
    "ExposureSheet",
    "BarSection",
    "Bar",
    "BarSheet",
    "level_0_9",
    "fpb_text",
]

#: Per-frame levels 0-9 span this many dB below the loudest frame.
LEVEL_RANGE_DB = 48.0


@dataclass(frozen=True)
class SheetOptions:
    """How a sheet is numbered and titled.

    Attributes
    ----------
    first_frame : {0, 1}
        Number shown on the first row (frames are 0-based inside the code).
    lead : int >= 0
        Mark every event this many frames before it sounds.
    start_timecode : str or None
        Timecode of the first frame (``01:00:00:00``); None starts at 00:00:00:00.
    production, scene, cut : str
        Header fields.
    gauge : {"35mm", "16mm"}
        Film gauge for footage.
    """

    first_frame: int = 1
    lead: int = 0
    start_timecode: str | None = None
    production: str = ""
    scene: str = ""
    cut: str = ""
    gauge: str = "35mm"

    def __post_init__(self) -> None:
        if self.first_frame not in (0, 1):
            raise TimecodeError(f"first frame number {self.first_frame} must be 0 or 1")
        if self.lead < 0:
            raise TimecodeError(f"lead of {self.lead} frames must be 0 or more")
        if self.gauge not in tb.FRAMES_PER_FOOT:
            raise TimecodeError(f"film gauge {self.gauge!r} is unknown; use 35mm or 16mm")
        for name in ("production", "scene", "cut"):  # frozen: the one-line form every format prints
            object.__setattr__(self, name, one_line(getattr(self, name)))


@dataclass(frozen=True)
class Row:
    """One frame of the sheet.

    Attributes
    ----------
    frame : int
        0-based frame index.
    number : int
        The frame number as printed (``frame + first_frame``).
    timecode, footage : str
    beat : Beat or None
        The beat that falls on this frame.
    onset : float
        Strongest onset on this frame (0 if none).
    cues : tuple of Cue
    level_db : float
        Loudest 10 ms RMS in the frame, dBFS.
    level : int
        0-9 relative level.
    """

    frame: int
    number: int
    timecode: str
    footage: str
    beat: Beat | None
    onset: float
    cues: tuple[Cue, ...]
    level_db: float
    level: int


def level_0_9(db: np.ndarray) -> np.ndarray:
    """Map dBFS to 0-9, 9 at the loudest value and 0 at LEVEL_RANGE_DB below it (or silence)."""
    db = np.asarray(db, dtype=np.float32)
    if not db.size:
        return np.zeros(0, np.int8)
    top = float(db.max())
    if top <= -100:
        return np.zeros(db.shape, np.int8)
    scaled = (db - (top - LEVEL_RANGE_DB)) / LEVEL_RANGE_DB * 9
    return np.clip(np.round(scaled), 0, 9).astype(np.int8)


@dataclass(frozen=True)
class ExposureSheet:
    """An analysis on frames.

    Parameters
    ----------
    analysis : Analysis
    fps : FrameRate
    options : SheetOptions
    """

    analysis: Analysis
    fps: FrameRate
    options: SheetOptions = field(default_factory=SheetOptions)
    frames: int = field(init=False)
    start_frame: int = field(init=False)
    has_timecode: bool = field(init=False, repr=False)
    beat_at: dict[int, Beat] = field(init=False, repr=False, compare=False)
    onset_at: dict[int, float] = field(init=False, repr=False, compare=False)
    cues_at: dict[int, tuple[Cue, ...]] = field(init=False, repr=False, compare=False)
    beat_frames: np.ndarray = field(init=False, repr=False, compare=False)
    level_db: np.ndarray = field(init=False, repr=False, compare=False)
    levels: np.ndarray = field(init=False, repr=False, compare=False)
    segment_frames: np.ndarray = field(init=False, repr=False, compare=False)
    _segments: tuple[TempoSegment, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        fps = tb.parse_rate(self.fps)
        object.__setattr__(self, "fps", fps)
        a, lead = self.analysis, self.options.lead
        total = max(1, _ceil_frames(a.duration, fps))
        start = tb.from_timecode(self.options.start_timecode, fps) if self.options.start_timecode else 0
        try:
            has_tc = fps.nominal > 0
        except TimecodeError:
            has_tc = False
        beats: dict[int, Beat] = {}
        for b in a.beats:
            f = min(self.frame_of(b.time), total - 1)
            if f not in beats or (b.is_downbeat and not beats[f].is_downbeat):
                beats[f] = b
        onsets: dict[int, float] = {}
        for o in a.onsets:
            f = min(self.frame_of(o.time), total - 1)
            onsets[f] = max(onsets.get(f, 0.0), o.strength)
        cues: dict[int, list[Cue]] = {}
        for c in a.cues:
            cues.setdefault(min(self.frame_of(c.time), total - 1), []).append(c)
        level_db = _frame_levels(a, fps, total, lead)
        segments = a.tempo.segments or TempoMap.from_beats(a.beats).segments
        for name, value in (
            ("frames", total),
            ("start_frame", start),
            ("has_timecode", has_tc),
            ("beat_at", beats),
            ("onset_at", onsets),
            ("cues_at", {k: tuple(v) for k, v in cues.items()}),
            ("beat_frames", tb.frames_of([b.time for b in a.beats], fps, lead)),
            ("level_db", level_db),
            ("levels", level_0_9(level_db)),
            ("_segments", segments),
            ("segment_frames", tb.frames_of([seg.start for seg in segments], fps, lead)),
        ):
            object.__setattr__(self, name, value)
        self.level_db.setflags(write=False)
        self.levels.setflags(write=False)
        check_timecode_room(a.duration, fps, self.options)  # before any export

    # -- frames -------------------------------------------------------------------------
    def frame_of(self, seconds: float) -> int:
        """The 0-based frame an event at *seconds* is marked on (lead applied)."""
        return tb.frame_of(seconds, self.fps, self.options.lead)

    def number(self, frame: int) -> int:
        """The printed number of a 0-based frame."""
        return frame + self.options.first_frame

    def timecode(self, frame: int) -> str:
        """SMPTE timecode of a frame from the start timecode; ``""`` at rates timecode cannot count
        (such as 12.5 fps)."""
        if not self.has_timecode:
            return ""
        return tb.to_timecode(frame, self.fps, self.start_frame)

    def footage(self, frame: int) -> str:
        return tb.to_feet(frame, self.options.gauge)

    def bar_beat(self, frame: int) -> str:
        """``bar:beat`` in force on a frame (the last beat at or before it), or ``-``."""
        beat = self.beat_before(frame)
        return f"{beat.bar}:{beat.beat}" if beat else "-"

    def beat_before(self, frame: int) -> Beat | None:
        """The last beat marked at or before a frame."""
        i = int(np.searchsorted(self.beat_frames, frame, side="right"))
        return self.analysis.beats[i - 1] if i else None

    # -- rows and pages ----------------------------------------------------------------
    def row(self, frame: int) -> Row:
        if not 0 <= frame < self.frames:
            raise IndexError(f"frame {frame} is outside the sheet (0-{self.frames - 1})")
        return Row(
            frame,
            self.number(frame),
            self.timecode(frame),
            self.footage(frame),
            self.beat_at.get(frame),
            self.onset_at.get(frame, 0.0),
            self.cues_at.get(frame, ()),
            float(self.level_db[frame]),
            int(self.levels[frame]),
        )

    def rows(self, start: int = 0, stop: int | None = None) -> Iterator[Row]:
        """Rows of frames ``[start, stop)``, built one at a time."""
        stop = self.frames if stop is None else min(stop, self.frames)
        for f in range(max(0, start), stop):
            yield self.row(f)

    def pages(self, per_page: int, first_page: int | None = None) -> list[range]:
        """Frame ranges of each page: *first_page* frames on page 1 (default *per_page*)."""
        return list(self.iter_pages(per_page, first_page))

    def page_count(self, per_page: int, first_page: int | None = None) -> int:
        """How many pages :meth:`pages` gives, without building them."""
        first = _check_pages(per_page, first_page)
        rest = max(0, self.frames - first)
        return 1 + -(-rest // per_page)

    def iter_pages(self, per_page: int, first_page: int | None = None) -> Iterator[range]:
        """Frame ranges of each page, one at a time (a 2 h reel has thousands)."""
        first = _check_pages(per_page, first_page)
        yield range(0, min(first, self.frames))
        for f in range(first, self.frames, per_page):
            yield range(f, min(f + per_page, self.frames))

    # -- music on frames ---------------------------------------------------------------
    def frames_per_beat(self, segment: TempoSegment) -> float:
        """Tempo as animators write it: frames per beat (12.0 for 120 BPM at 24 fps)."""
        return float(self.fps.rate) * 60.0 / segment.bpm

    def tempo_at(self, frame: int) -> TempoSegment | None:
        """The tempo segment in force on a frame (from the analysis' tempo map, or its beats)."""
        segments = self.tempo_segments
        if not segments:
            return None
        i = int(np.searchsorted(self.segment_frames, frame, side="right"))
        return segments[max(0, i - 1)]

    @property
    def tempo_segments(self) -> tuple[TempoSegment, ...]:
        """Tempo segments of the analysis; derived from the beats when the map is empty."""
        return self._segments

    def tempo_text(self, segment: TempoSegment) -> str:
        """``"120 BPM = 4-12"``: tempo as musicians and as animators write it."""
        bpm = f"{segment.bpm:.1f}".removesuffix(".0")
        return f"{bpm} BPM = {segment.beats_per_bar}-{fpb_text(self.frames_per_beat(segment))}"

    def tempo_changes(self) -> list[tuple[int, str, TempoSegment]]:
        """Where the written tempo changes: ``(frame, "4-12", segment)``.

        Segments that read the same are one, and a tempo lasting less than a bar is a wobble of
        the beat rather than a change an animator writes down.
        """
        segs = self.tempo_segments
        out: list[tuple[int, str, TempoSegment]] = []
        for i, (f, seg) in enumerate(zip(self.segment_frames, segs, strict=True)):
            text = f"{seg.beats_per_bar}-{fpb_text(self.frames_per_beat(seg))}"
            nxt = int(self.segment_frames[i + 1]) if i + 1 < len(segs) else self.frames
            if i and nxt - f < seg.beats_per_bar * self.frames_per_beat(seg):
                continue
            if not out or out[-1][1] != text:
                out.append((0 if not out else int(f), text, seg))
        return out

    def bar_sheet(self) -> BarSheet:
        """The bar sheet: tempo sections in frames per beat and each bar's first frame."""
        return _bar_sheet(self)



def fpb_text(fpb: float) -> str:
    """Frames per beat as a bar sheet writes it: ``12`` when whole, else one decimal (``18.7``)."""
    whole = round(fpb)
    if abs(fpb - whole) < 0.05:
        return str(whole)
    return f"{fpb:.1f}"


def with_audio_start(options: SheetOptions, info, fps: FrameRate | str) -> SheetOptions:
    """*options* starting at the audio's own timecode where they name no start: a Broadcast WAV's
    time reference, which a DAW writes from its session, or else the timecode a channel carries
    (:meth:`~syncsheet.audio.AudioInfo.start_timecode`), so the sheet's timecode, the EDL and the
    MIDI file's SMPTE offset sit on that timeline. Audio that would run past midnight from it keeps
    *options* (timecode does not wrap)."""
    if options.start_timecode is None and info.timeline_reference:
        tc = info.start_timecode(tb.parse_rate(fps))
        if tc is not None:
            started = replace(options, start_timecode=tc)
            try:
                check_timecode_room(info.duration, fps, started)
            except TimecodeError:
                return options
            return started
    return options


def check_timecode_room(duration: float, fps: FrameRate | str, options: SheetOptions) -> None:
    """Refuse a sheet whose rows would run past 24:00:00:00 from the start timecode.

    Every row needs a timecode and timecode does not wrap. The audio's header gives its duration
    before the analysis, so a command can say this at once rather than after a reel's analysis.

    Raises
    ------
    TimecodeError
    """
    fps = tb.parse_rate(fps)
    total = max(1, _ceil_frames(duration, fps))
    start = tb.from_timecode(options.start_timecode, fps) if options.start_timecode else 0
    if fps.rate.denominator in (1, 1001) and start + total > fps.frames_per_day:
        raise TimecodeError(
            f"start timecode {options.start_timecode or '00:00:00:00'} plus {total} frames runs past "
            f"24:00:00:00 at {fps.name} fps; use an earlier start timecode"
        )


def _check_pages(per_page: int, first_page: int | None) -> int:
    if per_page < 1 or (first_page is not None and first_page < 1):
        raise ValueError(f"pages need at least one frame each (got {per_page} a page, first page {first_page})")
    return per_page if first_page is None else first_page


@dataclass(frozen=True)
class Bar:
    """One bar on the bar sheet.

    Attributes
    ----------
    bar : int
        Bar number from the analysis.
    frame : int
        0-based frame of its downbeat.
    beats : int
        Beats counted in the bar.
    frames : int
        Frames from this downbeat to the next one (or to the last beat's end).
    section : int
        Index of its :class:`BarSection`.
    """

    bar: int
    frame: int
    beats: int
    frames: int
    section: int


@dataclass(frozen=True)
class BarSection:
    """A stretch of steady tempo and meter, in the animators' notation.

    Attributes
    ----------
    index : int
    frame : int
        0-based first frame.
    end : int
        0-based frame where the next section starts (or the sheet ends).
    bpm : float
    beats_per_bar : int
    frames_per_beat : float
    label : str
        A section cue's label falling in it (``Chorus``), else ``""``.
    """

    index: int
    frame: int
    end: int
    bpm: float
    beats_per_bar: int
    frames_per_beat: float
    label: str = ""

    @property
    def notation(self) -> str:
        """``"2-12"``: beats a bar, dash, frames a beat."""
        return f"{self.beats_per_bar}-{fpb_text(self.frames_per_beat)}"


@dataclass(frozen=True)
class BarSheet:
    """The bar sheet summary: sections and bars."""

    sections: tuple[BarSection, ...]
    bars: tuple[Bar, ...]

    def bars_in(self, section: BarSection) -> tuple[Bar, ...]:
        return tuple(b for b in self.bars if b.section == section.index)


def _bar_sheet(sheet: ExposureSheet) -> BarSheet:
    changes = sheet.tempo_changes()
    starts = [f for f, _, _ in changes]
    section_cues = [(sheet.frame_of(c.time), c.text) for c in sheet.analysis.cues if c.kind == "section"]
    sections = []
    for i, (start, _, seg) in enumerate(changes):
        end = starts[i + 1] if i + 1 < len(changes) else sheet.frames
        label = next((text for f, text in section_cues if start <= f < max(end, start + 1)), "")
        sections.append(BarSection(i, start, end, seg.bpm, seg.beats_per_bar, sheet.frames_per_beat(seg), label))
    beats = sheet.analysis.beats
    frames = sheet.beat_frames
    # a bar runs from its downbeat to the next; beats before the first downbeat are an upbeat
    downs = [i for i, b in enumerate(beats) if b.is_downbeat]
    bars: list[Bar] = []
    for n, i in enumerate(downs):
        j = downs[n + 1] if n + 1 < len(downs) else len(beats)
        first = int(frames[i])
        if j < len(beats):
            length = int(frames[j]) - first
        else:  # the last bar lasts its beats at the last tempo
            seg = sheet.tempo_at(first)
            length = round((j - i) * sheet.frames_per_beat(seg)) if seg else int(frames[j - 1]) - first + 1
        k = max(0, bisect.bisect_right(starts, first) - 1)
        bars.append(Bar(beats[i].bar, first, j - i, max(1, length), k))
    return BarSheet(tuple(sections), tuple(bars))


def _ceil_frames(seconds: float, fps: FrameRate) -> int:
    """Frames needed to hold *seconds* of audio (exact, rounding up)."""
    ns = round(seconds * 10**9)
    num, den = fps.rate.numerator, fps.rate.denominator
    return -((-ns * num) // (10**9 * den))


def _frame_levels(a: Analysis, fps: FrameRate, total: int, lead: int) -> np.ndarray:
    """Loudest level step inside each frame (shifted by the lead like every other mark)."""
    db = a.levels.db
    out = np.full(total, -120.0, np.float32)
    if not db.size:
        return out
    idx = tb.frames_of(np.arange(db.size) * a.levels.step, fps, lead)
    keep = idx < total
    np.maximum.at(out, idx[keep], db[keep])
    return out
