"""Audacity label tracks: the exact line format, round trips, and what Audacity itself writes."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest

from syncsheet.errors import FormatError
from syncsheet.exporters import audacity
from syncsheet.model import Analysis, Beat, Cue, Onset
from syncsheet.sheet import ExposureSheet, SheetOptions

LINE = re.compile(r"^(\d+\.\d{6})\t(\d+\.\d{6})\t(.+)$")


def analysis() -> Analysis:
    beats = tuple(Beat(0.25 + i * 0.5, i // 4 + 1, i % 4 + 1) for i in range(16))
    cues = (Cue(1.337, "crash", "CRASH"), Cue(3.1, "stop", "STOP", 1.0, 4.05), Cue(4.05, "restart", "RESTART"),
            Cue(5.5, "whoosh", "Whoosh\tleft"))
    onsets = (Onset(0.26, 0.5), Onset(2.71, 0.9))
    return Analysis(9.0, beats=beats, onsets=onsets, cues=cues)


def written(include=None, fps="24", **opts) -> str:
    buf = io.BytesIO()
    sheet = ExposureSheet(analysis(), fps, SheetOptions(**opts))
    audacity.write(sheet, buf, include=include)
    return buf.getvalue().decode("utf-8")


def test_every_line_is_start_tab_end_tab_text_with_six_decimals():
    lines = written().splitlines()
    a = analysis()
    assert len(lines) == len(a.cues) + len(a.downbeats)
    for line in lines:
        assert LINE.match(line), line
    stop = next(line for line in lines if line.split("\t")[2].startswith("STOP"))
    assert stop.split("\t")[:2] == ["3.100000", "4.050000"]  # a stop is a region to its restart
    crash = next(line for line in lines if line.split("\t")[2].startswith("CRASH"))
    start, end, text = crash.split("\t")
    assert start == end == "1.337000"  # a point label
    assert text == "CRASH - frame 33 - 00:00:01:08"  # floor(1.337 * 24) = 32, printed 1-based


def test_start_timecode_and_include_options():
    lines = written(include="cues,beats,onsets", start_timecode="01:00:00:00").splitlines()
    a = analysis()
    assert len(lines) == len(a.cues) + len(a.beats) - len(a.downbeats) + len(a.onsets)
    assert any("01:00:01:08" in line for line in lines)
    with pytest.raises(FormatError, match="'bogus'"):
        written(include="cues,bogus")


def test_round_trip():
    back = audacity.read(io.BytesIO(written(include="cues,bars,beats,onsets").encode()))
    a = analysis()
    assert [(b.time, b.bar, b.beat) for b in back.beats] == [(round(b.time, 6), b.bar, b.beat) for b in a.beats]
    assert [(c.time, c.kind, c.label, c.end) for c in back.cues] == [
        (1.337, "crash", "CRASH", None), (3.1, "stop", "STOP", 4.05), (4.05, "restart", "RESTART", None),
        (5.5, "whoosh", "Whoosh left", None)]
    assert [o.time for o in back.onsets] == [0.26, 2.71]
    assert back.duration == pytest.approx(7.75)


def test_reads_what_audacity_writes_with_spectral_selection_lines():
    text = ("0.500000\t0.500000\tHit one\n"
            "1.000000\t2.250000\tDoor slam\n"
            "\\\t120.000000\t4000.000000\n"
            "3.000000\t3.000000\t\n"
            "\n")
    a = audacity.read(io.BytesIO(text.encode("utf-8-sig")))
    assert [(c.time, c.end, c.label, c.kind) for c in a.cues] == [
        (0.5, None, "Hit one", "hit"), (1.0, 2.25, "Door slam", "marker"), (3.0, None, "", "marker")]
    assert a.duration == 3.0


def test_decimal_comma_from_localised_audacity():
    a = audacity.read(io.BytesIO(b"1,500000\t1,500000\tBoom\n"))
    assert a.cues[0].time == 1.5


def test_duplicate_labels_do_not_break_the_tempo_map():
    a = audacity.read(io.BytesIO(b"1.0\t1.0\tBar 1\n1.0\t1.0\tBar 1\n3.0\t3.0\tBar 2\n"))
    assert [(b.time, b.bar) for b in a.beats] == [(1.0, 1), (3.0, 2)]
    assert a.tempo.segments[0].bpm == pytest.approx(30.0)


def test_empty_file_is_an_empty_track():
    a = audacity.read(io.BytesIO(b""))
    assert a.cues == () and a.duration == 0.0


@pytest.mark.parametrize(("text", "words"), [
    (b"abc\t1.0\tX\n", "line 1: start 'abc'"),
    (b"1.0\t1.0\tok\n2.0\n", "line 2"),
    (b"2.0\t1.0\tX\n", "end 1 s is before start 2 s"),
    (b"nan\tnan\tX\n", "finite"),
    (b"-1\t0\tX\n", "finite time of 0 s or more"),
    (b"\xff\xfe\x00\x01", "not UTF-8"),
    (b"1.0\t1.0\tA\x00B\n", "binary"),
])
def test_malformed_labels_name_the_problem(text, words):
    with pytest.raises(FormatError) as err:
        audacity.read(io.BytesIO(text))
    assert words in str(err.value)
    assert "\n" not in str(err.value)


def test_random_bytes_are_a_format_error_or_labels():
    rng = np.random.default_rng(11)
    for _ in range(50):
        data = rng.bytes(int(rng.integers(1, 300)))
        try:
            audacity.read(io.BytesIO(data))
        except FormatError as exc:
            assert "\n" not in str(exc)
