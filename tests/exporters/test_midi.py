"""MIDI export and import, checked with readers we did not write (pretty_midi, mido)."""

from __future__ import annotations

import io
import struct

import mido
import numpy as np
import pretty_midi
import pytest

from syncsheet import demo
from syncsheet.errors import FormatError
from syncsheet.exporters import _marks, midi
from syncsheet.model import Analysis, Beat, Cue, Onset, TempoMap
from syncsheet.sheet import ExposureSheet, SheetOptions

MS = 0.001


def rubato_analysis(seed: int = 7, start: float = 0.37) -> Analysis:
    """Beats with a ramp, jitter, a meter change, a pickup-free start after silence, and cues."""
    rng = np.random.default_rng(seed)
    times, t = [], start
    period = 0.5
    for i in range(120):
        times.append(t)
        period = 0.5 + 0.15 * np.sin(i / 15)  # tempo drifts between ~92 and ~171 BPM
        t += period + rng.normal(0, 0.004)
    meters = [4] * 10 + [3] * 6 + [5] * 20
    beats, k = [], 0
    for bar, n in enumerate(meters, 1):
        for beat in range(1, n + 1):
            if k < len(times):
                beats.append(Beat(float(times[k]), bar, beat, float(rng.uniform(0.3, 1))))
                k += 1
    cues = [Cue(float(times[5]) + 0.123, "crash", "CRASH", 0.9), Cue(float(times[30]) + 0.07, "impact", "", 0.8),
            Cue(float(times[60]) + 0.2, "stop", "STOP", 1.0, float(times[62])),
            Cue(float(times[62]), "restart", "RESTART"), Cue(20.01, "section", "Chorus"),
            Cue(float(times[90]) + 0.31, "glass", "Glass ✧ smash", 0.5)]
    onsets = [Onset(float(x) + 0.01, 0.6) for x in times[::3]]
    return Analysis(float(times[-1]) + 1.0, beats=tuple(beats), onsets=tuple(onsets), cues=tuple(cues),
                    tempo=TempoMap.from_beats(beats), source="rubato.wav")


def write_midi(analysis: Analysis, fps: str = "24", start_tc: str | None = None, **opts) -> bytes:
    buf = io.BytesIO()
    midi.write(ExposureSheet(analysis, fps, SheetOptions(start_timecode=start_tc)), buf, **opts)
    return buf.getvalue()


def meta_events(data: bytes, types: tuple[str, ...]) -> list[tuple[int, mido.MetaMessage]]:
    """(absolute tick, message) of meta messages of some types, over all tracks, read by mido."""
    out = []
    for track in mido.MidiFile(file=io.BytesIO(data), charset="utf-8").tracks:
        tick = 0
        for msg in track:
            tick += msg.time
            if msg.type in types:
                out.append((tick, msg))
    return out


@pytest.fixture(scope="module")
def rubato() -> tuple[Analysis, bytes]:
    a = rubato_analysis()
    return a, write_midi(a)


def test_pretty_midi_beats_are_the_detected_beats(rubato):
    a, data = rubato
    pm = pretty_midi.PrettyMIDI(io.BytesIO(data))
    grid = midi.build_grid(a.beats)
    got = pm.get_beats()[grid.preroll:grid.preroll + len(a.beats)]
    want = np.array([b.time for b in a.beats])
    assert grid.preroll >= 1  # the first beat is at 0.37 s: there is a pre-roll
    assert len(got) == len(want)
    assert np.max(np.abs(got - want)) < MS


def test_bar_lines_fall_on_the_detected_downbeats(rubato):
    a, data = rubato
    pm = pretty_midi.PrettyMIDI(io.BytesIO(data))
    down = pm.get_downbeats()
    want = np.array([b.time for b in a.downbeats])
    # pre-roll bars come first; every detected downbeat is a bar line of the grid
    dist = np.abs(down[:, None] - want[None, :]).min(axis=0)
    assert np.max(dist) < MS
    sigs = [(ts.numerator, ts.denominator) for ts in pm.time_signature_changes]
    assert (3, 4) in sigs and (5, 4) in sigs and (4, 4) in sigs


