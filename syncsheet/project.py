"""The editable project: audio, settings, the analysis, and the user's edits as a list of changes.

The analysis stays immutable. A user's corrections (add, move, delete, rename a marker) are kept
as :class:`Edit` records and applied on top of whatever analysis is current, so re-analysing with
other settings never loses them. An edit finds its event again by layer and time (the nearest
event within :data:`MATCH_SECONDS`); an edit whose event is gone is reported, not dropped.

Project files are versioned JSON, written atomically (temporary file + rename).
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from .analysis.settings import AnalysisSettings
from .errors import ProjectError, SyncsheetError
from .fileio import atomic_write_bytes
from .model import CUE_KINDS, Analysis, Beat, Cue, Levels, Onset, TempoMap, TempoSegment
from .progress import Progress, report
from .sheet import ExposureSheet, SheetOptions
from .timebase import MAX_SCORE_S, FrameRate, parse_rate

__all__ = [
    "FORMAT",
    "VERSION",
    "SUFFIX",
    "MATCH_SECONDS",
    "Edit",
    "Project",
    "apply_edits",
    "save",
    "load",
    "file_checksum",
    "analysis_to_dict",
    "analysis_from_dict",
]

FORMAT = "syncsheet.project"
VERSION = 1
SUFFIX = ".syncsheet"
#: How far an edited event may have moved in a re-analysis and still be recognised.
MATCH_SECONDS = 0.05
LAYERS = ("beat", "onset", "cue")
OPS = ("add", "delete", "move", "rename")


@dataclass(frozen=True)
class Edit:
    """One user change to the analysis.

    Attributes
    ----------
    op : {"add", "delete", "move", "rename"}
    layer : {"beat", "onset", "cue"}
    time : float
        Seconds of the event the edit applies to (for ``add``, where the new event goes).
    new_time : float or None
        Where a ``move`` puts the event.
    label : str or None
        The label an ``add`` (cue) or ``rename`` gives; for an added beat, ``"downbeat"`` makes it
        start a bar.
    kind : str or None
        Cue kind for an added cue (default ``marker``).
    """

    op: str
    layer: str
    time: float
    new_time: float | None = None
    label: str | None = None
    kind: str | None = None

    def __post_init__(self) -> None:
        if self.op not in OPS:
            raise ProjectError(f"edit operation {self.op!r} is unknown; use one of {', '.join(OPS)}")
        if self.layer not in LAYERS:
            raise ProjectError(f"edit layer {self.layer!r} is unknown; use one of {', '.join(LAYERS)}")
        for name in ("time", "new_time"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0):
                raise ProjectError(f"edit {name} {value!r} must be a time in seconds, 0 or more")
        if self.op == "move" and self.new_time is None:
            raise ProjectError("a move edit needs new_time")
        if self.op == "rename" and self.label is None:
            raise ProjectError("a rename edit needs a label")
        if self.kind is not None and self.kind not in CUE_KINDS:
            raise ProjectError(f"cue kind {self.kind!r} is unknown; use one of {', '.join(CUE_KINDS)}")

    def to_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v is not None}

    @classmethod
    def from_dict(cls, data: Any) -> Edit:
        if not isinstance(data, dict):
            raise ProjectError(f"an edit must be an object, not {type(data).__name__}")
        try:
            return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})
        except TypeError as exc:
            raise ProjectError(f"edit {data!r} is incomplete ({exc})") from None


def _nearest(events: list, time: float) -> int | None:
    best, best_d = None, MATCH_SECONDS
    for i, e in enumerate(events):
        d = abs(e.time - time)
        if d <= best_d:
            best, best_d = i, d
    return best


def apply_edits(analysis: Analysis, edits: tuple[Edit, ...] | list[Edit]) -> tuple[Analysis, tuple[Edit, ...]]:
    """Apply edits in order.

    Returns
    -------
    analysis : Analysis
        With the edits applied (beats renumbered into bars).
    unmatched : tuple of Edit
        Edits whose event no longer exists in *analysis*.
    """
    layers: dict[str, list] = {"beat": list(analysis.beats), "onset": list(analysis.onsets), "cue": list(analysis.cues)}
    unmatched = []
    beats_changed = False
    for e in edits:
        events = layers[e.layer]
        beats_changed |= e.layer == "beat"
        if e.op == "add":
            events.append(_new_event(e))
            continue
        i = _nearest(events, e.time)
        if i is None:
            unmatched.append(e)
            continue
        if e.op == "delete":
            events.pop(i)
        elif e.op == "move":
            events[i] = replace(events[i], time=float(e.new_time))
        elif e.op == "rename":
            if e.layer == "cue":
                events[i] = replace(events[i], label=e.label)
            elif e.layer == "beat":  # a beat can only be renamed into or out of a downbeat
                events[i] = replace(events[i], beat=1 if e.label == "downbeat" else max(2, events[i].beat))
            else:
                unmatched.append(e)
    beats = sorted(layers["beat"], key=lambda b: b.time)
    if beats_changed:
        beats = _renumber(beats)
    out = analysis.replace(beats=tuple(beats), onsets=tuple(layers["onset"]), cues=tuple(layers["cue"]))
    if beats_changed:
        out = out.replace(tempo=TempoMap.from_beats(out.beats))
    return out, tuple(unmatched)


def _new_event(e: Edit):
    if e.layer == "beat":
        return Beat(float(e.time), 0, 1 if e.label == "downbeat" else 2, 1.0)
    if e.layer == "onset":
        return Onset(float(e.time), 1.0)
    return Cue(float(e.time), e.kind or "marker", e.label or "", 1.0)


def _renumber(beats: list[Beat]) -> list[Beat]:
    """Bars start at downbeats; other beats count up from there.

    Beats before the first downbeat are a pickup: they stay in bar 1 with the beat numbers the
    analysis gave them, and the first full bar is bar 2 (as the analysis numbers a pickup).
    """
    first = next((i for i, b in enumerate(beats) if b.is_downbeat), None)
    if not first:  # no pickup (or no downbeat at all): bar 1 starts at the first beat
        out, bar, n = [], 0, 0
        for b in beats:
            if b.is_downbeat or bar == 0:
                bar, n = bar + 1, 1
            else:
                n += 1
            out.append(replace(b, bar=bar, beat=n))
        return out
    pickup = [replace(b, bar=1, beat=max(2, b.beat)) for b in beats[:first]]
    return pickup + [replace(b, bar=b.bar + 1) for b in _renumber(beats[first:])]


@dataclass(frozen=True)
class Project:
    """Everything a user works on for one piece of audio.

    Attributes
    ----------
    audio_path : str
        Absolute path of the audio when last saved or opened.
    audio_sha256 : str
        Checksum, to recognise the file if it moved and to notice if it changed.
    fps : FrameRate
    settings : AnalysisSettings
    sheet_options : SheetOptions
    analysis : Analysis or None
        The latest analysis (None before the first one).
    edits : tuple of Edit
        The user's changes, in order.
    """

    audio_path: str
    audio_sha256: str = ""
    fps: FrameRate = field(default_factory=lambda: parse_rate("24"))
    settings: AnalysisSettings = field(default_factory=AnalysisSettings)
    sheet_options: SheetOptions = field(default_factory=SheetOptions)
    analysis: Analysis | None = None
    edits: tuple[Edit, ...] = ()

    @classmethod
    def for_audio(cls, path: str | os.PathLike, **kwargs) -> Project:
        """A new project for an audio file (checksummed now)."""
        p = Path(path).resolve()
        return cls(str(p), file_checksum(p), **kwargs)

    def edited(self) -> Analysis | None:
        """The analysis with the user's edits applied."""
        return None if self.analysis is None else apply_edits(self.analysis, self.edits)[0]

    def unmatched_edits(self) -> tuple[Edit, ...]:
        return () if self.analysis is None else apply_edits(self.analysis, self.edits)[1]

    def sheet(self) -> ExposureSheet:
        edited = self.edited()
        if edited is None:
            raise ProjectError("the project has no analysis yet")
        return ExposureSheet(edited, self.fps, self.sheet_options)

    def with_edit(self, edit: Edit) -> Project:
        return replace(self, edits=(*self.edits, edit))

    def with_edits(self, edits) -> Project:
        return replace(self, edits=tuple(edits))

    def with_analysis(self, analysis: Analysis, settings: AnalysisSettings | None = None) -> Project:
        """A re-analysis: the edits stay and apply to the new result."""
        return replace(self, analysis=analysis, settings=settings or self.settings)

    def replace(self, **changes) -> Project:
        return replace(self, **changes)

    def audio_status(self) -> str:
        """``ok``, ``missing`` (not at its path) or ``changed`` (different content)."""
        p = Path(self.audio_path)
        if not p.is_file():
            return "missing"
        if self.audio_sha256 and file_checksum(p) != self.audio_sha256:
            return "changed"
        return "ok"

    def relocated(self, new_path: str | os.PathLike, *, force: bool = False) -> Project:
        """Point the project at its audio's new place; refuses a different file unless *force*."""
        p = Path(new_path).resolve()
        digest = file_checksum(p)
        if self.audio_sha256 and digest != self.audio_sha256 and not force:
            name = Path(self.audio_path).name
            raise ProjectError(f"{p} is not the project's audio (its content differs from {name})")
        return replace(self, audio_path=str(p), audio_sha256=digest)

    # -- file form ---------------------------------------------------------------------
    def to_dict(self, base: Path | None = None) -> dict:
        audio = Path(self.audio_path)
        rel = None
        if base is not None:
            try:
                rel = os.path.relpath(audio, base)
            except ValueError:  # another drive on Windows
                rel = None
        opts = self.sheet_options
        return {
            "format": FORMAT,
            "version": VERSION,
            "audio": {"path": str(audio), "relative": rel, "sha256": self.audio_sha256},
            "fps": self.fps.name,
            "settings": self.settings.to_dict(),
            "sheet": {k: getattr(opts, k) for k in SheetOptions.__dataclass_fields__},
            "analysis": None if self.analysis is None else analysis_to_dict(self.analysis),
            "edits": [e.to_dict() for e in self.edits],
        }

    @classmethod
    def from_dict(cls, doc: Any, base: Path | None = None) -> Project:
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise ProjectError("not a syncsheet project (no 'format': 'syncsheet.project')")
        version = doc.get("version")
        if not isinstance(version, int) or version < 1:
            raise ProjectError(f"project version {version!r} is not valid")
        if version > VERSION:
            raise ProjectError(f"project version {version} is from a newer syncsheet; this one reads up to {VERSION}")
        try:
            audio = doc["audio"]
            path = Path(audio["path"])
            if base is not None and audio.get("relative") and not path.exists():
                candidate = (base / audio["relative"]).resolve()
                if candidate.exists():
                    path = candidate
            sheet = doc.get("sheet", {})
            return cls(
                audio_path=str(path),
                audio_sha256=str(audio.get("sha256", "")),
                fps=parse_rate(doc.get("fps", "24")),
                settings=AnalysisSettings.from_dict(doc.get("settings", {})),
                sheet_options=SheetOptions(**{k: sheet[k] for k in SheetOptions.__dataclass_fields__ if k in sheet}),
                analysis=None if doc.get("analysis") is None else analysis_from_dict(doc["analysis"]),
                edits=tuple(Edit.from_dict(e) for e in doc.get("edits", [])),
            )
        except ProjectError:
            raise
        except SyncsheetError as exc:
            raise ProjectError(f"project has a bad value: {exc}") from None
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
            raise ProjectError(f"project file is damaged: bad or missing field ({exc!s})") from None


