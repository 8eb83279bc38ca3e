"""The bar sheet as CSV: one row per bar with its section's tempo in frames per beat.

Columns: ``section`` (A, B...), ``label``, ``tempo`` (``4-12``), ``bpm``, ``beats_per_bar``,
``frames_per_beat``, ``bar``, ``beats``, ``frame`` (0-based), ``number`` (as on the X-sheet),
``timecode``, ``footage``, ``length`` (frames to the next bar).
"""

from __future__ import annotations

from typing import BinaryIO

from .barsheet import CSV_COLUMNS, write_csv

NAME = "bar-csv"
SUFFIXES = (".bars.csv",)
DESCRIPTION = "bar sheet as CSV, one row per bar"
COLUMNS = CSV_COLUMNS


def write(sheet, stream: BinaryIO, **_options) -> None:
    """Write one row per bar."""
    write_csv(sheet, stream)
