"""XDTS (Exchange Digital Time Sheet): the music as marks OpenToonz, TVPaint and CLIP STUDIO PAINT import.

The file is the line ``exchangeDigitalTimeSheet Save Data`` then JSON, version 5; ``duration`` is
the sheet's frames, frame 0 the first frame. What we put in it:

* cell field (0), track ``BAR``: each downbeat as a cell numbered with its bar, every other beat
  as an in-between tick (``SYMBOL_TICK_1``, drawn ○). Programs show cell columns; OpenToonz
  (which reads only the cell field) turns the ticks into cell marks. Like OpenToonz's own writer,
  the track is closed with ``SYMBOL_NULL_CELL`` one frame after its last mark.
* dialog field (3), track ``BEAT``: each beat as a one-frame entry, speaker ``BAR n`` on a
  downbeat (``BEAT`` otherwise) and line ``bar.beat``.
* camerawork field (5): track ``CUES`` with each cue's label on its frame, ``SYMBOL_HYPHEN`` on the
  frames a lasting cue (a stop) holds; track ``TEMPO`` with ``4-12`` where the written tempo changes.

XDTS has no frame-rate field: the rate is carried in the time table's name (``... 24fps``), and
read back from it. ``header`` scene/cut must be 1-4 digits: the digits of the sheet's scene and cut
names are used, ``1`` when they have none.
"""

from __future__ import annotations

import json
import re
from typing import BinaryIO

from .. import timebase as tb
from ..errors import FormatError, FrameRateError
from ..model import CUE_KINDS, Analysis, Beat, Cue

NAME = "xdts"
SUFFIXES = (".xdts",)
DESCRIPTION = "XDTS time sheet for OpenToonz, TVPaint, CLIP STUDIO PAINT"

IDENTIFIER = "exchangeDigitalTimeSheet Save Data"
VERSION = 5
CELL, DIALOG, CAMERAWORK = 0, 3, 5
TICK_1, TICK_2 = "SYMBOL_TICK_1", "SYMBOL_TICK_2"
NULL_CELL, HYPHEN = "SYMBOL_NULL_CELL", "SYMBOL_HYPHEN"
_RATE_IN_NAME = re.compile(r"(\d+(?:\.\d+)?(?:/\d+)?(?:n?df)?)\s*fps\b", re.IGNORECASE)


def _entry(frame: int, *values: str) -> dict:
    return {"frame": frame, "data": [{"id": 0, "values": list(values)}]}


def _digits(text: str) -> str:
    """1-4 digits for the XDTS header (``12A`` -> ``12``), ``1`` when there are none."""
    found = re.findall(r"\d+", text or "")
    return found[-1][-4:] if found else "1"


def to_dict(sheet) -> dict:
    """The XDTS document (the JSON after the first line) of a sheet."""
    a, duration = sheet.analysis, sheet.frames
    bar_track: list[dict] = []
    beat_track: list[dict] = []
    seen: set[int] = set()
    for beat, f in zip(a.beats, sheet.beat_frames, strict=True):
        f = min(int(f), duration - 1)
        if f in seen:  # two beats on one frame: the first (a downbeat wins in the sheet too) stays
            continue
        seen.add(f)
        best = sheet.beat_at.get(f, beat)
        bar_track.append(_entry(f, str(best.bar)) if best.is_downbeat else _entry(f, TICK_1))
        speaker = f"BAR {best.bar}" if best.is_downbeat else "BEAT"
        beat_track.append(_entry(f, speaker, f"{best.bar}.{best.beat}"))
    if bar_track and bar_track[-1]["frame"] + 1 < duration:
        bar_track.append(_entry(bar_track[-1]["frame"] + 1, NULL_CELL))
    cue_track = _cue_entries(sheet)
    tempo_track = [_entry(f, f"TEMPO {text}") for f, text, _ in sheet.tempo_changes()]
    name = " ".join(x for x in (sheet.options.production, _scene_cut(sheet), a.source) if x) or "syncsheet"
    return {
        "header": {"cut": _digits(sheet.options.cut), "scene": _digits(sheet.options.scene)},
        "timeTables": [{
            "name": f"{name} {sheet.fps.name}fps",
            "duration": duration,
            "fields": [
                {"fieldId": CELL, "tracks": [{"trackNo": 0, "frames": bar_track}]},
                {"fieldId": DIALOG, "tracks": [{"trackNo": 0, "frames": beat_track}]},
                {"fieldId": CAMERAWORK, "tracks": [{"trackNo": 0, "frames": cue_track},
                                                   {"trackNo": 1, "frames": tempo_track}]},
            ],
            "timeTableHeaders": [
                {"fieldId": CELL, "names": ["BAR"]},
                {"fieldId": DIALOG, "names": ["BEAT"]},
                {"fieldId": CAMERAWORK, "names": ["CUES", "TEMPO"]},
            ],
        }],
        "version": VERSION,
    }


