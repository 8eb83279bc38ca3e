"""The main window against the demo score: markers, editing, undo, projects, export, playback."""

from __future__ import annotations

import csv
import shutil
import time

import numpy as np
import pytest
import soundfile as sf
from PyQt6.QtCore import QEvent, QMimeData, QPointF, Qt, QUrl
from PyQt6.QtGui import QDropEvent
from syncsheet_ui.markers import Marker
from syncsheet_ui.sheetview import COLUMNS
from syncsheet_ui.timeline import snap_to_frame

from syncsheet import exporters
from syncsheet import project as pj
from syncsheet import timebase as tb
from syncsheet.analysis import AnalysisSettings
from syncsheet.errors import Cancelled


def open_demo(make_window, wait_idle, path, **kwargs):
    win = make_window(**kwargs)
    assert win.open_path(path)
    wait_idle(win)
    return win


def test_demo_markers_match_the_analysis(make_window, wait_idle, demo_project_file, demo_analysis):
    win = open_demo(make_window, wait_idle, demo_project_file)
    a = demo_analysis
    beats = sorted(m.time for k in ("beat", "downbeat") for m in win.timeline.layer.events[k])
    assert beats == [b.time for b in a.beats]
    assert [m.text for m in win.timeline.layer.events["downbeat"]] == [str(b.bar) for b in a.downbeats]
    assert [m.time for m in win.timeline.layer.events["onset"]] == [o.time for o in a.onsets]
    cues = sorted(m.time for k in ("cue", "stop", "restart") for m in win.timeline.layer.events[k])
    assert cues == [c.time for c in a.cues]
    # the X-sheet has a row per frame and prints the beats on their frames
    sheet = win.doc.sheet()
    model = win.sheet_view.model()
    assert model.rowCount() == sheet.frames
    beat_col = [c[0] for c in COLUMNS].index("beat")
    for b in a.downbeats[:5]:
        frame = sheet.frame_of(b.time)
        assert model.data(model.index(frame, beat_col)) == f"{b.bar}:1"
    assert win.doc.peaks is not None and win.timeline.wave.xData is not None and len(win.timeline.wave.xData) > 0


def _saved_project(make_window, wait_idle, audio, project):
    """Open *audio* in a new window, let it analyse, save it as *project*: (window, save's result)."""
    first = make_window()
    first.open_path(audio)
    wait_idle(first)
    first.dialogs.script("save_project_path", str(project))
    return first, first.save()


def _view_to_widget(win, seconds: float, y: float = 0.0):
    """Widget pixel of a timeline point (view coordinates)."""
    tl = win.timeline
    scene = tl.vb.mapViewToScene(QPointF(seconds, y))
    return tl.plot_widget.mapFromScene(scene)


def _mouse(widget, kind, pos, buttons):
    from PyQt6.QtGui import QMouseEvent
    from PyQt6.QtWidgets import QApplication

    button = Qt.MouseButton.LeftButton if kind != QEvent.Type.MouseMove else Qt.MouseButton.NoButton
    ev = QMouseEvent(kind, QPointF(pos), QPointF(widget.mapToGlobal(pos)), button, buttons,
                     Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, ev)


def test_drag_a_marker_with_the_mouse_snaps_to_frames(make_window, wait_idle, demo_project_file, qtbot):
    win = open_demo(make_window, wait_idle, demo_project_file)
    fps = win.doc.project.fps
    win.timeline.set_view(5.0, 9.0)
    qtbot.wait(20)
    bar = next(m for m in win.timeline.layer.events["downbeat"] if 5.5 < m.time < 8.5)  # one in view
    assert win.timeline.marker_near(bar.time + 0.004) == bar  # within a few pixels
    vp = win.timeline.plot_widget.viewport()
    start = _view_to_widget(win, bar.time + 0.002)
    target_t = bar.time + 5.3 / fps.fps
    end = _view_to_widget(win, target_t)
    left = Qt.MouseButton.LeftButton
    _mouse(vp, QEvent.Type.MouseButtonPress, start, left)
    for i in range(1, 11):
        p = start + (end - start) * (i / 10)
        _mouse(vp, QEvent.Type.MouseMove, p, left)
    assert win.timeline.layer.drag is not None and win.timeline.layer.drag[0] == bar
    _mouse(vp, QEvent.Type.MouseButtonRelease, end, Qt.MouseButton.NoButton)
    assert win.timeline.layer.drag is None
    edit = win.doc.project.edits[-1]
    assert edit.op == "move" and edit.time == bar.time
    frame = tb.frame_of(edit.new_time, fps)
    assert edit.new_time == tb.frame_start(frame, fps)  # on a frame start
    assert abs(frame - target_t * fps.fps) <= 1.0
    assert any(m.time == edit.new_time for m in win.timeline.layer.events["downbeat"])
    # a click on empty waveform moves the playhead to that frame
    empty = 5.55 if win.timeline.marker_near(5.55) is None else 5.6
    qtbot.mouseClick(vp, left, pos=_view_to_widget(win, empty))
    assert win.current_frame == tb.frame_of(snap_to_frame(empty, fps), fps)


