"""Per-frame CSV: one row per film frame, for spreadsheets and After Effects scripts.

Columns: ``frame`` (0-based), ``number`` (as printed on the sheet), ``timecode``, ``footage``,
``bar`` and ``beat`` (on the frame a beat falls; blank otherwise), ``downbeat`` (1/0),
``onset`` (strength 0-1), ``cue`` (labels joined with ``|``), ``level_db``, ``level`` (0-9).
"""

from __future__ import annotations

import csv
import io
from typing import BinaryIO

NAME = "csv"
SUFFIXES = (".csv",)
DESCRIPTION = "CSV, one row per frame"
COLUMNS = ("frame", "number", "timecode", "footage", "bar", "beat", "downbeat", "onset", "cue", "level_db", "level")


def write(sheet, stream: BinaryIO, **_options) -> None:
    """Write one row per frame, in chunks so a feature-length sheet streams."""
    text = io.TextIOWrapper(stream, encoding="utf-8", newline="", write_through=True)
    try:
        out = csv.writer(text, lineterminator="\n")
        out.writerow(COLUMNS)
        for row in sheet.rows():
            b = row.beat
            out.writerow((
                row.frame, row.number, row.timecode, row.footage,
                b.bar if b else "", b.beat if b else "", int(bool(b and b.is_downbeat)),
                f"{row.onset:.2f}" if row.onset else "",
                "|".join(c.text for c in row.cues),
                f"{row.level_db:.1f}", row.level,
            ))
    finally:
        text.detach()
