"""Immutable analysis results. All times are float64 seconds from the start of the audio.

Seconds become film frames only in :mod:`syncsheet.sheet`, through :mod:`syncsheet.timebase`.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field, replace

import numpy as np

from .wording import one_line

__all__ = [
    "Beat",
    "Onset",
    "Cue",
    "CUE_KINDS",
    "TempoSegment",
    "TempoMap",
    "Levels",
    "Analysis",
]

#: Kinds of cue: sound-effect hits, music stops/restarts, and marks a user or a score adds.
CUE_KINDS = ("impact", "crash", "glass", "whoosh", "hit", "stop", "restart", "section", "marker")


@dataclass(frozen=True, order=True)
class Beat:
    """One beat of the music.

    Attributes
    ----------
    time : float
        Seconds.
    bar : int >= 1
        Bar number.
    beat : int >= 1
        Beat in the bar; 1 is the downbeat.
    strength : float in [0, 1]
        How strongly the beat is sounded (accent), relative to the piece.
    """

    time: float
    bar: int = 1
    beat: int = 1
    strength: float = 1.0

    @property
    def is_downbeat(self) -> bool:
        return self.beat == 1


@dataclass(frozen=True, order=True)
class Onset:
    """An attack (accent): *time* in seconds, *strength* in [0, 1]."""

    time: float
    strength: float = 1.0


@dataclass(frozen=True, order=True)
class Cue:
    """A sound-effect hit, a music stop or restart, or a labelled mark.

    Attributes
    ----------
    time : float
        Seconds (the attack; for a stop, when the music drops out).
    kind : str
        One of :data:`CUE_KINDS`.
    label : str
        What the sheet prints (``CRASH``, ``STOP``, ``Chorus``).
    strength : float in [0, 1]
    end : float or None
        End in seconds for events that last (a stop, a whoosh); None for a point.
    """

    time: float
    kind: str = "hit"
    label: str = ""
    strength: float = 1.0
    end: float | None = None

    @property
    def text(self) -> str:
        """What every format prints: the label, on one line (one read from a project or a marker file
        may hold a newline or a tab), or the kind."""
        return one_line(self.label) or self.kind.upper()


@dataclass(frozen=True)
class TempoSegment:
    """A stretch of steady tempo and meter starting at *start* seconds."""

    start: float
    bpm: float
    beats_per_bar: int = 4


@dataclass(frozen=True)
class TempoMap:
    """Tempo and meter over time, as steady segments (a ramp is many short segments)."""

    segments: tuple[TempoSegment, ...] = ()

    def at(self, seconds: float) -> TempoSegment | None:
        """The segment in force at *seconds* (the first one before it starts)."""
        if not self.segments:
            return None
        starts = [s.start for s in self.segments]
        i = max(0, bisect.bisect_right(starts, seconds) - 1)
        return self.segments[i]

    @classmethod
    def from_beats(cls, beats: tuple[Beat, ...] | list[Beat], tolerance: float = 0.03) -> TempoMap:
        """Summarise beats as steady segments (a ramp becomes many short ones).

        Beat periods are first smoothed with a 3-beat median, so one late beat does not split a
        segment; a new segment starts where the smoothed period leaves the segment's median by
        more than *tolerance* (relative) or where the bar length changes.

        Parameters
        ----------
        beats : sequence of Beat
        tolerance : float
            Relative change of beat period that starts a new segment.
        """
        # beats at one instant (a duplicate, a beat added on top of another) carry no tempo
        ordered = sorted(beats, key=lambda b: b.time)
        beats = [b for i, b in enumerate(ordered) if i == 0 or b.time > ordered[i - 1].time]
        if len(beats) < 2:
            return cls(())
        times = np.array([b.time for b in beats])
        periods = np.diff(times)
        if len(periods) >= 3:
            padded = np.concatenate([periods[:1], periods, periods[-1:]])
            periods = np.median(np.stack([padded[:-2], padded[1:-1], padded[2:]]), axis=0)
        meters = _bar_lengths(beats)
        segs: list[TempoSegment] = []
        start, run = 0, [periods[0]]
        for i in range(1, len(periods)):
            ref = float(np.median(run))
            if abs(periods[i] - ref) > tolerance * ref or meters[i] != meters[start]:
                segs.append(TempoSegment(float(times[start]), round(60.0 / ref, 3), meters[start]))
                start, run = i, [periods[i]]
            else:
                run.append(periods[i])
        segs.append(TempoSegment(float(times[start]), round(60.0 / float(np.median(run)), 3), meters[start]))
        return cls(tuple(segs))


def _bar_lengths(beats) -> list[int]:
    """For each beat, the number of beats in its bar (a pickup bar counts as a full one)."""
    counts: dict[int, int] = {}
    for b in beats:
        counts[b.bar] = max(counts.get(b.bar, 0), b.beat)
    return [counts[b.bar] for b in beats]


@dataclass(frozen=True)
class Levels:
    """Loudness over time: dBFS at a fixed step, for per-frame level charts.

    Attributes
    ----------
    step : float
        Seconds between values (much finer than a film frame).
    db : numpy.ndarray
        Read-only float32 array of dBFS (RMS), floor -120.
    """

    step: float = 0.01
    db: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))

    def __post_init__(self) -> None:
        arr = np.array(self.db, dtype=np.float32)
        arr.setflags(write=False)
        object.__setattr__(self, "db", arr)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Levels) and self.step == other.step and np.array_equal(self.db, other.db)

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True)
class Analysis:
    """Everything the analysis found in one audio file. Immutable; edit through a Project.

    Attributes
    ----------
    duration : float
        Seconds of audio.
    sample_rate : int
        Of the source file.
    beats, onsets, cues : tuples, sorted by time
    tempo : TempoMap
    levels : Levels
    source : str
        The audio file's name (not a path: results travel between machines).
    warnings : tuple of str
        Things the user should know (silence, no beat found...).
    """

    duration: float
    sample_rate: int = 44100
    beats: tuple[Beat, ...] = ()
    onsets: tuple[Onset, ...] = ()
    cues: tuple[Cue, ...] = ()
    tempo: TempoMap = field(default_factory=TempoMap)
    levels: Levels = field(default_factory=Levels)
    source: str = ""
    warnings: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("beats", "onsets", "cues", "warnings"):
            value = getattr(self, name)
            ordered = value if name == "warnings" else sorted(value, key=lambda e: e.time)
            object.__setattr__(self, name, tuple(ordered))

    @property
    def downbeats(self) -> tuple[Beat, ...]:
        return tuple(b for b in self.beats if b.is_downbeat)

    def replace(self, **changes) -> Analysis:
        """A copy with some fields changed."""
        return replace(self, **changes)