def _scene_cut(sheet) -> str:
    o = sheet.options
    return " ".join(x for x in (f"S{o.scene}" if o.scene else "", f"C{o.cut}" if o.cut else "") if x)


def _cue_entries(sheet) -> list[dict]:
    """Cue labels on their frames; a lasting cue holds with hyphens; cues on one frame share it."""
    by_frame: dict[int, list[str]] = {}
    holds: dict[int, int] = {}  # start frame -> last frame held
    for c in sheet.analysis.cues:
        f = min(sheet.frame_of(c.time), sheet.frames - 1)
        by_frame.setdefault(f, []).append(c.text)
        if c.end is not None:
            last = min(sheet.frame_of(c.end) - 1, sheet.frames - 1)
            holds[f] = max(holds.get(f, f), last)
    out: list[dict] = []
    frames = sorted(by_frame)
    for i, f in enumerate(frames):
        out.append(_entry(f, " / ".join(by_frame[f])))
        # a hold ends where the next cue starts
        last = min(holds.get(f, f), (frames[i + 1] if i + 1 < len(frames) else sheet.frames) - 1)
        out.extend(_entry(g, HYPHEN) for g in range(f + 1, last + 1))
    return out


def write(sheet, stream: BinaryIO, **_options) -> None:
    """Write the XDTS file: the identifier line, then the JSON document."""
    stream.write((IDENTIFIER + "\n").encode("utf-8"))
    stream.write(json.dumps(to_dict(sheet), ensure_ascii=False, indent=1).encode("utf-8"))
    stream.write(b"\n")