def test_edit_undo_redo(make_window, wait_idle, demo_project_file, demo_analysis):
    win = open_demo(make_window, wait_idle, demo_project_file)
    fps = win.doc.project.fps
    win.go_to_frame(100)
    win.act_add_cue.trigger()
    t100 = tb.frame_start(100, fps)
    assert any(c.time == t100 and c.label == "MARK" for c in win.doc.edited().cues)
    # rename the new cue through the dialog
    win.dialogs.script("text", "Door slam")
    win.rename_selected()
    assert any(c.label == "Door slam" for c in win.doc.edited().cues)
    # move the third beat two frames later: it lands on a frame start
    beat = win.timeline.layer.events["beat"][2]
    target = tb.frame_start(tb.frame_of(beat.time, fps) + 2, fps) + 0.3 / fps.fps
    win.move_marker(beat, target)
    moved = tb.frame_start(tb.frame_of(beat.time, fps) + 2, fps)
    times = [b.time for b in win.doc.edited().beats]
    assert moved in times and beat.time not in times
    # delete an accent
    onset = win.timeline.layer.events["onset"][5]
    win._marker_selected(onset)
    win.act_delete.trigger()
    assert onset.time not in [o.time for o in win.doc.edited().onsets]
    assert len(win.doc.project.edits) == 4 and win.doc.modified
    for _ in range(4):
        win.act_undo.trigger()
    assert win.doc.project.edits == ()
    assert win.doc.edited().beats == demo_analysis.beats and win.doc.edited().cues == demo_analysis.cues
    assert [m.time for m in win.timeline.layer.events["onset"]] == [o.time for o in demo_analysis.onsets]
    for _ in range(4):
        win.act_redo.trigger()
    assert len(win.doc.project.edits) == 4
    assert any(c.label == "Door slam" for c in win.doc.edited().cues)


def test_toggle_downbeat_renumbers_bars(make_window, wait_idle, demo_project_file):
    win = open_demo(make_window, wait_idle, demo_project_file)
    bars = len(win.doc.edited().downbeats)
    beat = win.timeline.layer.events["beat"][1]
    win._marker_selected(beat)
    win.act_toggle_down.trigger()
    assert len(win.doc.edited().downbeats) == bars + 1
    assert any(m.time == beat.time for m in win.timeline.layer.events["downbeat"])


def test_save_load_round_trip(make_window, wait_idle, demo_project_file, tmp_path):
    win = open_demo(make_window, wait_idle, demo_project_file)
    win.go_to_frame(48)
    win.act_add_downbeat.trigger()
    win.params.lead.setValue(2)
    target = tmp_path / "saved.syncsheet"
    win.dialogs.script("save_project_path", str(target))
    win.act_save_as.trigger()
    assert target.is_file() and not win.doc.modified and win.doc.path == target
    assert str(target.resolve()) == win.recent_files()[0]
    other = open_demo(make_window, wait_idle, target)
    assert other.doc.project.edits == win.doc.project.edits
    assert other.doc.project.sheet_options.lead == 2 and other.params.lead.value() == 2
    assert [m.time for m in other.timeline.markers()] == [m.time for m in win.timeline.markers()]
    assert not other.doc.modified


def test_frame_stepping_and_readout(make_window, wait_idle, demo_project_file, qtbot):
    win = open_demo(make_window, wait_idle, demo_project_file)
    win.params.fps.setCurrentIndex(win.params.fps.findData("23.976"))
    fps = win.doc.project.fps
    assert fps.rate.denominator == 1001
    win.timeline.setFocus()
    for _ in range(3):
        qtbot.keyClick(win, Qt.Key.Key_Right)
    assert win.current_frame == 3
    assert win.transport.position() == tb.frame_start(3, fps)
    assert win.sheet_view.current_frame() == 3
    assert win.readouts["frame"].text() == "00004"  # sheets number from 1
    assert win.readouts["timecode"].text() == tb.to_timecode(3, fps)
    qtbot.keyClick(win, Qt.Key.Key_Left)
    assert win.current_frame == 2 and win.timeline.playhead_time() == tb.frame_start(2, fps)
    # the X-sheet drives the playhead too
    win.sheet_view.selectRow(500)
    assert win.current_frame == 500 and win.transport.position() == tb.frame_start(500, fps)
    assert win.readouts["bar"].text() == win.doc.sheet().bar_beat(500)
    qtbot.keyClick(win, Qt.Key.Key_End)
    assert win.current_frame == win.doc.sheet().frames - 1


