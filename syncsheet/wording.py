"""How counts and short durations read in messages: "1 frame", "5 ms" (the CLI's, the UI's, warnings);
and text that must stay on one line (a header field, a marker's name)."""

from __future__ import annotations

import unicodedata

__all__ = ["counted", "short_duration", "one_line"]


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``"1 frame"``, ``"3 frames"`` (*plural* for irregular nouns: ``counted(2, "is", "are")``)."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def short_duration(seconds: float) -> str:
    """A duration under a few seconds as a person reads it: ``"5 ms"`` under 0.1 s, else ``"0.42 s"``."""
    return f"{seconds * 1000:.0f} ms" if seconds < 0.1 else f"{seconds:.2f} s"


def one_line(text: str | None) -> str:
    """*text* on one line: control characters (a pasted newline or tab) as spaces, runs of spaces as
    one. A sheet's header field and a marker's name are one line in every format (a newline printed
    as a box on the PDF sheet, and split a marker's name from its frame in a DAW)."""
    text = "".join(" " if unicodedata.category(c)[0] == "C" else c for c in ("" if text is None else str(text)))
    return " ".join(text.split())
