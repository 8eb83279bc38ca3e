import io
import json

import numpy as np
import pytest

from syncsheet import exporters
from syncsheet.errors import FormatError, UnknownFormatError
from syncsheet.exporters import jsonsheet
from syncsheet.model import Analysis, Beat, Cue, Levels, Onset
from syncsheet.sheet import ExposureSheet, SheetOptions
from syncsheet.timebase import parse_rate


def sheet(fps="24", **opts):
    a = Analysis(
        4.0, 44100,
        beats=[Beat(0.5 * i, i // 4 + 1, i % 4 + 1, 0.7) for i in range(8)],
        onsets=[Onset(0.26, 0.4)], cues=[Cue(1.23, "impact", "BANG", 0.9), Cue(3.0, "stop", "STOP", 1.0, 3.5)],
        levels=Levels(0.01, np.full(400, -20.0)), source="x.wav",
    )
    return ExposureSheet(a, parse_rate(fps), SheetOptions(**opts))


def test_contract_fields():
    buf = io.BytesIO()
    jsonsheet.write(sheet("23.976", lead=1), buf)
    doc = json.loads(buf.getvalue())
    assert doc["fps"] == "23.976" and doc["duration_s"] == 4.0 and doc["frames"] == 96  # ceil(4 * 23.976)
    assert doc["beats"][2] == {"time": 1.0, "frame": 22, "bar": 1, "beat": 3, "strength": 0.7}  # floor(23.976)-1
    assert [d["bar"] for d in doc["downbeats"]] == [1, 2]
    assert doc["cues"][0]["label"] == "BANG" and doc["cues"][1]["end"] == 3.5
    assert len(doc["levels_db"]) == doc["frames"]


def test_read_back():
    s = sheet()
    buf = io.BytesIO()
    jsonsheet.write(s, buf)
    back = jsonsheet.read(io.BytesIO(buf.getvalue()))
    assert back.beats == s.analysis.beats and back.cues == s.analysis.cues and back.onsets == s.analysis.onsets


@pytest.mark.parametrize("data", [b"", b"{", b"[]", b'{"beats": []}', b'{"duration_s": "x"}',
                                  b'{"duration_s": 1, "beats": [{"time": "nan"}]}', b"\xff\xfe"])
def test_malformed_json(data):
    with pytest.raises(FormatError, match="not a syncsheet JSON sheet"):
        jsonsheet.read(io.BytesIO(data))


def test_registry_by_name_and_suffix(tmp_path):
    assert exporters.get("json") is jsonsheet
    assert exporters.for_path("A.JSON") is jsonsheet
    with pytest.raises(UnknownFormatError, match="no format called"):
        exporters.get("nope")
    with pytest.raises(UnknownFormatError, match="suffix"):
        exporters.for_path("a.xyz")
    out = exporters.write_file(sheet(), tmp_path / "s.json")
    assert exporters.read_file(out).duration == 4.0
