"""The bundled demo score and its ground truth (shipped inside the package)."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

__all__ = ["score_path", "truth"]

_AUDIO = "demo_score.ogg"
_TRUTH = "demo_score.truth.json"


def score_path() -> Path:
    """Path of the demo score audio file."""
    return Path(str(resources.files("syncsheet") / "data" / _AUDIO))


def truth() -> dict:
    """Ground truth of the demo score: beats, downbeats, onsets, cues, stops, tempo, meter."""
    return json.loads((resources.files("syncsheet") / "data" / _TRUTH).read_text("utf-8"))
