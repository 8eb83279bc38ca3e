"""OpenTimelineIO timeline (``.otio``) with the score as an audio clip and the marks as markers.

Written as OTIO's own JSON (schemas Timeline.1, Stack.1, Track.1, Clip.2, ExternalReference.1,
Marker.2, as OpenTimelineIO 0.17+ writes them), without importing opentimelineio: the library is
only needed by whoever reads the file (Resolve, Premiere and Avid through OTIO's adapters, Nuke
Studio/Hiero, RV). Markers sit on the timeline's stack; each has a ``marked_range`` on its frame
(a stop spans to its restart), a ``color``, a ``name`` (``LABEL - frame N - TIMECODE``) and
``metadata["syncsheet"]`` with the exact time in seconds, the kind, the frame and the strength.
``global_start_time`` is the sheet's start timecode.

Reading takes markers from anywhere in the timeline (stack, tracks, clips), placed by
``metadata["syncsheet"]["time"]`` when present, else by their range on the timeline.
"""

from __future__ import annotations

import json
import math
from typing import BinaryIO

from ..errors import FormatError
from ..model import Analysis
from . import _marks

NAME = "otio"
SUFFIXES = (".otio",)
DESCRIPTION = "OpenTimelineIO timeline with markers"

#: OTIO marker colour of each colour group (see ``_marks.group_of``).
COLORS = {"sfx": "YELLOW", "stop": "RED", "section": "BLUE", "bar": "GREEN", "beat": "WHITE", "onset": "CYAN"}


def _rt(value: float, rate: float) -> dict:
    return {"OTIO_SCHEMA": "RationalTime.1", "rate": rate, "value": float(value)}


def _range(start: float, duration: float, rate: float) -> dict:
    return {"OTIO_SCHEMA": "TimeRange.1", "duration": _rt(duration, rate), "start_time": _rt(start, rate)}


def _item(schema: str, name: str, **fields) -> dict:
    return {"OTIO_SCHEMA": schema, "metadata": fields.pop("metadata", {}), "name": name, "source_range": None,
            "effects": [], "markers": [], "enabled": True, "color": None, **fields}


def to_dict(sheet, include=None) -> dict:
    """The OTIO document of a sheet, as Python objects."""
    a, rate = sheet.analysis, float(sheet.fps.rate)
    markers = []
    for m in _marks.marks(sheet, _marks.parse_include(include)):
        length = max(0, sheet.frame_of(m.end) - m.frame) if m.end is not None else 0
        markers.append({
            "OTIO_SCHEMA": "Marker.2",
            "metadata": {"syncsheet": {"time": round(m.time, 6), "kind": m.kind, "frame": m.frame,
                                       "number": sheet.number(m.frame), "strength": round(m.strength, 3),
                                       "end": None if m.end is None else round(m.end, 6)}},
            "name": _marks.name_of(sheet, m),
            "color": COLORS[_marks.group_of(m.kind)],
            "marked_range": _range(m.frame, length, rate),
            "comment": "",
        })
    source = a.source or "audio"
    clip = _item(
        "Clip.2", source,
        source_range=_range(0, sheet.frames, rate),
        media_references={"DEFAULT_MEDIA": {
            "OTIO_SCHEMA": "ExternalReference.1", "metadata": {}, "name": source,
            "available_range": _range(0, sheet.frames, rate), "available_image_bounds": None,
            "target_url": source,
        }},
        active_media_reference_key="DEFAULT_MEDIA",
    )
    track = _item("Track.1", "Music", children=[clip], kind="Audio")
    stack = _item("Stack.1", "tracks", children=[track])
    stack["markers"] = markers
    return {
        "OTIO_SCHEMA": "Timeline.1",
        "metadata": {"syncsheet": {"fps": sheet.fps.name, "source": a.source, "duration_s": round(a.duration, 6)}},
        "name": sheet.options.production or sheet.options.cut or source,
        "global_start_time": _rt(sheet.start_frame, rate),
        "tracks": stack,
    }


def write(sheet, stream: BinaryIO, *, include=None, **_options) -> None:
    """Write the sheet as an ``.otio`` timeline (UTF-8 JSON).

    Parameters
    ----------
    include : str or sequence, optional
        ``cues``, ``bars``, ``beats``, ``onsets`` (default ``cues,bars``).
    """
    stream.write(json.dumps(to_dict(sheet, include), indent=4, ensure_ascii=False).encode("utf-8"))
    stream.write(b"\n")