def test_demo_truth_beats_and_cues_within_one_ms():
    t = demo.truth()
    beats = [Beat(b["time"], b["bar"], b["beat"]) for b in t["beats"]]
    cues = [Cue(c["time"], c.get("kind", "hit"), c.get("label", "")) for c in t["cues"]]
    a = Analysis(t["duration"], beats=tuple(beats), cues=tuple(cues))
    data = write_midi(a)
    pm = pretty_midi.PrettyMIDI(io.BytesIO(data))
    pre = midi.build_grid(a.beats).preroll
    got = pm.get_beats()[pre:pre + len(beats)]
    assert np.max(np.abs(got - [b.time for b in beats])) < MS
    points = [(pm.tick_to_time(tick), m.text) for tick, m in meta_events(data, ("cue_marker",))]
    assert len(points) == sum(c.kind in _marks.SFX_KINDS for c in cues) > 0
    for c in (c for c in cues if c.kind in _marks.SFX_KINDS):
        assert min(abs(t - c.time) for t, _ in points) < MS


def test_markers_and_cue_points_sit_at_cue_times_and_name_frame_and_timecode(rubato):
    a, data = rubato
    pm = pretty_midi.PrettyMIDI(io.BytesIO(data))
    sheet = ExposureSheet(a, "24")
    events = meta_events(data, ("marker", "cue_marker"))
    for cue in a.cues:
        kind = "cue_marker" if cue.kind in _marks.SFX_KINDS else "marker"
        frame = sheet.frame_of(cue.time)
        text = f"{cue.text} - frame {frame + 1} - {sheet.timecode(frame)}"
        hits = [pm.tick_to_time(tick) for tick, m in events if m.type == kind and m.text == text]
        assert len(hits) == 1, text
        assert abs(hits[0] - cue.time) < MS
    bars = [(tick, m.text) for tick, m in events if m.text.startswith("Bar ")]
    assert len(bars) == len(a.downbeats)
    # bar markers sit exactly on the DAW's bar lines, not a tick beside them
    lines = pm.get_downbeats()
    assert max(np.abs(lines - pm.tick_to_time(tick)).min() for tick, _ in bars) < 1e-6


def test_utf8_text_survives():
    a = rubato_analysis()
    data = write_midi(a)
    texts = [m.text for _, m in meta_events_utf8(data)]
    assert any("Glass ✧ smash" in t for t in texts)


def meta_events_utf8(data: bytes):
    mid = mido.MidiFile(file=io.BytesIO(data), charset="utf-8")
    return [(0, m) for m in mid.tracks[0] if m.type in ("marker", "cue_marker")]


def test_file_layout_format1_conductor_first_ppq(rubato):
    _, data = rubato
    mid = mido.MidiFile(file=io.BytesIO(data))
    assert mid.type == 1
    assert mid.ticks_per_beat >= 480
    assert any(m.type == "set_tempo" for m in mid.tracks[0])
    assert not any(m.type == "set_tempo" for t in mid.tracks[1:] for m in t)
    assert all(0 < m.tempo <= midi.MAX_TEMPO for m in mid.tracks[0] if m.type == "set_tempo")


def test_note_track_on_channel_10_with_distinct_notes(rubato):
    a, data = rubato
    mid = mido.MidiFile(file=io.BytesIO(data))
    ons = [m for m in mid.tracks[1] if m.type == "note_on" and m.velocity > 0]
    assert {m.channel for m in ons} == {9}
    counts = {name: sum(m.note == note for m in ons) for name, note in midi.NOTES.items()}
    assert len(set(midi.NOTES.values())) == len(midi.NOTES)
    assert counts["downbeat"] == len(a.downbeats)
    assert counts["beat"] == len(a.beats) - len(a.downbeats)
    assert counts["onset"] == len(a.onsets)
    assert counts["sfx"] == sum(c.kind in _marks.SFX_KINDS for c in a.cues)
    assert counts["structure"] == sum(c.kind not in _marks.SFX_KINDS for c in a.cues)
    offs = [m for m in mid.tracks[1] if m.type == "note_off" or (m.type == "note_on" and m.velocity == 0)]
    assert len(offs) == len(ons)


