"""XDTS: valid against the published schema, OpenToonz's reader rules, marks on the analysis' frames."""

from __future__ import annotations

import io
import json
from pathlib import Path

import jsonschema
import pytest

from syncsheet.errors import FormatError
from syncsheet.exporters import read_file, write_file, xdts
from syncsheet.sheet import ExposureSheet, SheetOptions
from tests.sheet_fixtures import make_analysis

SCHEMA = json.loads((Path(__file__).parent.parent / "data" / "xdts.schema.json").read_text("utf-8"))


@pytest.fixture(scope="module", params=["24", "23.976", "25"])
def sheet(request) -> ExposureSheet:
    return ExposureSheet(make_analysis(), request.param, SheetOptions(scene="Sc 12", cut="3A"))


def _doc(sheet) -> tuple[str, dict]:
    out = io.BytesIO()
    xdts.write(sheet, out)
    first, _, body = out.getvalue().decode("utf-8").partition("\n")
    return first, json.loads(body)


def _track(doc, field_id, name):
    table = doc["timeTables"][0]
    names = next(h["names"] for h in table["timeTableHeaders"] if h["fieldId"] == field_id)
    field = next(f for f in table["fields"] if f["fieldId"] == field_id)
    track = next(t for t in field["tracks"] if names[t["trackNo"]] == name)
    return {e["frame"]: e["data"][0]["values"] for e in track["frames"]}


def test_valid_xdts(sheet):
    first, doc = _doc(sheet)
    assert first == "exchangeDigitalTimeSheet Save Data"
    jsonschema.validate(doc, SCHEMA)
    table = doc["timeTables"][0]
    assert doc["version"] == 5 and table["duration"] == sheet.frames
    assert table["name"].endswith(f"{sheet.fps.name}fps")
    assert doc["header"] == {"scene": "12", "cut": "3"}
    # OpenToonz needs a cell field and its header, and a name for every track number used
    for field in table["fields"]:
        names = next(h["names"] for h in table["timeTableHeaders"] if h["fieldId"] == field["fieldId"])
        assert all(t["trackNo"] < len(names) for t in field["tracks"])
    assert any(f["fieldId"] == 0 for f in table["fields"])


def test_beats_and_downbeats_are_marked_on_their_frames(sheet):
    _, doc = _doc(sheet)
    cells = _track(doc, 0, "BAR")
    dialog = _track(doc, 3, "BEAT")
    beat_frames = {sheet.frame_of(b.time): b for b in sheet.analysis.beats}
    last = max(beat_frames)
    assert set(cells) == set(beat_frames) | {last + 1}
    assert cells[last + 1] == ["SYMBOL_NULL_CELL"], "the cell track is closed one frame after its last mark"
    for f, b in beat_frames.items():
        assert cells[f] == ([str(b.bar)] if b.is_downbeat else ["SYMBOL_TICK_1"])
        assert dialog[f] == [f"BAR {b.bar}" if b.is_downbeat else "BEAT", f"{b.bar}.{b.beat}"]
    assert set(dialog) == set(beat_frames)


def test_cues_and_holds_in_camerawork(sheet):
    _, doc = _doc(sheet)
    cues = _track(doc, 5, "CUES")
    for c in sheet.analysis.cues:
        f = sheet.frame_of(c.time)
        assert cues[f] == [c.text]
        if c.end is not None:  # the stop holds with hyphens up to its last frame
            held = [g for g in range(f + 1, sheet.frame_of(c.end))]
            assert held and all(cues[g] == ["SYMBOL_HYPHEN"] for g in held)
            assert sheet.frame_of(c.end) not in cues
    tempo = _track(doc, 5, "TEMPO")
    assert list(tempo.values()) == [[f"TEMPO {t}"] for _, t, _ in sheet.tempo_changes()]


