"""CMX3600 EDL markers, read back by the OpenTimelineIO cmx_3600 adapter (a reader we did not write)."""

from __future__ import annotations

import io
import re

import opentimelineio as otio
import pytest

from syncsheet import timebase as tb
from syncsheet.errors import FormatError
from syncsheet.exporters import edl
from syncsheet.model import Analysis, Beat, Cue
from syncsheet.sheet import ExposureSheet, SheetOptions


def sheet(fps: str = "24", start: str | None = "01:00:00:00") -> ExposureSheet:
    beats = tuple(Beat(0.1 + i * 0.6, i // 3 + 1, i % 3 + 1) for i in range(30))
    cues = (Cue(1.337, "crash", "CRASH"), Cue(7.3, "stop", "STOP", 1.0, 8.8), Cue(8.8, "restart", "RESTART"),
            Cue(12.5, "section", "Chorus | B"), Cue(0.1, "impact", "IMPACT"))  # the impact shares bar 1's frame
    return ExposureSheet(Analysis(20.0, beats=beats, cues=cues), fps, SheetOptions(start_timecode=start))


def written(sh: ExposureSheet, **opts) -> str:
    buf = io.BytesIO()
    edl.write(sh, buf, **opts)
    return buf.getvalue().decode("utf-8")


def marked_frames(sh: ExposureSheet) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for c in sh.analysis.cues:
        out.setdefault(sh.frame_of(c.time), []).append(c.text)
    for b in sh.analysis.downbeats:
        out.setdefault(sh.frame_of(b.time), []).append(f"Bar {b.bar}")
    return out


@pytest.mark.parametrize("fps", ["24", "25", "29.97df"])
def test_resolve_markers_read_by_the_otio_adapter(fps):
    sh = sheet(fps)
    text = written(sh)
    assert text.startswith("TITLE: ")
    assert ("FCM: DROP FRAME" in text) == sh.fps.drop_frame
    tl = otio.adapters.read_from_string(text, "cmx_3600", rate=float(sh.fps.rate))
    clips = list(tl.find_clips())
    frames = marked_frames(sh)
    assert len(clips) == len(frames)
    rate = float(sh.fps.rate)
    for clip, (frame, labels) in zip(clips, sorted(frames.items()), strict=True):
        # record (= source) in is the marked frame at the sheet's timecode, one frame long
        assert clip.source_range.start_time.value == sh.start_frame + frame
        assert clip.source_range.duration.value == 1
        comment, = clip.metadata["cmx_3600"]["comments"]
        m = re.fullmatch(r"\|C:ResolveColor(\w+) \|M:(.*) \|D:(\d+)", comment)
        assert m, comment
        names = sorted(part.split(" - frame")[0] for part in m[2].split(edl.JOIN))
        assert names == sorted(lbl.replace("|", "/") for lbl in labels)
        assert otio.opentime.to_timecode(clip.source_range.start_time, rate) in m[2]
    stop = next(c for c in clips if "STOP" in c.metadata["cmx_3600"]["comments"][0])
    length = sh.frame_of(8.8) - sh.frame_of(7.3)  # the stop lasts until the restart
    assert length > 30 and f"|D:{length}" in stop.metadata["cmx_3600"]["comments"][0]
    crash = next(c for c in clips if "CRASH" in c.metadata["cmx_3600"]["comments"][0])
    assert "ResolveColorYellow" in crash.metadata["cmx_3600"]["comments"][0]


def test_avid_locators_become_otio_markers():
    sh = sheet("25", "10:00:00:00")
    tl = otio.adapters.read_from_string(written(sh, style="avid"), "cmx_3600", rate=25)
    clip, = tl.find_clips()
    assert clip.source_range.duration.value == sh.frames
    frames = marked_frames(sh)
    assert len(clip.markers) == len(frames)
    for marker, frame in zip(clip.markers, sorted(frames), strict=True):
        assert marker.marked_range.start_time.value == sh.start_frame + frame
    assert {m.color for m in clip.markers} >= {"YELLOW", "RED", "GREEN", "BLUE"}


@pytest.mark.parametrize("style", edl.STYLES)
def test_round_trip_at_frame_precision(style):
    sh = sheet("29.97df", "00:59:59;00")
    back = edl.read(io.BytesIO(written(sh, style=style).encode()), fps="29.97df", start_timecode="00:59:59;00")
    for c in sh.analysis.cues:
        got = [x for x in back.cues if x.label == c.text.replace("|", "/")]
        assert len(got) == 1
        assert tb.frame_of(got[0].time, sh.fps) == sh.frame_of(c.time)
    assert [(b.bar, tb.frame_of(b.time, sh.fps)) for b in back.beats] == [
        (b.bar, sh.frame_of(b.time)) for b in sh.analysis.downbeats]


def test_start_defaults_to_the_hour_of_the_first_event():
    sh = sheet("24", "01:00:00:00")
    back = edl.read(io.BytesIO(written(sh).encode()), fps="24")
    crash = next(c for c in back.cues if c.kind == "crash")
    assert tb.frame_of(crash.time, sh.fps) == sh.frame_of(1.337)


@pytest.mark.parametrize(("text", "words"), [
    ("hello\n", "before any event"),
    ("TITLE: x\nFCM: NON-DROP FRAME\n", "no events"),
    ("001  001  V  C  01:00:00:00 01:00:00:01 01:00:99:00 01:00:99:01\n |C:ResolveColorRed |M:x |D:1\n", "timecode"),
])
def test_malformed_edls(text, words):
    with pytest.raises(FormatError, match=words):
        edl.read(io.BytesIO(text.encode()), fps="24")


def test_unknown_style_is_refused():
    with pytest.raises(FormatError, match="resolve or avid"):
        written(sheet(), style="cmx")