def read(stream: BinaryIO, **_options) -> Analysis:
    """Read every marker of an ``.otio`` timeline into an Analysis.

    Raises
    ------
    FormatError
        For a file that is not an OTIO timeline, or a marker without a usable range.
    """
    try:
        doc = json.loads(stream.read().decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise FormatError(f"not an OTIO file: {exc}") from None
    if not isinstance(doc, dict) or not str(doc.get("OTIO_SCHEMA", "")).startswith("Timeline."):
        raise FormatError("not an OTIO timeline: the top level is not a Timeline")
    meta = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
    meta = meta.get("syncsheet") if isinstance(meta.get("syncsheet"), dict) else {}
    try:
        duration = float(meta.get("duration_s", 0) or 0)
    except (TypeError, ValueError):
        duration = -1.0
    if not 0 <= duration < float("inf"):
        raise FormatError(f"OTIO timeline has an impossible duration_s {meta.get('duration_s')!r}")
    found = []
    try:
        for marker, offset in _markers(doc.get("tracks"), 0.0):
            t, end = _time_of(marker, offset)
            duration = max(duration, end if end is not None else t)
            kind = str((marker.get("metadata") or {}).get("syncsheet", {}).get("kind") or "") or None
            found.append((t, end, str(marker.get("name", "")), kind))
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise FormatError(f"OTIO marker is malformed ({exc})") from None
    return _marks.analysis_of(found, duration)


def _seconds(rt: dict) -> float:
    rate, value = float(rt["rate"]), float(rt["value"])
    if not (math.isfinite(rate) and rate > 0 and math.isfinite(value)):
        raise ValueError(f"time {value} at rate {rate}")
    return value / rate


def _time_of(marker: dict, offset: float) -> tuple[float, float | None]:
    """(time, end or None) of a marker in seconds from the start of the timeline."""
    ours = (marker.get("metadata") or {}).get("syncsheet") or {}
    rng = marker["marked_range"]
    start = offset + _seconds(rng["start_time"])
    length = _seconds(rng["duration"])
    t = float(ours["time"]) if "time" in ours else start
    end = ours.get("end")
    if end is None and length > 0:
        end = start + length
    end = None if end is None else float(end)
    if not (math.isfinite(t) and (end is None or math.isfinite(end))):
        raise ValueError(f"marker {marker.get('name', '')!r} has a time that is not a finite number")
    if t < 0:
        raise ValueError(f"marker {marker.get('name', '')!r} is before the start of the timeline")
    return t, end


def _markers(item, offset: float):
    """Yield (marker, offset in seconds of its parent's start) for every marker under *item*.

    Children of a track follow one another; children of a stack all start at its start. A
    clip's markers are in its media's time, so its source start is taken off.
    """
    if not isinstance(item, dict):
        return
    src = item.get("source_range")
    inner = offset - (_seconds(src["start_time"]) if isinstance(src, dict) and "Stack" not in item["OTIO_SCHEMA"]
                      and "Track" not in item["OTIO_SCHEMA"] else 0.0)
    for marker in item.get("markers") or []:
        yield marker, inner
    schema = str(item.get("OTIO_SCHEMA", ""))
    t = offset
    for child in item.get("children") or []:
        yield from _markers(child, t)
        if schema.startswith("Track."):
            t += _duration(child)


def _duration(item: dict) -> float:
    src = item.get("source_range")
    if isinstance(src, dict):
        return _seconds(src["duration"])
    if str(item.get("OTIO_SCHEMA", "")).startswith("Gap."):
        return 0.0
    refs = item.get("media_references") or {}
    ref = refs.get(item.get("active_media_reference_key", "DEFAULT_MEDIA")) or item.get("media_reference") or {}
    rng = ref.get("available_range") if isinstance(ref, dict) else None
    return _seconds(rng["duration"]) if isinstance(rng, dict) else 0.0


def add_arguments(group) -> None:
    """OTIO options for the CLI."""
    _marks.include_argument(group, NAME)


def options_from(args) -> dict:
    """write() options from parsed CLI arguments."""
    return {"include": getattr(args, "otio_include", None)}