def test_read_back_gives_the_same_frames(sheet, tmp_path):
    path = write_file(sheet, tmp_path / "cut.xdts")
    a = read_file(path)
    assert not a.warnings
    back = ExposureSheet(a, sheet.fps)
    assert back.frames == sheet.frames
    assert [(sheet.frame_of(b.time), b.bar, b.beat) for b in sheet.analysis.beats] == \
           [(back.frame_of(b.time), b.bar, b.beat) for b in a.beats]
    assert [(sheet.frame_of(c.time), c.text) for c in sheet.analysis.cues] == \
           [(back.frame_of(c.time), c.text) for c in a.cues]
    stop = next(c for c in a.cues if c.kind == "stop")
    assert back.frame_of(stop.end) == sheet.frame_of(next(c.end for c in sheet.analysis.cues if c.kind == "stop"))


def _file(doc: dict, first: str = "exchangeDigitalTimeSheet Save Data") -> io.BytesIO:
    return io.BytesIO((first + "\n" + json.dumps(doc)).encode("utf-8"))


def _minimal(**table) -> dict:
    base = {"name": "cut 24fps", "duration": 48, "timeTableHeaders": [{"fieldId": 0, "names": ["A"]}],
            "fields": [{"fieldId": 0, "tracks": [{"trackNo": 0, "frames": [
                {"frame": 0, "data": [{"id": 0, "values": ["1"]}]},
                {"frame": 12, "data": [{"id": 0, "values": ["SYMBOL_NULL_CELL"]}]}]}]}]}
    base.update(table)
    return {"version": 5, "timeTables": [base]}


@pytest.mark.parametrize(("data", "message"), [
    (b"toeiDigitalTimeSheet Save Data\n{}", "first line"),
    (b"exchangeDigitalTimeSheet Save Data\n{not json", "malformed"),
    (b"\xff\xfe", "UTF-8"),
    (_file({**_minimal(), "version": 4}).getvalue(), "version 4"),
    (_file({"version": 5, "timeTables": []}).getvalue(), "at least one"),
    (_file(_minimal(duration=0)).getvalue(), "duration"),
    (_file(_minimal(duration="48")).getvalue(), "duration"),
    (_file(_minimal(timeTableHeaders=[{"fieldId": 9, "names": []}])).getvalue(), "timeTableHeaders"),
    (_file(_minimal(fields=[{"fieldId": 0, "tracks": [{"trackNo": 0, "frames": [
        {"frame": "3", "data": [{"id": 0, "values": ["1"]}]}]}]}])).getvalue(), "frame"),
    (_file(_minimal(fields=[{"fieldId": 0, "tracks": [{"trackNo": 0, "frames": [
        {"frame": 3, "data": [{"id": 0, "values": [1]}]}]}]}])).getvalue(), "values"),
    (_file(_minimal(fields=[{"fieldId": 0, "tracks": [{"frames": []}]}])).getvalue(), "trackNo"),
])
def test_malformed_files_raise_format_error(data, message):
    with pytest.raises(FormatError, match=message):
        xdts.read(io.BytesIO(data))


def test_negative_frames_are_clamped_with_a_warning():
    doc = _minimal(timeTableHeaders=[{"fieldId": 0, "names": ["A"]}, {"fieldId": 5, "names": ["CAM"]}],
                   fields=[{"fieldId": 5, "tracks": [{"trackNo": 0, "frames": [
                       {"frame": -2, "data": [{"id": 0, "values": ["FI"]}]},
                       {"frame": 20, "data": [{"id": 0, "values": ["PAN"]}]}]}]}])
    a = xdts.read(_file(doc))
    assert [c.label for c in a.cues] == ["FI", "PAN"] and a.cues[0].time == 0.0
    assert any("negative" in w and "-2" in w for w in a.warnings)


def test_frame_rate_from_the_name_or_a_default_with_a_warning():
    a = xdts.read(_file(_minimal(name="cut 25fps", duration=50)))
    assert a.duration == pytest.approx(2.0) and not a.warnings
    b = xdts.read(_file(_minimal(name="cut", duration=48)))
    assert b.duration == pytest.approx(2.0) and any("24 fps" in w for w in b.warnings)
    c = xdts.read(_file(_minimal(name="cut", duration=60)), fps="30")
    assert c.duration == pytest.approx(2.0) and not c.warnings
