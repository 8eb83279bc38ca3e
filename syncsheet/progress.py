"""Progress reporting for long jobs, and a terminal progress bar.

A progress callback is ``callback(fraction, stage)`` with *fraction* in [0, 1] and a short
*stage* name. It may raise :class:`~syncsheet.errors.Cancelled` to stop the job: that is how
the UI's Cancel button and Ctrl+C in the CLI end an analysis cleanly.
"""

from __future__ import annotations

import io
import os
import shutil
import sys
import time
from collections.abc import Callable
from typing import TextIO

__all__ = ["Progress", "report", "scaled", "TerminalBar"]

Progress = Callable[[float, str], None]


def report(progress: Progress | None, fraction: float, stage: str) -> None:
    """Call *progress* if there is one (it may raise Cancelled)."""
    if progress is not None:
        progress(min(1.0, max(0.0, fraction)), stage)


def scaled(progress: Progress | None, start: float, stop: float, stage: str | None = None) -> Progress | None:
    """A callback that maps a sub-job's [0, 1] into [start, stop] of the whole, under the sub-job's
    own stage names or, given *stage*, under that one (a helper's steps are the caller's stage)."""
    if progress is None:
        return None

    def inner(fraction: float, name: str) -> None:
        progress(start + (stop - start) * min(1.0, max(0.0, fraction)), name if stage is None else stage)

    return inner


class TerminalBar:
    """A one-line progress bar on a terminal; silent when the stream is not a terminal.

    The line is fitted to the terminal's width (the bar shrunk to 10, then the label shortened in
    its middle, then the bar dropped): a line that wraps cannot be redrawn in place, and each
    update would scroll a new one.
    """

    def __init__(self, label: str = "", stream: TextIO | None = None, width: int = 30) -> None:
        self.stream = stream or sys.stderr
        self.label = label
        self.width = width
        self.enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last = 0.0
        self._drawn = 0  # the longest line drawn, for close() to clear
        self._start = time.monotonic()

    def __call__(self, fraction: float, stage: str) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if fraction < 1.0 and now - self._last < 0.1:
            return
        self._last = now
        room = _columns(self.stream) - 1  # the last column wraps on some terminals
        line = self._line(fraction, stage, now - self._start, room)
        self.stream.write("\r" + line.ljust(min(self._drawn, room)))  # over what a longer line left
        self._drawn = max(self._drawn, len(line))
        self.stream.flush()

    def _line(self, fraction: float, stage: str, elapsed: float, room: int) -> str:
        """The bar's text in at most *room* characters: the numbers always; the bar shrinks to 10
        for the label, and below that to keep 8 of the label's characters, or goes."""
        numbers = f" {fraction * 100:5.1f}% {stage[:16]:<16} {elapsed:5.1f}s"
        free = room - len(numbers)
        width = min(self.width, max(10, free - 3 - len(self.label)))
        if free - (width + 3) < 8:
            width = free - 3 - 8
        bar = ""
        if width >= 5:
            filled = int(round(width * fraction))
            bar = " [" + "#" * filled + "-" * (width - filled) + "]"
        label = _shorten(self.label, room - len(numbers) - len(bar))
        return (label + bar + numbers)[: max(room, 0)]

    def close(self) -> None:
        """Clear the bar's line (if it was ever drawn)."""
        if self.enabled and self._drawn:
            self.stream.write("\r" + " " * min(self._drawn, _columns(self.stream) - 1) + "\r")
            self.stream.flush()


def _columns(stream: TextIO) -> int:
    """The width of the terminal *stream* is (80 where it cannot say)."""
    try:
        return os.get_terminal_size(stream.fileno()).columns or 80
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return shutil.get_terminal_size((80, 24)).columns


def _shorten(text: str, room: int) -> str:
    """*text* in at most *room* characters: its start and end kept, an ellipsis between them."""
    if len(text) <= room:
        return text
    if room <= 1:
        return ""
    head = (room - 1) // 2
    return text[:head] + "…" + text[len(text) - (room - 1 - head):]
