"""The JSON sheet: syncsheet's stable contract for scripts and other tools (schema in README).

Top level: ``format`` and ``version``, ``fps`` (as given), ``duration_s``, ``frames`` (total),
``sample_rate``, ``source``, ``first_frame``, ``lead``, ``tempo``, and the lists ``beats``,
``downbeats``, ``onsets``, ``cues`` of objects with ``time`` (seconds) and ``frame`` (0-based
film frame); ``levels_db`` is one value per frame.
"""

from __future__ import annotations

import json
import math
from typing import BinaryIO

import numpy as np

from ..errors import FormatError
from ..model import Analysis, Beat, Cue, Levels, Onset, TempoMap, TempoSegment

NAME = "json"
SUFFIXES = (".json",)
DESCRIPTION = "JSON analysis on frames (the stable contract)"
FORMAT = "syncsheet.sheet"
VERSION = 1


def _r(x: float) -> float:
    return round(float(x), 6)


def to_dict(sheet) -> dict:
    """The JSON document of a sheet, as Python objects."""
    a = sheet.analysis
    fr = sheet.frame_of
    return {
        "format": FORMAT,
        "version": VERSION,
        "fps": sheet.fps.name,
        "duration_s": _r(a.duration),
        "frames": sheet.frames,
        "sample_rate": a.sample_rate,
        "source": a.source,
        "first_frame": sheet.options.first_frame,
        "lead": sheet.options.lead,
        "start_timecode": sheet.timecode(0),
        "tempo": [
            {"time": _r(s.start), "frame": fr(s.start), "bpm": _r(s.bpm), "beats_per_bar": s.beats_per_bar,
             "frames_per_beat": _r(sheet.frames_per_beat(s))}
            for s in a.tempo.segments
        ],
        "beats": [
            {"time": _r(b.time), "frame": fr(b.time), "bar": b.bar, "beat": b.beat, "strength": _r(b.strength)}
            for b in a.beats
        ],
        "downbeats": [{"time": _r(b.time), "frame": fr(b.time), "bar": b.bar} for b in a.downbeats],
        "onsets": [{"time": _r(o.time), "frame": fr(o.time), "strength": _r(o.strength)} for o in a.onsets],
        "cues": [
            {"time": _r(c.time), "frame": fr(c.time), "kind": c.kind, "label": c.text,
             "strength": _r(c.strength), "end": None if c.end is None else _r(c.end)}
            for c in a.cues
        ],
        "levels_db": [round(float(v), 1) for v in sheet.level_db],
        "warnings": list(a.warnings),
    }


def write(sheet, stream: BinaryIO, **_options) -> None:
    """Write the sheet as UTF-8 JSON."""
    stream.write(json.dumps(to_dict(sheet), indent=1, ensure_ascii=False).encode("utf-8"))
    stream.write(b"\n")


def read(stream: BinaryIO, **_options) -> Analysis:
    """Read an Analysis back from a JSON sheet.

    Raises
    ------
    FormatError
        For anything that is not a syncsheet JSON sheet, naming what is wrong.
    """
    try:
        doc = json.loads(stream.read().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise FormatError(f"not a syncsheet JSON sheet: {exc}") from None
    if not isinstance(doc, dict):
        raise FormatError("not a syncsheet JSON sheet: the top level is not an object")
    try:
        duration = _num(doc["duration_s"], "duration_s")
        beats = tuple(
            Beat(_num(b["time"], "beat time"), int(b.get("bar", 1)), int(b.get("beat", 1)),
                 _num(b.get("strength", 1.0), "strength"))
            for b in doc.get("beats", [])
        )
        onsets = tuple(Onset(_num(o["time"], "onset time"), _num(o.get("strength", 1.0), "strength"))
                       for o in doc.get("onsets", []))
        cues = tuple(
            Cue(_num(c["time"], "cue time"), str(c.get("kind", "hit")), str(c.get("label", "")),
                _num(c.get("strength", 1.0), "strength"), None if c.get("end") is None else _num(c["end"], "end"))
            for c in doc.get("cues", [])
        )
        tempo = TempoMap(tuple(
            TempoSegment(_num(s["time"], "tempo time"), _num(s["bpm"], "bpm"), int(s.get("beats_per_bar", 4)))
            for s in doc.get("tempo", [])
        ))
        return Analysis(
            duration,
            int(doc.get("sample_rate", 44100)),
            beats=beats,
            onsets=onsets,
            cues=cues,
            tempo=tempo,
            levels=Levels(0.01, np.zeros(0, np.float32)),
            source=str(doc.get("source", "")),
            warnings=tuple(str(w) for w in doc.get("warnings", [])),
        )
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
        raise FormatError(f"not a syncsheet JSON sheet: bad or missing field ({exc})") from None


def _num(value, what: str) -> float:
    x = float(value)
    if not math.isfinite(x) or x < 0 and what != "strength":
        raise ValueError(f"{what} {value!r}")
    return x
