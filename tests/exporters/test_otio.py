"""OTIO timelines with markers, read back by opentimelineio (a reader we did not write)."""

from __future__ import annotations

import io
import json

import opentimelineio as otio
import pytest

from syncsheet.errors import FormatError
from syncsheet.exporters import otio as otio_fmt
from syncsheet.model import Analysis, Beat, Cue
from syncsheet.sheet import ExposureSheet, SheetOptions


def sheet(fps: str = "24", start: str | None = "01:00:00:00") -> ExposureSheet:
    beats = tuple(Beat(0.2 + i * 0.5, i // 4 + 1, i % 4 + 1) for i in range(24))
    cues = (Cue(1.337, "crash", "CRASH", 0.7), Cue(5.3, "stop", "STOP", 1.0, 6.1), Cue(6.1, "restart", "RESTART"),
            Cue(9.0, "section", "Chorus ♪"))
    return ExposureSheet(Analysis(12.0, beats=beats, cues=cues, source="score.wav"), fps,
                         SheetOptions(start_timecode=start))


def written(sh: ExposureSheet, **opts) -> str:
    buf = io.BytesIO()
    otio_fmt.write(sh, buf, **opts)
    return buf.getvalue().decode("utf-8")


@pytest.mark.parametrize("fps", ["24", "23.976", "29.97df"])
def test_opentimelineio_reads_markers(fps):
    sh = sheet(fps)
    tl = otio.adapters.read_from_string(written(sh), "otio_json")
    rate = float(sh.fps.rate)
    assert tl.global_start_time == otio.opentime.RationalTime(sh.start_frame, rate)
    clip, = tl.find_clips()
    assert clip.media_reference.target_url == "score.wav"
    assert clip.source_range.duration.value == sh.frames
    markers = tl.tracks.markers
    a = sh.analysis
    assert len(markers) == len(a.cues) + len(a.downbeats)
    by_name = {m.name.split(" - frame")[0]: m for m in markers}
    for c in a.cues:
        m = by_name[c.text]
        assert m.marked_range.start_time == otio.opentime.RationalTime(sh.frame_of(c.time), rate)
        assert m.metadata["syncsheet"]["time"] == pytest.approx(c.time)
        assert m.metadata["syncsheet"]["kind"] == c.kind
        assert sh.timecode(sh.frame_of(c.time)) in m.name
    assert by_name["CRASH"].color == otio.schema.MarkerColor.YELLOW
    assert by_name["STOP"].color == otio.schema.MarkerColor.RED
    assert by_name["STOP"].marked_range.duration.value == sh.frame_of(6.1) - sh.frame_of(5.3)
    assert by_name["Bar 3"].color == otio.schema.MarkerColor.GREEN


def test_round_trip_keeps_exact_times():
    sh = sheet()
    back = otio_fmt.read(io.BytesIO(written(sh, include="cues,bars,beats").encode()))
    a = sh.analysis
    assert [(c.time, c.kind, c.label) for c in back.cues] == [(round(c.time, 6), c.kind, c.text) for c in a.cues]
    assert back.cues[1].end == pytest.approx(6.1)
    assert [(b.time, b.bar, b.beat) for b in back.beats] == [(round(b.time, 6), b.bar, b.beat) for b in a.beats]
    assert back.duration == pytest.approx(12.0)


def test_reads_markers_of_a_timeline_made_by_opentimelineio():
    rate = 25.0
    tl = otio.schema.Timeline(name="edit")
    track = otio.schema.Track(name="A1", kind=otio.schema.TrackKind.Audio)
    track.append(otio.schema.Gap(source_range=otio.opentime.TimeRange(
        otio.opentime.RationalTime(0, rate), otio.opentime.RationalTime(50, rate))))
    clip = otio.schema.Clip(name="music", source_range=otio.opentime.TimeRange(
        otio.opentime.RationalTime(100, rate), otio.opentime.RationalTime(250, rate)))
    # a marker in the clip's own media time: media frame 110 plays at timeline frame 50 + 10
    clip.markers.append(otio.schema.Marker(name="Door slam", marked_range=otio.opentime.TimeRange(
        otio.opentime.RationalTime(110, rate), otio.opentime.RationalTime(0, rate))))
    track.append(clip)
    tl.tracks.append(track)
    tl.tracks.markers.append(otio.schema.Marker(name="Crash", marked_range=otio.opentime.TimeRange(
        otio.opentime.RationalTime(75, rate), otio.opentime.RationalTime(25, rate))))
    a = otio_fmt.read(io.BytesIO(otio.adapters.write_to_string(tl, "otio_json").encode()))
    got = sorted((c.time, c.label, c.kind, c.end) for c in a.cues)
    assert got == [(pytest.approx(60 / 25), "Door slam", "marker", None), (3.0, "Crash", "crash", 4.0)]


@pytest.mark.parametrize(("data", "words"), [
    (b"\x00\xff", "not an OTIO file"),
    (b"[1, 2]", "not an OTIO timeline"),
    (b'{"OTIO_SCHEMA": "Clip.2"}', "not an OTIO timeline"),
    (b'{"OTIO_SCHEMA": "Timeline.1", "tracks": {"OTIO_SCHEMA": "Stack.1", "markers": [{"name": "x"}]}}',
     "marker is malformed"),
])
def test_malformed_otio(data, words):
    with pytest.raises(FormatError, match=words):
        otio_fmt.read(io.BytesIO(data))


@pytest.mark.parametrize("field", ["time", "end"])
def test_non_finite_marker_times_are_refused(field):
    """Found by the fuzzer: a marker whose stored time is 1e999 read back as infinity."""
    doc = json.loads(written_otio())
    marker = doc["tracks"]["markers"][-1]
    marker["metadata"]["syncsheet"][field] = 1e999
    with pytest.raises(FormatError, match="finite"):
        otio_fmt.read(io.BytesIO(json.dumps(doc).encode()))


def test_impossible_duration_is_refused():
    doc = json.loads(written_otio())
    doc["metadata"]["syncsheet"]["duration_s"] = -1
    with pytest.raises(FormatError, match="duration"):
        otio_fmt.read(io.BytesIO(json.dumps(doc).encode()))


def written_otio() -> bytes:
    a = Analysis(4.0, beats=[Beat(0.5 * i, i // 4 + 1, i % 4 + 1) for i in range(8)],
                 cues=[Cue(1.3, "impact", "CRASH"), Cue(3.0, "stop", "STOP", 1.0, 3.4)])
    buf = io.BytesIO()
    otio_fmt.write(ExposureSheet(a, "24", SheetOptions()), buf)
    return buf.getvalue()
