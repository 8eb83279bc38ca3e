"""The bundled demo score: shipped in the package, ground truth consistent, `syncsheet demo` works."""

import json

import numpy as np

from syncsheet import audio, demo, exporters
from syncsheet.cli import main


def test_demo_score_ships_with_its_truth():
    path = demo.score_path()
    info = audio.probe(path)
    truth = demo.truth()
    assert path.suffix == ".ogg" and path.stat().st_size < 2_000_000
    assert 35 < info.duration < 50 and info.channels == 2
    assert abs(truth["duration"] - info.duration) < 0.05
    beats = np.array([b["time"] for b in truth["beats"]])
    assert np.all(np.diff(beats) > 0)
    meters = {max(b["beat"] for b in truth["beats"] if b["bar"] == bar) for bar in {b["bar"] for b in truth["beats"]}}
    assert {3, 4} <= meters  # a bar of another meter
    assert len({t["bpm"] for t in truth["tempo"]}) >= 2  # a tempo change
    (stop,) = truth["stops"]
    assert abs(stop["end"] - stop["start"] - 1.5) < 1e-6
    assert {c["kind"] for c in truth["cues"]} >= {"crash", "whoosh", "impact", "glass"}


def test_demo_stop_is_silent():
    y, sr = audio.read_mono(demo.score_path())
    stop = demo.truth()["stops"][0]
    a, b = int((stop["start"] + 0.05) * sr), int((stop["end"] - 0.05) * sr)
    assert np.sqrt(np.mean(y[a:b] ** 2)) < 1e-3
    assert np.sqrt(np.mean(y[: 5 * sr] ** 2)) > 0.05


def test_demo_command_writes_every_output(tmp_path, capsys):
    out = tmp_path / "demo-out"
    assert main(["demo", "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "ground truth" in printed
    for mod in exporters.all_formats():
        assert (out / exporters.default_name(mod, "demo_score")).is_file(), mod.NAME
    doc = json.loads((out / "demo_score.json").read_text())
    assert doc["frames"] == int(np.ceil(doc["duration_s"] * 24 - 1e-9))
    assert len(doc["beats"]) > 40