def test_playback_interpolates_between_position_reports(make_window, wait_idle, demo_project_file, clock):
    win = open_demo(make_window, wait_idle, demo_project_file)
    t = win.transport
    win.seek(1.0)
    t.play()
    assert t.playing and win.play_button.text().endswith("Pause")
    clock.ms += 40  # between reports the playhead runs on the clock
    assert t.position() == pytest.approx(1.04)
    t._on_tick()
    assert win.timeline.playhead_time() == pytest.approx(1.04)
    assert win.current_frame == tb.frame_of(1.04, win.doc.project.fps)
    clock.ms += 60
    t._on_tick()
    assert win.timeline.playhead_time() == pytest.approx(1.10)
    t._on_player_position(1090)  # a report 10 ms behind the clock: resync without stepping back
    assert t.position() == pytest.approx(1.09)
    t._on_tick()
    assert win.timeline.playhead_time() == pytest.approx(1.10)
    clock.ms += 50
    t._on_tick()
    assert win.timeline.playhead_time() == pytest.approx(1.14)
    t._on_player_position(5000)  # a real jump (stall, seek elsewhere) is followed at once
    t._on_tick()
    assert win.timeline.playhead_time() == pytest.approx(5.0)
    win.act_play.trigger()  # Space: pause
    assert not t.playing and t.position() == pytest.approx(5.0)


def test_no_audio_device_is_a_note_not_a_crash(make_window, wait_idle, demo_project_file):
    win = open_demo(make_window, wait_idle, demo_project_file)
    assert "no audio output" in win.audio_note.text()
    assert not win.transport.scrub(10, win.doc.project.fps)
    assert len(win.transport.frame_slice(10, win.doc.project.fps)) == pytest.approx(44100 / 24, abs=1)
    win.step(1)
    assert win.current_frame == 1


def test_export_menu_reaches_every_exporter(make_window, wait_idle, demo_project_file, tmp_path):
    win = open_demo(make_window, wait_idle, demo_project_file)
    win._fill_export_menu()
    mods = exporters.all_formats()
    assert set(win.export_actions) == {m.NAME for m in mods}
    for mod in mods:
        target = tmp_path / exporters.default_name(mod, f"out-{mod.NAME}")
        win.dialogs.script("export_path", str(target))
        win.export_actions[mod.NAME].trigger()
        wait_idle(win)
        assert target.is_file() and target.stat().st_size > 0, mod.NAME
    with open(tmp_path / "out-csv.csv", newline="") as fh:
        rows = list(csv.reader(fh))
    assert len(rows) == win.doc.sheet().frames + 1


def test_a_long_export_shows_its_progress_and_can_be_cancelled(make_window, wait_idle, demo_project_file, tmp_path,
                                                               monkeypatch, qtbot):
    # a reel's PDF sheet takes 10-15 s: the writer must hear the job's progress, or the bar stands
    # still and Cancel waits for the end
    import threading

    win = open_demo(make_window, wait_idle, demo_project_file)
    real = exporters.write_file
    heard, release = [], threading.Event()

    def slow_pdf(sheet, path, fmt=None, progress=None, **options):
        if fmt != "pdf":
            return real(sheet, path, fmt, progress=progress, **options)
        for k in range(1000):  # until the job's progress raises Cancelled
            progress(k / 1000, "PDF sheet")
            heard.append(k)
            release.wait(0.01)
        return path

    monkeypatch.setattr(exporters, "write_file", slow_pdf)
    job = win.export(exporters.get("pdf"), str(tmp_path / "x.pdf"))
    qtbot.waitUntil(lambda: len(heard) > 3 and win.progress.value() > 0, timeout=10000)
    with qtbot.waitSignal(job.cancelled, timeout=10000):
        win.cancel_button.click()
    wait_idle(win)
    assert len(heard) < 1000 and not (tmp_path / "x.pdf").exists()
    # all formats at once: each format's own progress inside its share of the bar
    seen = []
    monkeypatch.setattr(exporters, "write_file",
                        lambda sheet, path, fmt=None, progress=None, **o: seen.append(progress) or path)
    win.export_all(str(tmp_path))
    wait_idle(win)
    assert len(seen) == len(exporters.all_formats()) and all(callable(p) for p in seen)