def save(project: Project, path: str | os.PathLike) -> Path:
    """Write a project file atomically (the previous file survives any failure)."""
    target = Path(path)
    doc = project.to_dict(base=target.resolve().parent)
    data = json.dumps(doc, indent=1, ensure_ascii=False, allow_nan=False).encode("utf-8")
    return atomic_write_bytes(target, data + b"\n")


def load(path: str | os.PathLike) -> Project:
    """Read a project file.

    Raises
    ------
    ProjectError
        Missing, unreadable, not JSON, not a project, from a newer version, or damaged.
    """
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise ProjectError(f"{p}: no such project file") from None
    except IsADirectoryError:
        raise ProjectError(f"{p}: is a folder, not a project file") from None
    except OSError as exc:
        raise ProjectError(f"{p}: cannot be read ({exc.strerror})") from None
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ProjectError(f"{p}: not a project file (not JSON: {exc})") from None
    try:
        return Project.from_dict(doc, base=p.resolve().parent)
    except ProjectError as exc:
        raise ProjectError(f"{p}: {exc}") from None


def file_checksum(path: str | os.PathLike, progress: Progress | None = None) -> str:
    """SHA-256 of a file, read in blocks; *progress* hears each (a 2 h reel takes seconds)."""
    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            size, done = max(os.fstat(fh.fileno()).st_size, 1), 0
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
                done += len(chunk)
                report(progress, done / size, "checking audio")
    except OSError as exc:
        raise ProjectError(f"{path}: cannot be read ({exc.strerror})") from None
    return h.hexdigest()


