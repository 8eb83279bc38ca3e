"""``sheet --from-midi`` and the marker formats on ``analyze``."""

from __future__ import annotations

import io
import json

import mido
import numpy as np
import pretty_midi
import soundfile as sf

from syncsheet import exporters
from syncsheet.cli import main
from syncsheet.exporters import midi


def composer_midi(path, tempo_us: int = 600_000) -> None:
    """A file as a composer's DAW writes it: 100 BPM, 3/4, an SMPTE offset, a marker and a cue point."""
    mid = mido.MidiFile(type=1, ticks_per_beat=960)
    mid.tracks.append(mido.MidiTrack([
        mido.MetaMessage("smpte_offset", frame_rate=25, hours=10, minutes=0, seconds=0, frames=0, time=0),
        mido.MetaMessage("set_tempo", tempo=tempo_us, time=0),
        mido.MetaMessage("time_signature", numerator=3, denominator=4, time=0),
        mido.MetaMessage("marker", text="Chase", time=960 * 6),  # bar 3, 3.6 s
        mido.MetaMessage("cue_marker", text="Crash", time=960 * 4 + 480),  # 6.3 s
        mido.MetaMessage("end_of_track", time=960 * 6),  # 9.9 s
    ]))
    mid.save(path)


def test_sheet_from_midi_writes_the_same_outputs_as_analyze(tmp_path, capsys):
    src = tmp_path / "cue 3M1.mid"
    composer_midi(src)
    assert main(["sheet", "--from-midi", str(src), "--fps", "25", "-o", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "start timecode 10:00:00:00" in out
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == sorted(exporters.default_name(m, "cue 3M1") for m in exporters.all_formats())
    assert {"cue 3M1.mid", "cue 3M1.labels.txt", "cue 3M1.edl", "cue 3M1.otio"} <= set(names)
    doc = json.loads((tmp_path / "out" / "cue 3M1.json").read_text())
    # 100 BPM at 25 fps: a beat every 15 frames; 3 beats a bar
    assert [b["frame"] for b in doc["beats"]] == [15 * k for k in range(len(doc["beats"]))]
    assert [(b["bar"], b["beat"]) for b in doc["beats"][:4]] == [(1, 1), (1, 2), (1, 3), (2, 1)]
    assert [(c["frame"], c["label"], c["kind"]) for c in doc["cues"]] == [(90, "Chase", "section"),
                                                                          (157, "Crash", "crash")]
    assert doc["start_timecode"] == "10:00:00:00"
    assert doc["tempo"][0]["frames_per_beat"] == 15.0
    assert doc["frames"] == int(np.ceil(9.9 * 25))


def test_sheet_from_other_formats(tmp_path, capsys):
    labels = tmp_path / "hits.labels.txt"
    labels.write_text("1.000000\t1.000000\tDoor\n2.500000\t3.000000\tCrash big\n")
    out = tmp_path / "hits.json"
    assert main(["sheet", "--from", str(labels), "--fps", "24", "--json", str(out), "-q"]) == 0
    doc = json.loads(out.read_text())
    assert [(c["frame"], c["kind"]) for c in doc["cues"]] == [(24, "marker"), (60, "crash")]


def test_sheet_from_a_bad_midi_is_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.mid"
    bad.write_bytes(b"MThd\x00\x00\x00\x06\x00\x01\x00\x01\x01\xe0MTrk\x00\x00\x01\x00\x00\xff")
    assert main(["sheet", "--from-midi", str(bad), "--fps", "24", "-o", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("syncsheet: error: ") and err.count("\n") == 1
    assert main(["sheet", "--from-midi", str(tmp_path / "missing.mid"), "--fps", "24"]) == 1
    assert "no such file" in capsys.readouterr().err


def click_track(path, bpm: float = 120.0, seconds: float = 6.0, sr: int = 22050) -> None:
    rng = np.random.default_rng(1)
    y = rng.normal(0, 0.002, int(seconds * sr)).astype(np.float32)
    click = (np.hanning(200) * np.sin(np.arange(200) * 0.9)).astype(np.float32)
    for k in range(int(seconds * bpm / 60)):
        i = int(round((0.25 + k * 60 / bpm) * sr))
        if i + 200 < len(y):
            y[i:i + 200] += click * (1.0 if k % 4 == 0 else 0.6)
    sf.write(path, y, sr)


def test_analyze_writes_midi_labels_edl_and_otio(tmp_path, capsys):
    audio = tmp_path / "clicks.wav"
    click_track(audio)
    paths = {name: tmp_path / f"x.{suffix}" for name, suffix in
             (("midi", "mid"), ("labels", "txt"), ("edl", "edl"), ("otio", "otio"), ("json", "json"))}
    argv = ["analyze", str(audio), "--fps", "24", "--start-tc", "01:00:00:00", "-q"]
    for name, path in paths.items():
        argv += [f"--{name}", str(path)]
    assert main(argv) == 0
    doc = json.loads(paths["json"].read_text())
    pm = pretty_midi.PrettyMIDI(str(paths["midi"]))
    beats = np.array([b["time"] for b in doc["beats"]])
    assert len(beats) > 4
    grid = pm.get_beats()
    assert np.abs(grid[:, None] - beats[None, :]).min(axis=0).max() < 0.001
    assert midi.smpte_start(io.BytesIO(paths["midi"].read_bytes())) == "01:00:00:00"
    assert "\t" in paths["labels"].read_text()
    assert paths["edl"].read_text().startswith("TITLE:")
    assert json.loads(paths["otio"].read_text())["OTIO_SCHEMA"] == "Timeline.1"


def test_smpte_offset_at_another_rate_is_not_used(tmp_path, capsys):
    src = tmp_path / "pal.mid"
    composer_midi(src)  # SMPTE offset at 25 fps
    out = tmp_path / "pal.json"
    assert main(["sheet", "--from-midi", str(src), "--fps", "24", "--json", str(out)]) == 0
    assert "not used" in capsys.readouterr().out
    assert json.loads(out.read_text())["start_timecode"] == "00:00:00:00"
