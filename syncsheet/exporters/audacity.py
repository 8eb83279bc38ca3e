"""Audacity label track: ``start<TAB>end<TAB>text`` a line, seconds with 6 decimals.

Point labels have start = end; a music stop is a region label from the drop-out to the restart.
Labels are named like every marker syncsheet writes, ``LABEL - frame N - TIMECODE``; Audacity
imports the file with *File > Import > Labels*.

Reading accepts what Audacity writes, including the frequency line it adds under a label with a
spectral selection (a line starting with a backslash, ``\\<TAB>low<TAB>high``), which is skipped,
and a decimal comma from old localised versions. ``Bar N`` / ``Beat N:M`` / ``Onset`` labels become
beats and onsets again, every other label a cue.
"""

from __future__ import annotations

import math
from typing import BinaryIO

from ..errors import FormatError
from ..model import Analysis
from . import _marks

NAME = "labels"
SUFFIXES = (".labels.txt", ".txt")
DEFAULT_SUFFIX = ".labels.txt"
DESCRIPTION = "Audacity label track (cues and bars, importable into Audacity)"


def write(sheet, stream: BinaryIO, *, include=None, **_options) -> None:
    """Write one label a line.

    Parameters
    ----------
    sheet : ExposureSheet
    stream : binary stream
    include : str or sequence, optional
        ``cues``, ``bars``, ``beats``, ``onsets`` (default ``cues,bars``).
    """
    lines = []
    for m in _marks.marks(sheet, _marks.parse_include(include)):
        end = m.end if m.end is not None and m.end > m.time else m.time
        text = _marks.name_of(sheet, m)  # one line: no tab or newline inside a label
        lines.append(f"{m.time:.6f}\t{end:.6f}\t{text}\n")
    stream.write("".join(lines).encode("utf-8"))


def _seconds(text: str, what: str, line: int) -> float:
    raw = text.strip()
    if "," in raw and "." not in raw:
        raw = raw.replace(",", ".")  # a decimal comma from a localised Audacity
    try:
        value = float(raw)
    except ValueError:
        raise FormatError(f"labels line {line}: {what} {text.strip()[:30]!r} is not a number of seconds") from None
    if not math.isfinite(value) or value < 0:
        raise FormatError(f"labels line {line}: {what} {text.strip()[:30]!r} must be a finite time of 0 s or more")
    return value


def parse(text: str) -> list[tuple[float, float, str]]:
    """(start, end, text) of every label in a label file's text.

    Raises
    ------
    FormatError
        Naming the line and the value for a start or end that is not a time, or an end before its start.
    """
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("\\"):
            continue  # blank, or the frequency range of the label above
        fields = line.split("\t") if "\t" in line else line.split(None, 2)
        if len(fields) < 2:
            raise FormatError(f"labels line {n}: expected start<TAB>end<TAB>text, got {line.strip()[:40]!r}")
        start = _seconds(fields[0], "start", n)
        end = _seconds(fields[1], "end", n)
        if end < start:
            raise FormatError(f"labels line {n}: end {end:g} s is before start {start:g} s")
        out.append((start, end, fields[2].strip() if len(fields) > 2 else ""))
    return out


def read(stream: BinaryIO, **_options) -> Analysis:
    """Read an Audacity label file into an Analysis (cues; beats and onsets from our own labels)."""
    data = stream.read()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad = data[exc.start]
        raise FormatError(f"labels file is not UTF-8 text (byte {bad:#04x} at offset {exc.start})") from None
    if "\x00" in text:
        raise FormatError("labels file holds binary data (NUL bytes), not text")
    labels = parse(text)
    duration = max((end for _, end, _ in labels), default=0.0)
    return _marks.analysis_of(((s, e if e > s else None, name, None) for s, e, name in labels), duration)


def add_arguments(group) -> None:
    """Audacity label options for the CLI."""
    _marks.include_argument(group, NAME)


def options_from(args) -> dict:
    """write() options from parsed CLI arguments."""
    return {"include": getattr(args, "labels_include", None)}