def test_steady_tempo_shares_one_event_and_long_runs_do_not_drift():
    # 1500 beats at a period that is not a whole number of microseconds: one tempo cannot hold
    # them all within 0.5 ms, so the fit must add events rather than drift
    period = 0.4999996
    beats = [Beat(i * period, i // 4 + 1, i % 4 + 1) for i in range(1500)]
    a = Analysis(1500 * period, beats=tuple(beats))
    data = write_midi(a)
    tempos = [m for _, m in meta_events(data, ("set_tempo",))]
    assert 1 < len(tempos) < 20
    pm = pretty_midi.PrettyMIDI(io.BytesIO(data))
    got = pm.get_beats()[:len(beats)]
    assert np.max(np.abs(got - [b.time for b in beats])) < MS
    steady = Analysis(60.0, beats=tuple(Beat(i * 0.5, i // 4 + 1, i % 4 + 1) for i in range(120)))
    assert len(meta_events(write_midi(steady), ("set_tempo",))) == 1


def test_slow_tempo_raises_ppq_so_marks_stay_within_one_ms():
    beats = [Beat(i * 2.9, i + 1, 1) for i in range(8)]  # ~20.7 BPM
    cues = [Cue(3.0 + k * 1.337, "hit", f"H{k}") for k in range(10)]
    data = write_midi(Analysis(25.0, beats=tuple(beats), cues=tuple(cues)))
    pm = pretty_midi.PrettyMIDI(io.BytesIO(data))
    times = [pm.tick_to_time(t) for t, _ in meta_events(data, ("cue_marker",))]
    assert np.max(np.abs(np.array(times) - [c.time for c in cues])) < MS


@pytest.mark.parametrize(("fps", "tc", "code", "fields"), [
    ("24", "01:00:00:00", 24, (1, 0, 0, 0, 0)),
    ("25", "10:00:59:24", 25, (10, 0, 59, 24, 0)),
    ("29.97df", "00:10:00;00", 29.97, (0, 10, 0, 0, 0)),
    ("30", "23:00:59:29", 30, (23, 0, 59, 29, 0)),
    ("50", "01:00:00:49", 25, (1, 0, 0, 24, 50)),
])
def test_smpte_offset_states_the_start_timecode(fps, tc, code, fields):
    warnings = []
    data = write_midi(rubato_analysis(), fps, tc, warn=warnings.append)
    (tick, msg), = meta_events(data, ("smpte_offset",))
    assert tick == 0
    assert msg.frame_rate == code
    assert (msg.hours, msg.minutes, msg.seconds, msg.frames, msg.sub_frames) == fields
    assert bool(warnings) == (fps == "50")
    assert midi.smpte_start(io.BytesIO(data)) == (tc if fps != "50" else "01:00:00:24")


def test_rates_midi_cannot_state_are_warned_about():
    warnings = []
    data = write_midi(rubato_analysis(), "23.976", "01:00:00:00", warn=warnings.append)
    (_, msg), = meta_events(data, ("smpte_offset",))
    assert msg.frame_rate == 24 and msg.hours == 1
    assert len(warnings) == 1 and "23.976" in warnings[0] and "24 fps code" in warnings[0]
    warnings.clear()
    data = write_midi(rubato_analysis(), "12", "00:00:10:00", warn=warnings.append)
    assert meta_events(data, ("smpte_offset",)) == []
    assert len(warnings) == 1 and "12" in warnings[0]
    warnings.clear()
    write_midi(rubato_analysis(), "23.976", None, warn=warnings.append)
    assert warnings == []  # no start timecode asked for: nothing to warn about


def test_round_trip_keeps_beats_bars_cues_and_onsets(rubato):
    a, data = rubato
    back = midi.read(io.BytesIO(data))
    assert len(back.beats) == len(a.beats)
    assert max(abs(x.time - y.time) for x, y in zip(back.beats, a.beats, strict=True)) < MS
    assert [(b.bar, b.beat) for b in back.beats] == [(b.bar, b.beat) for b in a.beats]
    assert max(abs(x.strength - y.strength) for x, y in zip(back.beats, a.beats, strict=True)) < 0.01  # velocity
    # a kind comes back from its label (CRASH -> crash); a custom label comes back as a hit or section
    want = [(_marks.kind_of_label(c.text, "hit" if c.kind in _marks.SFX_KINDS else "section"), c.text) for c in a.cues]
    assert [(c.kind, c.text) for c in back.cues] == want
    assert {"crash", "impact", "stop", "restart", "section", "glass"} == {c.kind for c in back.cues}
    assert max(abs(x.time - y.time) for x, y in zip(back.cues, a.cues, strict=True)) < MS
    assert len(back.onsets) == len(a.onsets)
    assert abs(back.duration - a.duration) < MS


def test_pickup_bar_round_trips():
    beats = [Beat(0.0, 1, 3), Beat(0.5, 1, 4)] + [Beat(1.0 + i * 0.5, 2 + i // 4, i % 4 + 1) for i in range(12)]
    a = Analysis(8.0, beats=tuple(beats))
    back = midi.read(io.BytesIO(write_midi(a)))
    assert [(b.bar, b.beat) for b in back.beats] == [(b.bar, b.beat) for b in beats]
    pm = pretty_midi.PrettyMIDI(io.BytesIO(write_midi(a)))
    assert np.allclose(pm.get_downbeats()[:3], [0.0, 1.0, 3.0], atol=MS)


def foreign_file() -> bytes:
    """A file as a DAW might write it: PPQ 480, tempo and meter changes, a marker, a cue point."""
    mid = mido.MidiFile(type=1, ticks_per_beat=480)
    conductor = mido.MidiTrack([
        mido.MetaMessage("set_tempo", tempo=500_000, time=0),  # 120 BPM
        mido.MetaMessage("time_signature", numerator=4, denominator=4, time=0),
        mido.MetaMessage("marker", text="Main title", time=480 * 4),  # bar 2
        mido.MetaMessage("set_tempo", tempo=666_667, time=480 * 4),  # 90 BPM at bar 3
        mido.MetaMessage("time_signature", numerator=3, denominator=4, time=0),
        mido.MetaMessage("cue_marker", text="Door slam", time=480 * 3 + 240),  # bar 4 beat 1 and a half
        mido.MetaMessage("end_of_track", time=480 * 6 - 240),
    ])
    notes = mido.MidiTrack([mido.Message("note_on", note=60, velocity=100, time=0),
                            mido.Message("note_off", note=60, velocity=0, time=480)])
    mid.tracks += [conductor, notes]
    buf = io.BytesIO()
    mid.save(file=buf)
    return buf.getvalue()


def test_foreign_file_imports_to_the_frames_its_tempo_map_implies():
    a = midi.read(io.BytesIO(foreign_file()))
    sheet = ExposureSheet(a, "24")
    # bars 1-2: 8 beats at 0.5 s (12 frames); from bar 3 (4.0 s, frame 96): 3/4 at 0.666667 s (16 frames)
    frames = [sheet.frame_of(b.time) for b in a.beats]
    assert frames[:8] == [12 * k for k in range(8)]
    assert frames[8:14] == [96 + 16 * k for k in range(6)]
    assert [(b.bar, b.beat) for b in a.beats[:12]] == [(1, 1), (1, 2), (1, 3), (1, 4), (2, 1), (2, 2), (2, 3),
                                                      (2, 4), (3, 1), (3, 2), (3, 3), (4, 1)]
    main, door = a.cues
    assert (main.kind, main.label, sheet.frame_of(main.time)) == ("section", "Main title", 48)
    assert door.kind == "hit" and door.label == "Door slam"
    assert abs(door.time - (4.0 + 3.5 * 0.666667)) < 1e-6
    assert a.onsets and a.onsets[0].time == 0.0
    assert abs(a.duration - (4.0 + 9 * 0.666667)) < 1e-6  # end of track 9 beats after bar 3


def test_pretty_midi_file_imports():
    pm = pretty_midi.PrettyMIDI(initial_tempo=100.0)
    inst = pretty_midi.Instrument(0)
    inst.notes.append(pretty_midi.Note(velocity=90, pitch=60, start=0.0, end=6.0))
    pm.instruments.append(inst)
    buf = io.BytesIO()
    pm.write(buf)
    a = midi.read(io.BytesIO(buf.getvalue()))
    assert len(a.beats) >= 10
    assert np.allclose(np.diff([b.time for b in a.beats]), 0.6, atol=1e-6)


def _smf(tracks: list[bytes], ppq: int = 480, fmt: int = 1) -> bytes:
    head = b"MThd" + struct.pack(">IHHH", 6, fmt, len(tracks), ppq)
    return head + b"".join(b"MTrk" + struct.pack(">I", len(t)) + t for t in tracks)


@pytest.mark.parametrize(("data", "words"), [
    (b"", "empty"),
    (b"RIFF\x00\x00\x00\x00WAVEfmt ", "MThd"),
    (_smf([b"\x00\xff\x51\x03\x00\x00\x00\x00\xff\x2f\x00"]), "tempo of 0"),
    (_smf([b"\x00\xff\x2f\x00"], ppq=0xE728), "SMPTE time division"),
    (_smf([b"\x00\xff\x2f\x00"], ppq=0), "SMPTE time division"),
    # 268 M ticks at PPQ 1 and 1 µs a quarter: 268 s, but 268 M beats
    (_smf([b"\x00\xff\x51\x03\x00\x00\x01\xff\xff\xff\x7f\xff\x2f\x00"], ppq=1), "beats"),
    (_smf([b"\x00\xff\x51\x03\xff\xff\xff\x8f\xff\xff\x7f\xff\x2f\x00"], ppq=1), "24 h"),
    (_smf([b"\x00\xff\x2f\x00"])[:-2], "truncated"),
    (_smf([b"\x00\xff\x59\x02\x07\xa1\x00\xff\x2f\x00"]), "malformed"),  # key signature mode 161
    (_smf([b"\x00\xff\x58\x04\x04\x11\x18\x08\x00\xff\x2f\x00"]), "denominator up to 64"),  # 4/131072
])
def test_malformed_files_give_one_line_errors(data, words):
    with pytest.raises(FormatError) as err:
        midi.read(io.BytesIO(data))
    assert words in str(err.value)
    assert "\n" not in str(err.value)


def test_truncated_and_random_files_never_escape_as_other_errors():
    good = write_midi(rubato_analysis())
    rng = np.random.default_rng(3)
    cuts = sorted(set(rng.integers(1, len(good) - 1, 40).tolist()) | {4, 13, 14, 22})
    samples = [good[:n] for n in cuts]
    samples += [b"MThd" + rng.bytes(int(n)) for n in rng.integers(10, 400, 40)]
    samples += [good[:14] + rng.bytes(200) for _ in range(20)]
    for data in samples:
        try:
            midi.read(io.BytesIO(data))
        except FormatError as exc:
            assert "\n" not in str(exc)


def test_random_beat_sequences_stay_within_one_ms():
    # tempo jumps, ramps, very slow and fast beats, late starts: the grid holds every beat
    rng = np.random.default_rng(21)
    for _ in range(12):
        n = int(rng.integers(2, 200))
        periods = np.exp(rng.uniform(np.log(0.15), np.log(3.0), n - 1))
        if rng.random() < 0.5:
            periods = np.sort(periods)  # a long ramp
        times = float(rng.uniform(0, 5)) + np.concatenate([[0], np.cumsum(periods)])
        per_bar = int(rng.integers(1, 8))
        beats = tuple(Beat(float(t), i // per_bar + 1, i % per_bar + 1) for i, t in enumerate(times))
        data = write_midi(Analysis(float(times[-1]) + 0.5, beats=beats), notes=False)
        pm = pretty_midi.PrettyMIDI(io.BytesIO(data))
        grid = midi.build_grid(beats)
        ppq = mido.MidiFile(file=io.BytesIO(data)).ticks_per_beat
        # without notes pretty_midi's get_beats stops at the last tempo event: convert beat ticks instead
        got = np.array([pm.tick_to_time(grid.beat_tick(k)) for k in range(n)])
        assert grid.ppq == ppq
        assert np.max(np.abs(got - times)) < MS
        assert len(mido.MidiFile(file=io.BytesIO(data)).tracks) == 1  # notes=False: conductor only
        back = midi.read(io.BytesIO(data))
        assert [(b.bar, b.beat) for b in back.beats] == [(b.bar, b.beat) for b in beats]


@pytest.mark.parametrize("t0", [0.0003, 0.012, 0.05, 0.2, 0.27, 0.7, 0.906, 9.3])
def test_preroll_keeps_a_tempo_a_daw_accepts(t0):
    # a first beat a few ms in must not need a 100,000 BPM pre-roll (Cubase's tempo track stops at 300)
    beats = tuple(Beat(t0 + 0.5 * i, i // 4 + 1, i % 4 + 1) for i in range(16))
    data = write_midi(Analysis(t0 + 8.5, beats=beats))
    grid = midi.build_grid(beats)
    tempos = [m.tempo for _, m in meta_events(data, ("set_tempo",))]
    if t0 >= 0.5 / 16:  # at least a 64th note of the music: the pre-roll tempo stays near the music's
        assert grid.preroll >= 1
        assert 500_000 / 1.5 <= tempos[0] <= 500_000 * 1.5
        # in whole beats when the gap is half a beat or more, else a single short note
        assert grid.preroll_unit == 4 if t0 >= 0.5 * 2 / 3 else grid.preroll == 1
    elif t0 > midi.TOLERANCE:  # shorter: as near as 1/64 notes allow
        assert grid.preroll == 1 and grid.preroll_unit == 64
    else:  # within the tolerance of the start: no pre-roll at all
        assert grid.preroll == 0 and len(tempos) == 1
    pm = pretty_midi.PrettyMIDI(io.BytesIO(data))
    got = pm.get_beats()[grid.preroll:grid.preroll + len(beats)]  # a pre-roll of m/16 counts m beats
    assert np.max(np.abs(got - [b.time for b in beats])) < MS
    pre_bars = sum(pos < grid.offset for pos, _, _ in grid.bars)
    assert np.max(np.abs(pm.get_downbeats()[pre_bars:][:4] - [b.time for b in beats[::4]])) < MS
    back = midi.read(io.BytesIO(data))
    assert [(b.bar, b.beat) for b in back.beats] == [(b.bar, b.beat) for b in beats]
    assert max(abs(x.time - y.time) for x, y in zip(back.beats, beats, strict=True)) < MS
