"""The marks the marker formats share (MIDI, Audacity labels, EDL, OTIO): what to mark and how to name it.

A mark is a cue, a bar, a beat or an onset, with its exact time in seconds and the frame the sheet
marks it on. Every format names a mark the same way, ``LABEL - frame N - TIMECODE`` (the frame number
as printed on the sheet, the timecode of that frame), so a marker in a DAW, in Audacity and in an
editor reads the same as the X-sheet. :func:`split_name` undoes it when reading a file back.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass

from ..errors import FormatError, TimecodeError
from ..model import CUE_KINDS, Analysis, Beat, Cue, Onset, TempoMap

__all__ = ["Mark", "marks", "group_of", "name_of", "split_name", "kind_of_label", "SFX_KINDS", "INCLUDE",
           "parse_include"]

#: Cue kinds that are sound-effect hits (MIDI cue points); the other kinds are structure (MIDI markers).
SFX_KINDS = ("impact", "crash", "glass", "whoosh", "hit")
#: What a marker file can include.
INCLUDE = ("cues", "bars", "beats", "onsets")
DEFAULT_INCLUDE = ("cues", "bars")

_NAME = re.compile(r"^(?P<label>.*?) - frame (?P<number>\d+)( - (?P<tc>\d\d:\d\d:\d\d[:;]\d\d))?$")
_BAR = re.compile(r"^Bar (?P<bar>\d+)$")
_BEAT = re.compile(r"^Beat (?P<bar>\d+):(?P<beat>\d+)$")


@dataclass(frozen=True)
class Mark:
    """One thing to mark.

    Attributes
    ----------
    time : float
        Seconds, exact as analysed (not moved to the frame start).
    end : float or None
        End in seconds of a mark that lasts (a stop); None for a point.
    kind : str
        A cue kind (:data:`~syncsheet.model.CUE_KINDS`), or ``bar``, ``beat``, ``onset``.
    label : str
        ``CRASH``, ``Bar 12``, ``Beat 12:3``, ``Onset``.
    frame : int
        0-based frame the sheet marks it on (lead applied).
    strength : float
    """

    time: float
    end: float | None
    kind: str
    label: str
    frame: int
    strength: float = 1.0

    @property
    def is_sfx(self) -> bool:
        return self.kind in SFX_KINDS


def marks(sheet, include: tuple[str, ...] | list[str] = DEFAULT_INCLUDE) -> list[Mark]:
    """The marks of a sheet, sorted by time (cues before bars at the same time).

    Parameters
    ----------
    sheet : ExposureSheet
    include : sequence of {"cues", "bars", "beats", "onsets"}
        ``beats`` marks every beat that is not a downbeat; ``bars`` every downbeat.
    """
    a = sheet.analysis
    out: list[tuple[float, int, Mark]] = []
    if "cues" in include:
        for c in a.cues:
            out.append((c.time, 0, Mark(c.time, c.end, c.kind, c.text, sheet.frame_of(c.time), c.strength)))
    for b in a.beats:
        if b.is_downbeat and "bars" in include:
            out.append((b.time, 1, Mark(b.time, None, "bar", f"Bar {b.bar}", sheet.frame_of(b.time), b.strength)))
        elif not b.is_downbeat and "beats" in include:
            label = f"Beat {b.bar}:{b.beat}"
            out.append((b.time, 2, Mark(b.time, None, "beat", label, sheet.frame_of(b.time), b.strength)))
    if "onsets" in include:
        for o in a.onsets:
            out.append((o.time, 3, Mark(o.time, None, "onset", "Onset", sheet.frame_of(o.time), o.strength)))
    out.sort(key=lambda e: (e[0], e[1]))
    return [m for _, _, m in out]


def group_of(kind: str) -> str:
    """The colour group of a mark kind: ``sfx``, ``stop``, ``section``, ``bar``, ``beat`` or ``onset``."""
    if kind in SFX_KINDS:
        return "sfx"
    if kind in ("stop", "restart"):
        return "stop"
    if kind in ("bar", "beat", "onset"):
        return kind
    return "section"


def name_of(sheet, mark: Mark) -> str:
    """``LABEL - frame N - TIMECODE`` for a mark (frame number as printed on the sheet).

    At a rate timecode cannot count (12.5 fps) the name is ``LABEL - frame N``.
    """
    name = f"{mark.label} - frame {sheet.number(mark.frame)}"
    tc = timecode_or_dash(sheet, mark.frame)
    return name if tc == "-" else f"{name} - {tc}"


def timecode_or_dash(sheet, frame: int) -> str:
    """The timecode of a frame, or ``-`` at a rate timecode cannot count or past 24 hours."""
    if not sheet.has_timecode:
        return "-"
    try:
        return sheet.timecode(frame)
    except TimecodeError:
        return "-"


def split_name(text: str) -> str:
    """The label of a name made by :func:`name_of`; any other text is returned stripped."""
    m = _NAME.match(text.strip())
    return m["label"] if m else text.strip()


def kind_of_label(label: str, default: str) -> str:
    """The mark kind a label names: ``bar``/``beat``/``onset`` for our own marks, the cue kind its
    first word names (``CRASH``, ``Glass smash``), or *default*."""
    if _BAR.match(label):
        return "bar"
    if _BEAT.match(label):
        return "beat"
    if label == "Onset":
        return "onset"
    words = label.strip().lower().split()
    return words[0] if words and words[0] in CUE_KINDS else default


def bar_beat_of_label(label: str) -> tuple[int, int] | None:
    """(bar, beat) of a ``Bar N`` or ``Beat N:M`` label, else None."""
    m = _BAR.match(label)
    if m:
        return int(m["bar"]), 1
    m = _BEAT.match(label)
    if m:
        return int(m["bar"]), int(m["beat"])
    return None


def beats_and_tempo(beats: list) -> tuple[tuple, TempoMap]:
    """Beats read from a marker file, sorted with duplicates (same time) dropped, and their tempo map."""
    out: list = []
    for b in sorted(beats):
        if not out or b.time - out[-1].time > 1e-6:
            out.append(b)
    return tuple(out), TempoMap.from_beats(out)


def analysis_of(marks, duration: float) -> Analysis:
    """An Analysis from the marks a marker file holds (labels, EDL, OTIO read back).

    Parameters
    ----------
    marks : iterable of (time, end or None, name, kind or None)
        Seconds, the name as written, and the kind when the file states it.
    duration : float

    Labels syncsheet wrote for bars and beats become beats, onset labels onsets, all else cues
    (their kind from the label's first word when the file does not state it).
    """
    beats, onsets, cues = [], [], []
    for t, end, name, kind in marks:
        label = split_name(name)
        kind = kind or kind_of_label(label, "marker")
        if kind in ("bar", "beat"):
            beats.append(Beat(t, *(bar_beat_of_label(label) or (1, 1))))
        elif kind == "onset":
            onsets.append(Onset(t))
        else:
            cues.append(Cue(t, kind if kind in CUE_KINDS else "marker", label, 1.0, end))
    sorted_beats, tempo = beats_and_tempo(beats)
    return Analysis(duration, beats=sorted_beats, onsets=tuple(onsets), cues=tuple(cues), tempo=tempo)


def parse_include(text: str | tuple | list | None) -> tuple[str, ...]:
    """``cues,bars`` -> ("cues", "bars"); raises FormatError naming an unknown word."""
    if text is None:
        return DEFAULT_INCLUDE
    words = [w.strip() for w in text.split(",")] if isinstance(text, str) else list(text)
    words = [w for w in words if w]
    bad = [w for w in words if w not in INCLUDE]
    if bad:
        raise FormatError(f"cannot include {', '.join(map(repr, bad))} in markers; choose from {', '.join(INCLUDE)}")
    return tuple(words)


def _include_type(text: str) -> tuple[str, ...]:
    """argparse type: a bad list is a usage error before any analysis starts."""
    try:
        return parse_include(text)
    except FormatError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def include_argument(group: argparse._ArgumentGroup, name: str) -> None:
    """Add ``--NAME-include`` to a format's option group."""
    group.add_argument(
        f"--{name}-include", type=_include_type, default=",".join(DEFAULT_INCLUDE), metavar="LIST",
        dest=f"{name}_include",
        help=f"what to mark, comma-separated from {', '.join(INCLUDE)} (default %(default)s)",
    )