def test_reanalysis_keeps_edits(make_window, wait_idle, click_wav):
    path, times = click_wav
    win = make_window()
    assert win.open_path(path)
    wait_idle(win)
    assert win.doc.project.analysis is not None and win.doc.project.audio_sha256
    assert len(win.doc.edited().beats) >= len(times) // 2
    win.go_to_frame(30)
    win.act_add_cue.trigger()
    first = win.timeline.layer.events["beat"][0]
    win._marker_selected(first)
    win.act_delete.trigger()
    edits = win.doc.project.edits
    win.params.bpm_min.setValue(60)
    win.params.bpm_max.setValue(180)
    win.params.meter.setCurrentIndex(win.params.meter.findData(3))
    win.params.apply.click()
    wait_idle(win)
    assert win.doc.project.settings == AnalysisSettings(60, 180, 3, 0.5)
    assert win.doc.project.edits == edits
    cue_time = tb.frame_start(30, win.doc.project.fps)
    assert any(c.time == cue_time for c in win.doc.edited().cues)
    assert first.time not in [b.time for b in win.doc.edited().beats]
    assert [m.time for m in win.timeline.layer.events["cue"]].count(cue_time) == 1


def test_cancel_analysis(make_window, wait_idle, click_wav, qtbot):
    started = []

    def slow(path, settings, progress=None):
        started.append(path)
        while True:  # until Cancel raises from inside the progress callback
            progress(0.5, "thinking")
            time.sleep(0.005)

    win = make_window(analyze_fn=slow)
    win.open_path(click_wav[0])
    qtbot.waitUntil(lambda: bool(started) and win.cancel_button.isVisible(), timeout=10000)
    win.cancel_button.click()
    wait_idle(win)
    assert win.doc.project.analysis is None
    assert win.doc.peaks is not None  # the waveform is there, the analysis was stopped
    assert not win.cancel_button.isVisible()


def test_missing_audio_is_asked_for(make_window, wait_idle, click_wav, tmp_path):
    path, _ = click_wav
    _, saved = _saved_project(make_window, wait_idle, path, tmp_path / "clicks.syncsheet")
    assert saved
    moved = tmp_path / "elsewhere" / "clicks-renamed.wav"
    moved.parent.mkdir()
    shutil.move(path, moved)
    win = make_window()
    win.dialogs.script("locate_audio", str(moved))
    assert win.open_path(tmp_path / "clicks.syncsheet")
    wait_idle(win)
    assert win.dialogs.asked[0][0] == "locate_audio"
    assert win.doc.project.audio_path == str(moved.resolve()) and win.doc.modified
    assert win.doc.peaks is not None and win.transport.path == str(moved.resolve())
    # declined: the project still opens, with its markers and sheet, and says the audio is missing
    shutil.move(moved, tmp_path / "gone.wav")
    third = make_window()
    third.dialogs.script("locate_audio", None)
    assert third.open_path(tmp_path / "clicks.syncsheet")
    wait_idle(third)
    assert third.doc.sheet() is not None and third.doc.peaks is None
    assert "missing" in third.audio_note.text()


def test_relocating_to_different_audio_needs_consent(make_window, wait_idle, click_wav, tmp_path):
    import numpy as np
    import soundfile as sf

    path, _ = click_wav
    _saved_project(make_window, wait_idle, path, tmp_path / "c.syncsheet")
    path.unlink()
    other = tmp_path / "other.wav"
    sf.write(other, np.zeros(22050, np.float32), 22050)
    win = make_window()
    win.dialogs.script("locate_audio", str(other))
    win.dialogs.script("confirm", False)
    win.open_path(tmp_path / "c.syncsheet")
    wait_idle(win)
    assert [a[0] for a in win.dialogs.asked] == ["locate_audio", "confirm"]
    assert win.doc.project.audio_path == str(path.resolve())  # unchanged: the user said no


def test_autosave_goes_to_a_side_file(make_window, wait_idle, demo_project_file):
    win = open_demo(make_window, wait_idle, demo_project_file)
    before = demo_project_file.read_bytes()
    win.go_to_frame(12)
    win.act_add_onset.trigger()
    side = win.autosave()
    assert side is not None and side != demo_project_file and side.parent == demo_project_file.parent
    assert demo_project_file.read_bytes() == before
    assert pj.load(side).edits == win.doc.project.edits
    # reopening offers the newer autosave
    again = make_window()
    again.dialogs.script("confirm", True)
    again.open_path(demo_project_file)
    wait_idle(again)
    assert again.doc.project.edits == win.doc.project.edits and again.doc.modified
    # saving for real removes the side file
    win.act_save.trigger()
    assert not side.exists()


