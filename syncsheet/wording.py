"""How counts and short durations read in messages: "1 frame", "5 ms" (the CLI's, the UI's, warnings)."""

from __future__ import annotations

__all__ = ["counted", "short_duration"]


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``"1 frame"``, ``"3 frames"`` (*plural* for irregular nouns: ``counted(2, "is", "are")``)."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def short_duration(seconds: float) -> str:
    """A duration under a few seconds as a person reads it: ``"5 ms"`` under 0.1 s, else ``"0.42 s"``."""
    return f"{seconds * 1000:.0f} ms" if seconds < 0.1 else f"{seconds:.2f} s"
