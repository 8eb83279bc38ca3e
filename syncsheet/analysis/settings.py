"""Analysis parameters a user can set (the UI's parameters panel, the CLI's flags)."""

from __future__ import annotations

import math
import numbers
from dataclasses import asdict, dataclass

from ..errors import AnalysisError

__all__ = ["AnalysisSettings"]


@dataclass(frozen=True)
class AnalysisSettings:
    """What the analysis may assume.

    Attributes
    ----------
    bpm_min, bpm_max : float
        Range the beat tempo must fall in (half/double tempo outside it is folded in).
    beats_per_bar : int or None
        Force the meter (2-12 beats a bar); None detects it.
    sensitivity : float in [0, 1]
        Higher finds more onsets and cues.
    offbeat : bool
        The beats the analysis finds fall on the music's off-beats: move every one half a beat
        (the tracker can lock onto off-beat chords or a backbeat as loud as the beat).
    bar_starts : tuple of float
        Times (seconds) a user says a bar starts at: the beat nearest each (within half a beat)
        is a downbeat, and the bars run through them (sorted, no duplicates).
    """

    bpm_min: float = 50.0
    bpm_max: float = 220.0
    beats_per_bar: int | None = None
    sensitivity: float = 0.5
    offbeat: bool = False
    bar_starts: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if not (10 <= self.bpm_min < self.bpm_max <= 400):
            raise AnalysisError(
                f"BPM range {self.bpm_min:g}-{self.bpm_max:g} is not valid: need 10 <= min < max <= 400"
            )
        if self.beats_per_bar is not None and not (1 <= self.beats_per_bar <= 12):
            raise AnalysisError(f"beats per bar {self.beats_per_bar} must be 1 to 12")
        if not (0.0 <= self.sensitivity <= 1.0):
            raise AnalysisError(f"sensitivity {self.sensitivity} must be between 0 and 1")
        if not isinstance(self.offbeat, bool):
            raise AnalysisError(f"offbeat must be true or false, not {self.offbeat!r}")
        if isinstance(self.bar_starts, (str, bytes)) or not isinstance(self.bar_starts, (tuple, list)):
            raise AnalysisError(f"bar starts must be a list of times in seconds, not {self.bar_starts!r}")
        for t in self.bar_starts:
            if isinstance(t, bool) or not isinstance(t, numbers.Real) or not math.isfinite(t) or t < 0:
                raise AnalysisError(f"bar start {t!r} is not a time in seconds (0 or more)")
        # frozen: the validated, canonical form (a project's JSON list becomes a sorted tuple)
        object.__setattr__(self, "bar_starts", tuple(sorted({float(t) for t in self.bar_starts})))

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> AnalysisSettings:
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)
