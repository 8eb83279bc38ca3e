"""Progress reporting for long jobs, and a terminal progress bar.

A progress callback is ``callback(fraction, stage)`` with *fraction* in [0, 1] and a short
*stage* name. It may raise :class:`~syncsheet.errors.Cancelled` to stop the job: that is how
the UI's Cancel button and Ctrl+C in the CLI end an analysis cleanly.
"""

from __future__ import annotations

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
    """A one-line progress bar on a terminal; silent when the stream is not a terminal."""

    def __init__(self, label: str = "", stream: TextIO | None = None, width: int = 30) -> None:
        self.stream = stream or sys.stderr
        self.label = label
        self.width = width
        self.enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last = 0.0
        self._drawn = False
        self._start = time.monotonic()

    def __call__(self, fraction: float, stage: str) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if fraction < 1.0 and now - self._last < 0.1:
            return
        self._last = now
        self._drawn = True
        filled = int(round(self.width * fraction))
        bar = "#" * filled + "-" * (self.width - filled)
        elapsed = now - self._start
        self.stream.write(f"\r{self.label} [{bar}] {fraction * 100:5.1f}% {stage:<12} {elapsed:5.1f}s")
        self.stream.flush()

    def close(self) -> None:
        """Clear the bar's line (if it was ever drawn)."""
        if self.enabled and self._drawn:
            self.stream.write("\r" + " " * (self.width + len(self.label) + 40) + "\r")
            self.stream.flush()
