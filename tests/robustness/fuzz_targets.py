"""Fuzz targets: every reader syncsheet has, driven by hypothesis with generated and mutated input.

The rule checked is the house rule for input: a reader either returns a sensible result or raises a
:class:`~syncsheet.errors.SyncsheetError`; any other exception is a bug. Targets are found at run
time, so a format module that gains ``read`` is fuzzed without changes here:

* ``read:NAME`` for every format in :func:`syncsheet.exporters.all_formats` with ``read``; the seed
  corpus is what that module's own ``write`` makes of two small sheets, then mutated (bits flipped,
  bytes cut, inserted, repeated, numbers swapped for extreme ones) or replaced by random bytes;
* ``project``: :func:`syncsheet.project.load` on bytes written to a file (seeds from ``project.save``);
* ``timecode``, ``rate``, ``feet``, ``convert``: the text parsers of :mod:`syncsheet.timebase` and
  :func:`syncsheet.commands.convert.parse_value`.

Used by ``test_fuzz_readers.py`` (seconds) and ``benchmarks/fuzz_readers.py --minutes N`` (long).
"""

from __future__ import annotations

import io
import math
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from syncsheet import exporters, project
from syncsheet import timebase as tb
from syncsheet.commands.convert import parse_value
from syncsheet.errors import SyncsheetError
from syncsheet.model import Analysis, Beat, Cue, Levels, Onset, TempoMap
from syncsheet.sheet import ExposureSheet, SheetOptions

__all__ = ["Target", "targets", "run_target"]

# Numbers that break naive parsers: huge, negative, not finite, not numbers at all.
EXTREME_NUMBERS = [b"0", b"-1", b"-0.5", b"1e999", b"-1e999", b"NaN", b"Infinity", b"1e308", b"4294967296",
                   b"99999999999999999999999", b"0.0000001", b"\"7\"", b"null", b"true", b"[]", b"{}"]
