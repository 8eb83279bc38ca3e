"""Playback clock: interpolation between the player's sparse position reports, without a device."""

import pytest
from syncsheet_ui.transport import Transport

from syncsheet import timebase as tb


@pytest.fixture
def transport(qtbot, clock):
    t = Transport(clock=clock, audio=False)
    t.load(None, 10.0, 48000)
    return t


def test_stopped_position_is_exact(transport, clock):
    transport.seek(tb.frame_start(7, tb.parse_rate("23.976")))
    clock.ms += 5000
    assert transport.position() == tb.frame_start(7, tb.parse_rate("23.976"))


def test_runs_on_the_clock_and_stops_at_the_end(transport, clock, qtbot):
    seen = []
    transport.positionChanged.connect(seen.append)
    transport.seek(9.9)
    transport.play()
    clock.ms += 50
    transport._on_tick()
    assert seen[-1] == pytest.approx(9.95) and transport.playing
    clock.ms += 100
    transport._on_tick()
    assert seen[-1] == pytest.approx(10.0) and not transport.playing
    transport.play()  # from the end: starts again at the top
    assert transport.position() == 0.0


def test_reports_only_count_while_playing(transport, clock):
    transport.seek(2.0)
    transport._on_player_position(8000)  # a stale report after a pause must not move the playhead
    assert transport.position() == 2.0


def test_silent_reason_is_given(transport):
    notes = []
    transport.note.connect(notes.append)
    transport.load("/tmp/whatever.wav", 1.0, 48000)
    assert notes and "no audio output" in notes[0]
    assert not transport.scrub(0, tb.parse_rate("24"))


def test_snap_to_frame_is_exact_at_ntsc_rates():
    from syncsheet_ui.timeline import snap_to_frame

    for rate in ("23.976", "24", "29.97df", "25"):
        fps = tb.parse_rate(rate)
        for frame in (0, 1, 1000, 86_399, 172_799):
            start = tb.frame_start(frame, fps)
            width = 1 / fps.fps
            for offset in (0.0, 0.49 * width, -0.49 * width):
                if start + offset < 0:
                    continue
                snapped = snap_to_frame(start + offset, fps)
                assert snapped == start and tb.frame_of(snapped, fps) == frame
