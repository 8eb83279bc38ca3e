import json

import numpy as np
import pytest

from syncsheet import project as pj
from syncsheet.analysis import AnalysisSettings
from syncsheet.errors import ProjectError
from syncsheet.model import Analysis, Beat, Cue, Levels, Onset
from syncsheet.sheet import SheetOptions
from syncsheet.timebase import parse_rate


def make_analysis(offset: float = 0.0) -> Analysis:
    beats = [Beat(offset + 0.5 * i, i // 4 + 1, i % 4 + 1, 0.8) for i in range(16)]
    return Analysis(
        8.0, 48000, beats=beats, onsets=[Onset(offset + 0.25 * i, 0.5) for i in range(30)],
        cues=[Cue(3.3, "impact", "IMPACT", 0.9), Cue(5.0, "stop", "STOP", 1.0, 6.0)],
        levels=Levels(0.01, np.linspace(-60, 0, 800)), source="song.wav", warnings=("w",),
    )


@pytest.fixture
def audio_file(tmp_path):
    p = tmp_path / "song.wav"
    p.write_bytes(b"RIFF fake audio for checksums")
    return p


def test_save_load_round_trip(tmp_path, audio_file):
    proj = pj.Project.for_audio(audio_file, fps=parse_rate("29.97df"),
                                settings=AnalysisSettings(bpm_min=70, bpm_max=180, beats_per_bar=3),
                                sheet_options=SheetOptions(first_frame=0, lead=2, scene="12", cut="3"))
    proj = proj.with_analysis(make_analysis()).with_edit(pj.Edit("add", "cue", 4.2, label="Door slam", kind="impact"))
    path = pj.save(proj, tmp_path / "p.syncsheet")
    back = pj.load(path)
    assert back.fps == proj.fps and back.settings == proj.settings and back.sheet_options == proj.sheet_options
    assert back.edits == proj.edits and back.audio_sha256 == proj.audio_sha256
    a, b = proj.analysis, back.analysis
    assert a.beats == b.beats and a.onsets == b.onsets and a.cues == b.cues and a.warnings == b.warnings
    assert np.allclose(a.levels.db, b.levels.db, atol=0.05)  # stored as float16


def test_edits_survive_reanalysis(audio_file):
    proj = pj.Project.for_audio(audio_file).with_analysis(make_analysis())
    proj = proj.with_edit(pj.Edit("move", "beat", 2.0, new_time=2.04))
    proj = proj.with_edit(pj.Edit("delete", "cue", 3.3))
    proj = proj.with_edit(pj.Edit("add", "cue", 1.1, label="Crash!", kind="crash"))
    proj = proj.with_edit(pj.Edit("rename", "cue", 5.0, label="BIG STOP"))
    # the re-analysis finds everything 10 ms later: each edit still finds its event
    again = proj.with_analysis(make_analysis(offset=0.01).replace(cues=(Cue(3.31, "impact"), Cue(5.01, "stop"))))
    edited = again.edited()
    assert 2.04 in [b.time for b in edited.beats] and 2.01 not in [b.time for b in edited.beats]
    labels = {c.label for c in edited.cues}
    assert "Crash!" in labels and "BIG STOP" in labels and not any(c.kind == "impact" for c in edited.cues)
    assert again.unmatched_edits() == ()


def test_unmatched_edits_are_reported_not_dropped(audio_file):
    proj = pj.Project.for_audio(audio_file).with_analysis(make_analysis())
    proj = proj.with_edit(pj.Edit("delete", "cue", 7.77))
    assert proj.unmatched_edits() == (pj.Edit("delete", "cue", 7.77),)
    assert len(proj.edited().cues) == 2


def test_added_downbeat_starts_a_bar(audio_file):
    proj = pj.Project.for_audio(audio_file).with_analysis(make_analysis())
    proj = proj.with_edit(pj.Edit("rename", "beat", 1.0, label="downbeat"))  # beat 3 of bar 1
    beats = proj.edited().beats
    assert [(b.bar, b.beat) for b in beats[:4]] == [(1, 1), (1, 2), (2, 1), (2, 2)]


def test_audio_status_missing_changed_relocated(tmp_path, audio_file):
    proj = pj.Project.for_audio(audio_file)
    assert proj.audio_status() == "ok"
    moved = tmp_path / "moved.wav"
    audio_file.rename(moved)
    assert proj.audio_status() == "missing"
    assert proj.relocated(moved).audio_status() == "ok"
    other = tmp_path / "other.wav"
    other.write_bytes(b"different")
    with pytest.raises(ProjectError, match="not the project's audio"):
        proj.relocated(other)
    moved.write_bytes(b"changed content")
    assert proj.relocated(moved, force=True).audio_status() == "ok"


def test_relative_audio_path_found_after_moving_the_folder(tmp_path, audio_file):
    proj = pj.Project.for_audio(audio_file)
    pj.save(proj, tmp_path / "p.syncsheet")
    new_home = tmp_path.parent / (tmp_path.name + "-moved")
    tmp_path.rename(new_home)
    back = pj.load(new_home / "p.syncsheet")
    assert back.audio_status() == "ok"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "not JSON"),
        (b"\xff\xfe garbage", "not JSON"),
        (b"[1, 2]", "not a syncsheet project"),
        (b'{"format": "syncsheet.project", "version": 99}', "newer syncsheet"),
        (b'{"format": "syncsheet.project", "version": 1}', "damaged"),
        (b'{"format": "syncsheet.project", "version": 1, "audio": {"path": "a"}, "fps": "0"}', "bad value"),
        (b'{"format": "syncsheet.project", "version": 1, "audio": {"path": "a"}, "edits": [{"op": "zap"}]}', "zap"),
        (b'{"format": "syncsheet.project", "version": 1, "audio": {"path": "a"}, "analysis": {"duration": -1}}',
         "damaged"),
    ],
)
def test_malformed_project_files(tmp_path, content, message):
    p = tmp_path / "bad.syncsheet"
    p.write_bytes(content)
    with pytest.raises(ProjectError, match=message) as e:
        pj.load(p)
    assert "bad.syncsheet" in str(e.value) and "\n" not in str(e.value)