# -- reading -----------------------------------------------------------------------------------
def read(stream: BinaryIO, fps: str | tb.FrameRate | None = None, **_options) -> Analysis:
    """Read the marks of an XDTS file back as an Analysis.

    Beats come from a dialog track written as ``bar.beat`` lines (ours), else from the ticks and
    numbered cells of a cell track named ``BAR``; cues from camerawork entries (``TEMPO`` entries
    excepted) and from other dialog lines. Times are the start of each frame.

    Parameters
    ----------
    stream : binary file
    fps : frame rate, optional
        Used when the time table's name carries none (default 24, with a warning).

    Raises
    ------
    FormatError
        For a file that is not XDTS version 5 or breaks its structure, naming what is wrong.
        Negative frame numbers (CLIP STUDIO PAINT writes them) are clamped to frame 0 and said so
        in the result's warnings.
    """
    raw = stream.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FormatError("not an XDTS file: it is not UTF-8 text") from None
    first, _, body = text.partition("\n")
    if first.strip() != IDENTIFIER:
        raise FormatError(f"not an XDTS file: the first line must be {IDENTIFIER!r}, not {first.strip()[:60]!r}")
    try:
        doc = json.loads(body)
    except RecursionError:
        raise FormatError("not an XDTS file: the JSON is nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise FormatError(f"XDTS: the JSON after the first line is malformed ({exc})") from None
    table = _check(doc)
    warnings: list[str] = []
    rate = _rate(table["name"], fps, warnings)
    duration = table["duration"]
    names = {h["fieldId"]: h["names"] for h in table.get("timeTableHeaders", [])}
    clamped: list[int] = []

    def frame_of(entry: dict) -> int:
        f = entry["frame"]
        if f < 0:
            clamped.append(f)
            return 0
        return f

    def secs(frame: int) -> float:
        return tb.frame_start(frame, rate)

    beats: list[Beat] = []
    cues: list[Cue] = []
    bar_ticks: list[tuple[int, str]] = []
    for field in table.get("fields", []):
        fid = field["fieldId"]
        for track in field["tracks"]:
            label = _track_name(names, fid, track["trackNo"])
            entries = sorted(((frame_of(e), e["data"][0]["values"]) for e in track["frames"]), key=lambda e: e[0])
            for i, (f, values) in enumerate(entries):
                v0 = values[0]
                if fid == DIALOG and v0 != HYPHEN:
                    m = re.fullmatch(r"(\d+)\.(\d+)", values[1] if len(values) > 1 else "")
                    if m and int(m[1]) >= 1 and int(m[2]) >= 1:
                        beats.append(Beat(secs(f), int(m[1]), int(m[2])))
                    else:
                        cues.append(Cue(secs(f), "marker", " ".join(values)[:80]))
                elif fid == CAMERAWORK and v0 != HYPHEN and label.upper() != "TEMPO":
                    end = _hold_end(entries, i, duration)
                    cues.append(_cue(secs(f), v0, None if end == f + 1 else secs(end)))
                elif fid == CELL and label.upper() == "BAR":
                    bar_ticks.append((f, v0))
    if not beats and bar_ticks:
        beats = _beats_from_ticks(bar_ticks, secs)
    if clamped:
        warnings.append(
            f"XDTS has {len(clamped)} mark(s) at negative frames (lowest {min(clamped)}), as CLIP STUDIO PAINT "
            "writes for cells before the sheet starts; they were moved to frame 0"
        )
    return Analysis(
        duration=secs(duration),
        beats=tuple(beats),
        cues=tuple(cues),
        source=table["name"],
        warnings=tuple(warnings),
    )


def _check(doc) -> dict:
    """The first time table, after checking the structure the XDTS schema requires."""
    if not isinstance(doc, dict):
        raise FormatError("XDTS: the document is not a JSON object")
    if doc.get("version") != VERSION:
        raise FormatError(f"XDTS: version {doc.get('version')!r} is not supported; only version {VERSION} exists")
    tables = doc.get("timeTables")
    if not isinstance(tables, list) or not tables or not isinstance(tables[0], dict):
        raise FormatError("XDTS: 'timeTables' must be a list of at least one time table")
    table = tables[0]
    duration = table.get("duration")
    if not isinstance(duration, int) or isinstance(duration, bool) or duration < 1:
        raise FormatError(f"XDTS: time table 'duration' {duration!r} must be a whole number of frames, 1 or more")
    if not isinstance(table.get("name"), str):
        raise FormatError("XDTS: the time table has no 'name'")
    headers = table.get("timeTableHeaders")
    if not isinstance(headers, list) or not all(
        isinstance(h, dict) and h.get("fieldId") in (CELL, DIALOG, CAMERAWORK) and isinstance(h.get("names"), list)
        for h in headers
    ):
        raise FormatError("XDTS: 'timeTableHeaders' must list {fieldId: 0, 3 or 5, names: [...]}")
    fields = table.get("fields", [])
    if not isinstance(fields, list):
        raise FormatError("XDTS: 'fields' must be a list")
    for field in fields:
        if not isinstance(field, dict) or field.get("fieldId") not in (CELL, DIALOG, CAMERAWORK):
            raise FormatError(f"XDTS: field {field!r:.60} has no fieldId 0, 3 or 5")
        if not isinstance(field.get("tracks"), list):
            raise FormatError(f"XDTS: field {field['fieldId']} has no 'tracks' list")
        for track in field["tracks"]:
            if not isinstance(track, dict) or not isinstance(track.get("trackNo"), int) or track["trackNo"] < 0:
                raise FormatError(f"XDTS: a track of field {field['fieldId']} has no trackNo of 0 or more")
            if not isinstance(track.get("frames"), list):
                raise FormatError(f"XDTS: track {track['trackNo']} of field {field['fieldId']} has no 'frames' list")
            for e in track["frames"]:
                _check_entry(e, field["fieldId"], track["trackNo"])
    return table


def _check_entry(e, fid: int, track: int) -> None:
    where = f"field {fid} track {track}"
    if not isinstance(e, dict) or not isinstance(e.get("frame"), int) or isinstance(e.get("frame"), bool):
        raise FormatError(f"XDTS: an entry in {where} has no whole-number 'frame': {e!r:.80}")
    data = e.get("data")
    if not isinstance(data, list) or not data or not isinstance(data[0], dict):
        raise FormatError(f"XDTS: frame {e['frame']} in {where} has no 'data'")
    values = data[0].get("values")
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        raise FormatError(f"XDTS: frame {e['frame']} in {where}: 'values' must be a non-empty list of strings")


def _rate(name: str, fps, warnings: list[str]) -> tb.FrameRate:
    m = _RATE_IN_NAME.search(name)
    if m:
        try:
            return tb.parse_rate(m[1])
        except FrameRateError:
            pass
    if fps is not None:
        return tb.parse_rate(fps)
    warnings.append(f"XDTS has no frame rate (time table {name!r}); read at 24 fps")
    return tb.parse_rate("24")


def _track_name(names: dict, fid: int, no: int) -> str:
    field_names = names.get(fid, [])
    return str(field_names[no]) if no < len(field_names) else ""


def _hold_end(entries: list, i: int, duration: int) -> int:
    """Frame after the last hyphen continuing entry *i*."""
    end = entries[i][0] + 1
    for f, values in entries[i + 1:]:
        if values[0] != HYPHEN or f != end:
            break
        end = f + 1
    return min(end, duration)


def _cue(t: float, label: str, end: float | None) -> Cue:
    kind = label.strip().lower()
    return Cue(t, kind if kind in CUE_KINDS else "marker", label, end=end)


def _beats_from_ticks(entries: list[tuple[int, str]], secs) -> list[Beat]:
    """Beats from a BAR cell track: numbered cells are downbeats of that bar, ticks the beats after."""
    beats: list[Beat] = []
    bar, beat = 0, 0
    for f, v in sorted(entries):
        if v.isdigit():
            bar, beat = int(v), 1
        elif v in (TICK_1, TICK_2):
            bar, beat = max(bar, 1), beat + 1
        else:
            continue
        beats.append(Beat(secs(f), bar, beat))
    return beats