_NUMBER = re.compile(rb"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


@dataclass(frozen=True)
class Target:
    """A fuzz target: a hypothesis strategy for its input and a check that raises on a bug."""

    name: str
    strategy: st.SearchStrategy
    check: Callable[[object], None]


def small_sheets() -> list[ExposureSheet]:
    """Two sheets to seed every format's corpus: one full of events, one nearly empty."""
    beats = tuple(Beat(0.5 * i + 0.013, i // 3 + 1, i % 3 + 1, 0.4 + 0.05 * i) for i in range(9))
    full = Analysis(
        4.6, 48000, beats=beats, onsets=(Onset(0.26, 0.7), Onset(2.01, 0.3)),
        cues=(Cue(1.3, "impact", "CRASH", 0.9), Cue(3.0, "stop", "STOP", 1.0, 3.4), Cue(3.4, "restart", "Ünï", 1.0)),
        tempo=TempoMap.from_beats(beats), levels=Levels(0.01, np.linspace(-60, -3, 460).astype(np.float32)),
        source="scène 1.wav", warnings=("a warning",),
    )
    bare = Analysis(0.5, 22050, source="x.wav")
    return [ExposureSheet(full, tb.parse_rate("24"), SheetOptions(start_timecode="01:00:00:00", scene="12")),
            ExposureSheet(bare, tb.parse_rate("29.97df"))]


@st.composite
def mutated(draw, seeds: list[bytes]) -> bytes:
    """A seed with a few random edits."""
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(("flip", "cut", "insert", "truncate", "repeat", "number", "swap")))
        n = len(data)
        i = draw(st.integers(0, max(0, n - 1)))
        if op == "flip" and n:
            data[i] ^= 1 << draw(st.integers(0, 7))
        elif op == "cut" and n:
            del data[i: i + draw(st.integers(1, 64))]
        elif op == "insert":
            data[i:i] = draw(st.binary(min_size=1, max_size=16))
        elif op == "truncate":
            del data[i:]
        elif op == "repeat" and n:
            data[i:i] = data[i: i + draw(st.integers(1, 256))] * draw(st.integers(1, 4))
        elif op == "number":
            found = list(_NUMBER.finditer(bytes(data)))
            if found:
                m = draw(st.sampled_from(found))
                data[m.start(): m.end()] = draw(st.sampled_from(EXTREME_NUMBERS))
        elif op == "swap" and n > 1:
            j = draw(st.integers(0, n - 1))
            data[i], data[j] = data[j], data[i]
    return bytes(data)


def _check_analysis(result: object) -> None:
    assert isinstance(result, Analysis), type(result)
    assert math.isfinite(result.duration) and result.duration >= 0, result.duration
    for event in (*result.beats, *result.onsets, *result.cues):
        assert math.isfinite(event.time) and event.time >= 0, event


def _reader_target(mod) -> Target:
    seeds = []
    for sheet in small_sheets():
        buf = io.BytesIO()
        try:
            mod.write(sheet, buf)
        except SyncsheetError:  # a format may refuse a sheet (too short, a rate it cannot carry)
            continue
        seeds.append(buf.getvalue())
    seeds = seeds or [b""]

    def check(data: bytes) -> None:
        try:
            result = mod.read(io.BytesIO(data))
        except SyncsheetError:
            return
        _check_analysis(result)

    strategy = st.one_of(mutated(seeds), mutated(seeds), st.binary(max_size=512))
    return Target(f"read:{mod.NAME}", strategy, check)


def _project_target(folder: Path) -> Target:
    seeds = []
    for i, sheet in enumerate(small_sheets()):
        p = project.Project(f"/audio/take{i}.wav", "ab" * 32, analysis=sheet.analysis, sheet_options=sheet.options,
                            edits=(project.Edit("move", "beat", 0.513, new_time=0.55),
                                   project.Edit("add", "cue", 2.0, label="DOOR", kind="impact")))
        path = folder / f"seed{i}.syncsheet"
        project.save(p, path)
        seeds.append(path.read_bytes())
    target = folder / "fuzz.syncsheet"

    def check(data: bytes) -> None:
        target.write_bytes(data)
        try:
            loaded = project.load(target)
        except SyncsheetError:
            return
        if loaded.analysis is not None:
            _check_analysis(loaded.analysis)

    return Target("project", st.one_of(mutated(seeds), mutated(seeds), st.binary(max_size=256)), check)


RATES = st.one_of(st.sampled_from(tb.STANDARD_RATES),
                  st.sampled_from(["12.5", "1000", "1/1001", "25/2", "0.5", "119.88"]).map(tb.parse_rate))
TIMECODE_TEXT = st.one_of(
    st.from_regex(r"\A\d{1,3}[:;.,]\d{1,3}[:;.,]\d{1,3}[:;.,]\d{1,4}\Z"),
    st.from_regex(r"\A[0-9:;.,+s \-]{0,16}\Z"),
    st.text(max_size=24),
)


def _text_targets() -> list[Target]:
    def timecode(args) -> None:
        text, fps = args
        try:
            n = tb.from_timecode(text, fps)
        except SyncsheetError:
            return
        assert 0 <= n < fps.frames_per_day
        assert tb.from_timecode(tb.to_timecode(n, fps), fps) == n  # what parses prints back the same

    def rate(text) -> None:
        try:
            fps = tb.parse_rate(text)
        except SyncsheetError:
            return
        assert 0 < fps.rate <= 1000 and tb.parse_rate(fps.name) == fps

    def feet(args) -> None:
        text, gauge = args
        try:
            n = tb.from_feet(text, gauge)
        except SyncsheetError:
            return
        assert n >= 0 and tb.from_feet(tb.to_feet(n, gauge), gauge) == n

    def convert(args) -> None:
        text, fps = args
        try:
            n = parse_value(text, fps)
        except SyncsheetError:
            return
        assert n >= 0

    rate_text = st.one_of(st.from_regex(r"\A[0-9./]{1,12}(df|ndf|fps)?\Z"), st.text(max_size=16),
                          st.builds("{}/{}".format, st.integers(0, 10**6), st.sampled_from([1, 2, 1001, 3, 0])),
                          st.fractions(), st.integers(-10, 10**6), st.floats(allow_nan=True, allow_infinity=True))
    feet_text = st.one_of(st.from_regex(r"\A\s?\d{1,20}\+\d{1,20}\s?\Z"), st.text(max_size=20))
    value_text = st.one_of(TIMECODE_TEXT, feet_text, st.from_regex(r"\A\d{1,30}(\.\d{0,30})?s?\Z"))
    return [
        Target("timecode", st.tuples(TIMECODE_TEXT, RATES), timecode),
        Target("rate", rate_text, rate),
        Target("feet", st.tuples(feet_text, st.sampled_from(sorted(tb.FRAMES_PER_FOOT))), feet),
        Target("convert", st.tuples(value_text, RATES), convert),
    ]


def targets(folder: Path) -> dict[str, Target]:
    """Every fuzz target that exists now, by name; *folder* holds the files the project target writes."""
    found = [_reader_target(m) for m in exporters.all_formats() if hasattr(m, "read")]
    found += [_project_target(folder), *_text_targets()]
    return {t.name: t for t in found}


def run_target(target: Target, examples: int, *, derandomize: bool = False) -> int:
    """Run hypothesis on a target for *examples* inputs; returns how many ran. Raises on a bug found."""
    count = [0]

    @settings(max_examples=examples, deadline=None, database=None, derandomize=derandomize,
              suppress_health_check=list(HealthCheck), print_blob=True)
    @given(target.strategy)
    def fuzz(value) -> None:
        count[0] += 1
        target.check(value)

    fuzz()
    return count[0]


def temporary_folder() -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix="syncsheet-fuzz-")