def test_drop_opens_audio(make_window, wait_idle, click_wav, qtbot):
    win = make_window()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(click_wav[0]))])
    event = QDropEvent(QPointF(200, 200), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    win.dropEvent(event)
    qtbot.waitUntil(lambda: win.doc.project is not None, timeout=5000)
    wait_idle(win)
    assert win.doc.project.audio_path == str(click_wav[0].resolve())
    assert win.doc.sheet() is not None


def test_open_errors_are_reported(make_window, tmp_path):
    win = make_window()
    bad = tmp_path / "noise.wav"
    bad.write_bytes(b"not audio at all")
    assert not win.open_path(bad)
    assert win.dialogs.errors and "noise.wav" in win.dialogs.errors[0]
    broken = tmp_path / "x.syncsheet"
    broken.write_text("{")
    assert not win.open_path(broken)
    assert "x.syncsheet" in win.dialogs.errors[-1]


def test_ruler_modes_label_ticks(make_window, wait_idle, demo_project_file):
    win = open_demo(make_window, wait_idle, demo_project_file)
    win.timeline.set_view(0.0, 10.0)
    ruler = win.timeline.ruler
    sheet = win.doc.sheet()
    for mode in ("frames", "timecode", "feet", "bars"):
        win.set_ruler_mode(mode)
        ticks = ruler.tickValues(0.0, 10.0, 1000)
        values = ticks[0][1]
        labels = ruler.tickStrings(values, 1, ticks[0][0])
        assert values and all(labels), mode
        if mode == "timecode":
            expect = [sheet.timecode(tb.frame_of(v, sheet.fps)) for v in values]
            assert labels == expect
        if mode == "bars":
            assert set(labels) <= {f"{b.bar}" for b in sheet.analysis.downbeats} | \
                {f"{b.bar}:{b.beat}" for b in sheet.analysis.beats}


def test_cancelled_is_the_core_error():
    # the Cancel button works by raising the core's Cancelled inside the progress callback
    from syncsheet_ui.jobs import Job

    job = Job("x", lambda progress: progress(0.1, "a"))
    job.cancel()
    with pytest.raises(Cancelled):
        job._progress(0.2, "b")


def test_dragging_the_playhead_scrubs_frame_by_frame(make_window, wait_idle, demo_project_file, monkeypatch):
    win = open_demo(make_window, wait_idle, demo_project_file)
    fps = win.doc.project.fps
    scrubbed = []
    monkeypatch.setattr(win.transport, "scrub", lambda frame, fps: scrubbed.append(frame) or False)
    win.timeline.set_view(0.0, 4.0)
    win.go_to_frame(10)
    vp = win.timeline.plot_widget.viewport()
    start = _view_to_widget(win, tb.frame_start(10, fps), 0.5)
    end = _view_to_widget(win, tb.frame_start(30, fps) + 0.2 / fps.fps, 0.5)
    left = Qt.MouseButton.LeftButton
    _mouse(vp, QEvent.Type.MouseButtonPress, start, left)
    for i in range(1, 21):
        _mouse(vp, QEvent.Type.MouseMove, start + (end - start) * (i / 20), left)
    _mouse(vp, QEvent.Type.MouseButtonRelease, end, Qt.MouseButton.NoButton)
    assert scrubbed and scrubbed == sorted(scrubbed) and len(set(scrubbed)) == len(scrubbed)  # one per new frame
    assert win.current_frame == 30 and win.transport.position() == tb.frame_start(30, fps)
    assert win.timeline.playhead_time() == tb.frame_start(30, fps)


def test_overview_pans_the_timeline_and_space_plays_from_the_sheet(make_window, wait_idle, demo_project_file, qtbot):
    win = open_demo(make_window, wait_idle, demo_project_file)
    win.overview.region.setRegion((20.0, 26.0))
    t0, t1 = win.timeline.view_range()
    assert (t0, t1) == pytest.approx((20.0, 26.0))
    win.timeline.set_view(2.0, 7.0)
    assert win.overview.region.getRegion() == pytest.approx((2.0, 7.0))
    win.sheet_view.setFocus()
    qtbot.keyClick(win.sheet_view, Qt.Key.Key_Space)
    assert win.transport.playing
    qtbot.keyClick(win.sheet_view, Qt.Key.Key_Space)
    assert not win.transport.playing


def test_changed_audio_is_noticed(make_window, wait_idle, click_wav, tmp_path):
    import numpy as np
    import soundfile as sf

    path, _ = click_wav
    _saved_project(make_window, wait_idle, path, tmp_path / "c.syncsheet")
    y, sr = sf.read(path)
    sf.write(path, np.asarray(y) * 0.5, sr)  # same place, different content
    win = make_window()
    win.open_path(tmp_path / "c.syncsheet")
    wait_idle(win)
    assert "changed" in win.audio_note.text()
    assert win.doc.peaks is not None and win.doc.sheet() is not None


def test_nudge_and_go_to_frame(make_window, wait_idle, demo_project_file):
    win = open_demo(make_window, wait_idle, demo_project_file)
    fps = win.doc.project.fps
    beat = win.timeline.layer.events["beat"][3]
    win._marker_selected(beat)
    win.act_nudge_on.trigger()
    win.act_nudge_on.trigger()
    frame = tb.frame_of(snap_to_frame(beat.time, fps), fps) + 2
    assert tb.frame_start(frame, fps) in [b.time for b in win.doc.edited().beats]
    assert win.selected is not None and win.selected.time == tb.frame_start(frame, fps)
    win.act_undo.trigger()
    assert tb.frame_start(frame - 1, fps) in [b.time for b in win.doc.edited().beats]
    sheet = win.doc.sheet()
    for answer, expected in (("240", 239), ("00:00:12:00", 288), ("20+00", 320)):
        win.dialogs.script("text", answer)
        win.act_goto.trigger()
        assert win.current_frame == expected, answer
        assert win.readouts["frame"].text() == f"{sheet.number(expected):05d}"
    win.dialogs.script("text", "12:99:00:00")
    win.act_goto.trigger()
    assert win.dialogs.errors and "12:99:00:00" in win.dialogs.errors[-1]
    assert win.current_frame == 320


def test_typing_a_cue_on_the_sheet(make_window, wait_idle, demo_project_file):
    win = open_demo(make_window, wait_idle, demo_project_file)
    win.params.lead.setValue(2)
    model = win.sheet_view.model()
    col = [c[0] for c in COLUMNS].index("cue")
    assert model.flags(model.index(100, col)) & Qt.ItemFlag.ItemIsEditable
    assert not model.flags(model.index(100, 0)) & Qt.ItemFlag.ItemIsEditable
    assert model.setData(model.index(100, col), "Door slam")
    sheet = win.doc.sheet()
    assert [c.text for c in sheet.row(100).cues] == ["Door slam"]  # marked on the typed frame, lead and all
    cue = sheet.row(100).cues[0]
    assert tb.frame_of(cue.time, sheet.fps) == 102
    assert model.data(model.index(100, col)) == "Door slam"
    model.setData(model.index(100, col), "SLAM!")
    assert [c.text for c in win.doc.sheet().row(100).cues] == ["SLAM!"]
    model.setData(model.index(100, col), "")
    assert win.doc.sheet().row(100).cues == ()
    for _ in range(3):
        win.act_undo.trigger()
    assert win.doc.project.edits == ()


def test_autosave_timer_writes_in_the_background(make_window, wait_idle, demo_project_file, qtbot):
    win = open_demo(make_window, wait_idle, demo_project_file, autosave_ms=50)
    side = demo_project_file.with_name(f".{demo_project_file.name}.autosave")
    qtbot.wait(150)
    assert not side.exists()  # nothing changed yet: nothing to autosave
    win.go_to_frame(30)
    win.act_add_cue.trigger()
    qtbot.waitUntil(side.exists, timeout=5000)
    qtbot.waitUntil(lambda: win._autosaving is None, timeout=5000)
    assert pj.load(side).edits == win.doc.project.edits


def test_opening_the_demo_audio_analyses_it_in_the_background(make_window, wait_idle, demo_analysis, qtbot):
    from syncsheet import demo

    win = make_window()
    stages = []
    assert win.open_path(demo.score_path())
    win._active.progressed.connect(lambda f, stage: stages.append(stage))
    assert win.progress.isVisible() and win.cancel_button.isVisible()
    assert win.doc.project.analysis is None  # the window is back before the analysis is done
    wait_idle(win, timeout=120_000)
    assert "decoding" in stages or "reading waveform" in stages
    edited = win.doc.edited()
    assert [b.time for b in edited.beats] == [b.time for b in demo_analysis.beats]
    assert [m.time for m in win.timeline.layer.events["downbeat"]] == [b.time for b in demo_analysis.downbeats]
    assert win.doc.modified and win.windowTitle().startswith("demo_score.ogg")


def test_layout_and_ruler_are_remembered(make_window, wait_idle, demo_project_file):
    win = make_window(remember_layout=True)
    win.set_ruler_mode("timecode")
    win.close()
    again = make_window(remember_layout=True)
    assert again.timeline.ruler.mode == "timecode" and again.ruler_actions["timecode"].isChecked()
    win2 = open_demo(make_window, wait_idle, demo_project_file)
    m = win2.timeline.layer.events["downbeat"][2]
    tip = win2.timeline.describe(m)
    assert f"Bar {m.text}" in tip and f"frame {win2.doc.sheet().number(win2.doc.sheet().frame_of(m.time))}" in tip


def test_the_first_sound_after_silence_is_described_as_such(make_window):
    win = make_window()
    assert win.timeline.describe(Marker("cue", "restart", 1.0, "START")).startswith("Sound starts")
    assert win.timeline.describe(Marker("cue", "restart", 5.0, "RESTART")).startswith("Music restarts")


def test_half_and_double_tempo_fold_the_beats_with_one_click(make_window, wait_idle, click_wav):
    path, times = click_wav
    win = make_window()
    assert not win.params.half_tempo.isEnabled()  # nothing analysed yet
    assert win.open_path(path)
    wait_idle(win)
    first = win.doc.edited().beats
    bpm = 60.0 / float(np.median(np.diff([b.time for b in first])))
    assert win.params.half_tempo.isEnabled() and win.params.double_tempo.isEnabled()
    win.params.half_tempo.click()
    wait_idle(win)
    settings = win.doc.project.settings
    assert settings.bpm_min < bpm / 2 < settings.bpm_max < bpm
    halved = [b.time for b in win.doc.edited().beats]
    assert 60.0 / float(np.median(np.diff(halved))) == pytest.approx(bpm / 2, rel=0.05)
    assert set(np.round(halved, 3)) <= set(np.round([b.time for b in first], 3))  # every other beat, same times
    win.params.double_tempo.click()
    wait_idle(win)
    doubled = [b.time for b in win.doc.edited().beats]
    assert 60.0 / float(np.median(np.diff(doubled))) == pytest.approx(bpm, rel=0.05)


def test_shift_half_beat_moves_the_beats_and_back_with_one_click(make_window, wait_idle, click_wav):
    path, clicks = click_wav
    win = make_window()
    assert not win.params.offbeat.isEnabled()  # nothing analysed yet
    assert win.open_path(path)
    wait_idle(win)
    first = np.array([b.time for b in win.doc.edited().beats])
    win.params.offbeat.click()
    wait_idle(win)
    assert win.doc.project.settings.offbeat and win.params.offbeat.isChecked()
    moved = np.array([b.time for b in win.doc.edited().beats])
    inner = moved[(moved > 0.5) & (moved < 5.5)]
    phase = (inner - clicks[0]) / 0.5 % 1  # 120 BPM clicks
    assert len(inner) and np.all(np.abs(phase - 0.5) < 0.05)
    win.params.offbeat.click()
    wait_idle(win)
    assert not win.doc.project.settings.offbeat
    assert np.array_equal([b.time for b in win.doc.edited().beats], first)
    win.params.offbeat.setChecked(True)  # as if clicked, and the analysis then cancelled or failed:
    win._analysis_finished()  # the toggle goes back to what the beats shown were made with
    assert not win.params.offbeat.isChecked()


def test_bars_start_where_the_user_says_and_clear_gives_them_back(make_window, wait_idle, click_wav):
    path, clicks = click_wav
    win = open_demo(make_window, wait_idle, path)
    before = [b.time for b in win.doc.edited().downbeats]
    target = clicks[5]  # a beat the analysis counts as beat 2
    win.transport.seek(target + 0.05)
    win.act_bar_start.trigger()
    wait_idle(win)
    assert win.doc.project.settings.bar_starts == (pytest.approx(target + 0.05, abs=0.03),)
    down = [b.time for b in win.doc.edited().downbeats]
    assert any(abs(t - target) < 0.03 for t in down) and down != before
    assert win.params.clear_bar_starts.isEnabled()
    win.params.clear_bar_starts.click()
    wait_idle(win)
    assert win.doc.project.settings.bar_starts == () and [b.time for b in win.doc.edited().downbeats] == before


def test_the_sheet_header_is_typed_in_the_panel(make_window, wait_idle, demo_project_file, tmp_path):
    # the printed sheet's production, scene, cut, start timecode, numbering and gauge had no field
    win = open_demo(make_window, wait_idle, demo_project_file)
    p = win.params
    for box, text in ((p.production, "Le Voyage"), (p.scene, "12"), (p.cut, "3B"), (p.start_tc, "01:00:00:00")):
        box.setText(text)
        box.editingFinished.emit()
    p.first_frame.setCurrentIndex(p.first_frame.findData(0))
    p.gauge.setCurrentIndex(p.gauge.findData("16mm"))
    options = win.doc.project.sheet_options
    assert (options.production, options.scene, options.cut, options.start_timecode) == ("Le Voyage", "12", "3B",
                                                                                          "01:00:00:00")
    assert options.first_frame == 0 and options.gauge == "16mm"
    sheet = win.doc.sheet()
    assert sheet.timecode(0) == "01:00:00:00" and sheet.number(0) == 0 and win.doc.modified
    # a timecode that cannot be is said, and the panel shows the project's again
    p.start_tc.setText("01:00:00:24")
    p.start_tc.editingFinished.emit()
    assert win.dialogs.errors and "01:00:00:24" in win.dialogs.errors[-1]
    assert p.start_tc.text() == "01:00:00:00" and win.doc.project.sheet_options.start_timecode == "01:00:00:00"
    win.dialogs.errors.clear()
    # and the header is saved with the project
    saved = tmp_path / "header.syncsheet"
    assert win._save_to(saved)
    from syncsheet import project as pj

    assert pj.load(saved).sheet_options == win.doc.project.sheet_options


def test_a_broadcast_wav_opens_at_its_own_timecode(make_window, wait_idle, tmp_path):
    from helpers import click_track, write_bwf

    y, _ = click_track(120, 3.0, sr=48000)
    path = tmp_path / "bounce.wav"
    write_bwf(path, y, 48000, 10 * 3600 * 48000)  # a session at 10:00:00:00
    win = make_window()
    assert win.open_path(path)
    wait_idle(win)
    assert win.doc.project.sheet_options.start_timecode == "10:00:00:00"
    assert win.doc.sheet().timecode(0) == "10:00:00:00"


def test_a_project_s_thousands_of_bar_starts_show_as_a_short_list(make_window):
    from syncsheet import timebase as tb
    from syncsheet.analysis import AnalysisSettings

    win = make_window()
    win.params.load(tb.FrameRate.parse("24"), 0, AnalysisSettings(bar_starts=tuple(range(0, 7200, 2))))
    tip = win.params.bar_starts_label.toolTip().splitlines()
    assert len(tip) == 21 and tip[0] == "0.000 s" and tip[-1] == "… and 3580 more"
    assert win.params.bar_starts_label.text() == "0.00 s, 2.00 s, 4.00 s …"


@pytest.mark.parametrize(("name", "seconds", "channels", "rate"), [
    ("one sample", 1 / 22050, 1, 22050),
    ("5 ms of sound", 0.005, 2, 44100),
    ("2 s of silence", 2.0, 1, 8000),
    ("a second of 5.1 at 192 kHz", 1.0, 6, 192000),
])
def test_odd_audio_opens_with_an_empty_or_short_sheet(make_window, wait_idle, tmp_path, name, seconds, channels,
                                                      rate):
    # what the analysis gives such files (no beats, a frame or two) is drawn and stepped through
    n = max(1, int(round(seconds * rate)))
    y = np.zeros((n, channels), np.float32)
    if "silence" not in name:
        y += np.random.default_rng(0).standard_normal((n, channels)).astype(np.float32) * 0.2
    path = tmp_path / "odd.wav"
    sf.write(path, y, rate)
    win = make_window()
    assert win.open_path(path)
    wait_idle(win)
    sheet = win.doc.sheet()
    assert sheet is not None and sheet.frames >= 1
    win.grab()  # every view paints
    for delta in (1, 1, -1, -5, 3):
        win.step(delta)
    win.jump_beat(1)
    win.jump_beat(-1)
    win.zoom_fit()
    win.grab()
    assert not win.dialogs.errors


def test_a_take_with_timecode_on_a_channel_opens_at_its_time_without_the_code(make_window, wait_idle, tmp_path):
    # a camera's take: the music on channel 1, LTC on channel 2
    from helpers import click_track

    from syncsheet import ltc

    music, _ = click_track(120, 6.0, sr=48000)
    rate = tb.FrameRate.parse("25")
    code = ltc.encode(6.0, 48000, rate, tb.from_timecode("14:30:00:00", rate))
    path = tmp_path / "take.wav"
    sf.write(path, np.stack([music, code], axis=1), 48000)
    win = make_window()
    assert win.open_path(path)
    wait_idle(win)
    assert win.params.start_tc.text() == "14:30:00:00"
    assert win.timeline.peaks.without == (1,)  # the waveform is the music's
    assert "channel 2 is SMPTE timecode (LTC at 25 fps, 14:30:00:00 at the file's start)" in win.info.text()
    assert len(win.doc.sheet().analysis.beats) >= 10
    # a scrub plays the music's slice, not the code's buzz
    frame = win.transport.frame_slice(30, win.doc.project.fps)
    a = tb.first_sample(30, 48000, win.doc.project.fps)
    assert np.allclose(frame, music[a : a + len(frame)], atol=1e-4)
    win.grab()