def test_failed_save_keeps_the_previous_file(tmp_path, audio_file, monkeypatch):
    path = tmp_path / "p.syncsheet"
    pj.save(pj.Project.for_audio(audio_file), path)
    before = path.read_bytes()
    bad = pj.Project.for_audio(audio_file).with_analysis(make_analysis().replace(duration=float("nan")))
    with pytest.raises(ValueError):
        pj.save(bad, path)  # NaN is refused before anything is written
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
    assert json.loads(before)["format"] == "syncsheet.project"


def test_a_pickup_stays_a_pickup_when_bars_are_renumbered(audio_file):
    # the analysis numbers a two-beat pickup as beats 3 and 4 of bar 1; bar 2 is the first full bar
    beats = [Beat(0.5 * i, 1 if i < 2 else (i - 2) // 4 + 2, (i + 2) % 4 + 1) for i in range(10)]
    proj = pj.Project.for_audio(audio_file).with_analysis(Analysis(6.0, beats=beats))
    assert len(proj.edited().downbeats) == 2
    proj = proj.with_edit(pj.Edit("rename", "beat", 1.5, label="downbeat"))  # bar 2, beat 2 -> a new bar
    edited = proj.edited()
    assert [(b.bar, b.beat) for b in edited.beats[:5]] == [(1, 3), (1, 4), (2, 1), (3, 1), (3, 2)]
    assert len(edited.downbeats) == 3


def test_the_off_beat_setting_round_trips_and_older_projects_open_without_it():
    from syncsheet.errors import AnalysisError

    assert AnalysisSettings.from_dict({"bpm_min": 60, "bpm_max": 120}).offbeat is False  # written before it existed
    moved = AnalysisSettings(offbeat=True)
    assert AnalysisSettings.from_dict(moved.to_dict()) == moved
    with pytest.raises(AnalysisError, match="offbeat"):
        AnalysisSettings.from_dict({"offbeat": "yes"})  # a hand-edited project: one clear error


def test_bar_starts_are_kept_sorted_and_bad_ones_are_one_clear_error(tmp_path):
    from syncsheet.errors import AnalysisError

    s = AnalysisSettings.from_dict({"bar_starts": [12.5, 3, 12.5]})  # as a project's JSON holds them
    assert s.bar_starts == (3.0, 12.5) and AnalysisSettings.from_dict(s.to_dict()) == s
    assert json.loads(json.dumps(s.to_dict()))["bar_starts"] == [3.0, 12.5]
    for bad in ("3.0", [float("nan")], [-1.0], [True], 4.0):
        with pytest.raises(AnalysisError, match="bar start"):
            AnalysisSettings.from_dict({"bar_starts": bad})


def test_the_checksum_reports_its_progress_and_can_be_cancelled(tmp_path):
    # the window checks a reel's checksum in the background: seconds its Cancel must reach
    import hashlib

    from syncsheet.errors import Cancelled
    from syncsheet.project import file_checksum

    path = tmp_path / "reel.wav"
    data = bytes(range(256)) * (3 * 4096 + 7)  # 3 MiB and a bit: four blocks
    path.write_bytes(data)
    seen = []
    assert file_checksum(path, progress=lambda f, s: seen.append((f, s))) == hashlib.sha256(data).hexdigest()
    mib = 1 << 20
    assert [f for f, _ in seen] == pytest.approx([mib / len(data), 2 * mib / len(data), 3 * mib / len(data), 1.0])
    assert {s for _, s in seen} == {"checking audio"}

    def cancel(fraction, stage):
        raise Cancelled("closed")

    with pytest.raises(Cancelled):
        file_checksum(path, progress=cancel)