# -- Analysis <-> JSON-able dict (lossless: times as floats, levels as float16 base64) ------
def analysis_to_dict(a: Analysis) -> dict:
    """Every field of an Analysis as JSON-able values (levels packed as base64 float16)."""
    return {
        "duration": a.duration,
        "sample_rate": a.sample_rate,
        "source": a.source,
        "beats": [[b.time, b.bar, b.beat, b.strength] for b in a.beats],
        "onsets": [[o.time, o.strength] for o in a.onsets],
        "cues": [{"time": c.time, "kind": c.kind, "label": c.label, "strength": c.strength, "end": c.end}
                 for c in a.cues],
        "tempo": [[s.start, s.bpm, s.beats_per_bar] for s in a.tempo.segments],
        "levels": {"step": a.levels.step,
                   "db_f16": base64.b64encode(a.levels.db.astype("<f2").tobytes()).decode("ascii")},
        "warnings": list(a.warnings),
    }


def analysis_from_dict(d: Any) -> Analysis:
    """Inverse of :func:`analysis_to_dict`; raises ProjectError on damaged data."""
    try:
        levels = d.get("levels") or {}
        db = np.frombuffer(base64.b64decode(levels.get("db_f16", ""), validate=True), dtype="<f2")
        step = _finite(levels.get("step", 0.01), positive=True)
        duration = _finite(d["duration"])
        if duration > MAX_SCORE_S:  # a damaged number would ask for a sheet of billions of frames
            raise ValueError(f"a duration of {duration / 3600:,.1f} hours (over 24 h)")
        return Analysis(
            duration=duration,
            sample_rate=int(d.get("sample_rate", 44100)),
            beats=tuple(Beat(_finite(t), int(bar), int(beat), _finite(s)) for t, bar, beat, s in d.get("beats", [])),
            onsets=tuple(Onset(_finite(t), _finite(s)) for t, s in d.get("onsets", [])),
            cues=tuple(
                Cue(_finite(c["time"]), str(c.get("kind", "hit")), str(c.get("label", "")),
                    _finite(c.get("strength", 1.0)), None if c.get("end") is None else _finite(c["end"]))
                for c in d.get("cues", [])
            ),
            tempo=TempoMap(tuple(TempoSegment(_finite(t), _finite(bpm, positive=True), int(n))
                                 for t, bpm, n in d.get("tempo", []))),
            levels=Levels(step, db.astype(np.float32)),
            source=str(d.get("source", "")),
            warnings=tuple(str(w) for w in d.get("warnings", [])),
        )
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
        raise ProjectError(f"the saved analysis is damaged ({exc!s})") from None


def _finite(value: Any, positive: bool = False) -> float:
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    x = float(value)
    if not math.isfinite(x) or x < 0 or (positive and x == 0):
        raise ValueError(f"{value!r} is not a valid time or value")
    return x
