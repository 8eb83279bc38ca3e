"""End-to-end analysis on synthetic music with known answers."""

import math
from dataclasses import replace

import numpy as np
import pytest
from analysis_synth import add, beat_times, dialogue, drum_loop, impact, music, pad, staccato_phrases
from scipy import signal

from syncsheet.analysis import AnalysisSettings, analyze, analyze_samples
from syncsheet.errors import Cancelled

FRAME = 1 / 24
SR = 22050


def _matched(est: np.ndarray, ref: np.ndarray, tol: float) -> np.ndarray:
    """For each reference time, the error of the nearest estimate (nan if none within tol)."""
    out = np.full(len(ref), np.nan)
    if not len(est):
        return out
    for i, r in enumerate(ref):
        j = int(np.argmin(np.abs(est - r)))
        if abs(est[j] - r) <= tol:
            out[i] = est[j] - r
    return out


def _beats(a):
    return np.array([b.time for b in a.beats])


@pytest.fixture(scope="module")
def steady():
    ref = beat_times(120, 16.0)
    return ref, music(ref, 16.0, SR)


def test_steady_beats_land_within_half_a_frame(steady):
    ref, y = steady
    a = analyze_samples(y, SR)
    err = _matched(_beats(a), ref[ref > 2.0], 0.07)
    assert np.mean(~np.isnan(err)) > 0.95
    assert np.nanmax(np.abs(err)) < FRAME / 2
    seg = a.tempo.at(8.0)
    assert seg is not None and seg.bpm == pytest.approx(120, rel=0.03)


@pytest.mark.parametrize(
    "bpm",
    [
        lambda t: 100.0 if t < 8 else 130.0,  # a step
        lambda t: 95.0 + 3.0 * t,  # a ramp, 95 -> 143 BPM
    ],
    ids=["step", "ramp"],
)
def test_tempo_changes_are_followed(bpm):
    ref = beat_times(bpm, 16.0)
    a = analyze_samples(music(ref, 16.0, SR), SR)
    err = _matched(_beats(a), ref[ref > 2.0], 0.07)
    assert np.mean(~np.isnan(err)) > 0.9
    assert np.nanmedian(np.abs(err)) < FRAME / 2
    early, late = a.tempo.at(4.0).bpm, a.tempo.at(14.0).bpm
    assert early == pytest.approx(60 / np.median(np.diff(ref[(ref > 3) & (ref < 5)])), rel=0.06)
    assert late == pytest.approx(60 / np.median(np.diff(ref[(ref > 13) & (ref < 15)])), rel=0.06)


@pytest.mark.parametrize("per_bar", [3, 4])
def test_meter_and_downbeats(per_bar):
    ref = beat_times(110, 20.0)
    a = analyze_samples(music(ref, 20.0, SR, per_bar=per_bar), SR)
    assert a.tempo.at(10.0).beats_per_bar == per_bar
    assert max(b.beat for b in a.beats) == per_bar
    down = np.array([b.time for b in a.downbeats])
    err = _matched(down, ref[::per_bar][2:], 0.07)
    assert np.mean(~np.isnan(err)) > 0.9


def test_a_bar_start_moves_the_bars_and_one_without_a_beat_is_reported(steady):
    ref, y = steady
    plain = analyze_samples(y, SR)
    first = np.array([b.time for b in plain.downbeats])
    one_on = plain.beats[int(np.argmin(np.abs([b.time - (first[2] + 0.5) for b in plain.beats])))].time
    moved = analyze_samples(y, SR, AnalysisSettings(bar_starts=(one_on + 0.1, 60.0)))
    down = np.array([b.time for b in moved.downbeats])
    assert np.min(np.abs(down - one_on)) < 1e-6  # the beat nearest the time starts a bar
    assert np.allclose(np.diff(down), np.median(np.diff(first)), atol=0.05)  # bars keep their length
    assert np.isnan(_matched(down[1:-1], first, 0.1)).all()  # none left where the analysis had them
    assert [b.time for b in moved.beats] == [b.time for b in plain.beats]  # the beats themselves stay
    assert any("60.00 s" in w for w in moved.warnings)


def test_forced_meter_is_honoured(steady):
    _, y = steady
    a = analyze_samples(y, SR, AnalysisSettings(beats_per_bar=3))
    assert max(b.beat for b in a.beats) == 3


def test_impact_over_a_repeating_loop_is_a_cue():
    ref = beat_times(120, 20.0)
    y = music(ref, 20.0, SR).astype(np.float64)
    hit = 11.13
    add(y, hit, impact(SR), SR, 0.5)
    a = analyze_samples(y.astype(np.float32), SR)
    fx = [c for c in a.cues if c.kind not in ("stop", "restart")]
    assert any(abs(c.time - hit) <= FRAME for c in fx)
    assert len(fx) <= 2  # the loop itself is predicted by its own repetition
    assert all(0 <= c.strength <= 1 and c.label for c in fx)


@pytest.mark.parametrize("bpm", [90, 140])
def test_a_programmed_drum_loop_has_no_effect_cues_and_an_effect_over_it_is_one(bpm):
    # every bar of a drum machine's loop is the same to the sample, but where a beat is not a whole
    # number of the 10 ms rows the bar references met its attacks at another phase of the rows and
    # found them new: 15 HITs in 30 s at 90 BPM, 12 at 140 (kick and snare alternate, so the loop
    # was also read as a click track in bars of 3 at 90 BPM, which hid its cues)
    y, times = drum_loop(bpm, 30.0, SR)
    a = analyze_samples(y.astype(np.float32), SR)
    assert not np.isnan(_matched(_beats(a), times, 0.02)).any()
    assert [c.label for c in a.cues] == ["START"]
    hit = times[20] + 0.1  # an effect on the loop is still one
    add(y, hit, impact(SR), SR, 0.3)
    fx = [c for c in analyze_samples(y.astype(np.float32), SR).cues if c.label != "START"]
    assert len(fx) == 1 and abs(fx[0].time - hit) <= FRAME


def test_a_stop_and_restart_are_cues():
    ref = beat_times(120, 20.0)
    y = music(ref, 20.0, SR)
    s0, s1 = 9.9, 11.2
    y[int(s0 * SR) : int(s1 * SR)] = 0.0
    a = analyze_samples(y, SR)
    stops = [c for c in a.cues if c.kind == "stop"]
    restarts = [c for c in a.cues if c.kind == "restart" and c.label != "START"]  # the music enters at 0.25 s
    assert len(stops) == 1 and len(restarts) == 1
    assert abs(stops[0].time - s0) < 0.06 and abs(stops[0].end - s1) < 0.06
    assert abs(restarts[0].time - s1) < 0.06
    assert not any(s0 + 0.1 < b.time < s1 - 0.1 for b in a.beats)
    assert all(type(c.time) is float and (c.end is None or type(c.end) is float) for c in a.cues)


@pytest.mark.parametrize("at", [0.3, 0.6])
def test_an_effect_while_the_music_waits_is_an_effect_cue_in_one_stop(at):
    """The gag: the music stops, a boing sounds in the silence, the music comes back. The boing was a
    RESTART and a second STOP followed it: the music had not restarted."""
    ref = beat_times(120, 20.0)
    y = music(ref, 20.0, SR).astype(np.float64)
    s0, s1 = 9.75, 11.25
    y[int(s0 * SR) : int(s1 * SR)] = 0.0
    add(y, s0 + at, impact(SR)[: int(0.3 * SR)] * np.linspace(1.0, 0.0, int(0.3 * SR)), SR, 0.4)
    a = analyze_samples(y.astype(np.float32), SR)
    stops = [c for c in a.cues if c.kind == "stop"]
    restarts = [c for c in a.cues if c.kind == "restart" and c.label != "START"]
    assert len(stops) == 1 and abs(stops[0].time - s0) < 0.06 and abs(stops[0].end - s1) < 0.06
    assert len(restarts) == 1 and abs(restarts[0].time - s1) < 0.06
    # (the loop's bars that compare with the stop's have detector cues of their own, as without the boing)
    fx = [c for c in a.cues if c.kind not in ("stop", "restart") and s0 - 0.1 < c.time < s1 + 0.1]
    assert len(fx) == 1 and abs(fx[0].time - (s0 + at)) <= FRAME


@pytest.mark.parametrize(("bpm", "shape"), [(90, "gain"), (120, "db"), (150, "gain")])
def test_a_fade_out_is_no_stop(bpm, shape):
    # a 4 s fade to silence at the end of a cue: between its notes the level met the quiet line while
    # they still sounded, and the tail had a STOP and a RESTART
    y = music(beat_times(bpm, 30.0), 30.0, SR)
    x = np.linspace(0.0, 1.0, 4 * SR)
    y[-4 * SR :] *= ((1 - x) ** 2 if shape == "gain" else 10 ** (-3 * x)).astype(np.float32)
    a = analyze_samples(np.r_[y, np.zeros(2 * SR, np.float32)], SR)
    assert [c.label for c in a.cues if c.kind in ("stop", "restart")] == ["START"]
    assert sum(b.time > 26.0 for b in a.beats) >= 4



def test_a_dip_in_a_fade_in_is_no_stop():
    # a fade-in meets the quiet line between its first notes: the dev and holdout mixes faded in over
    # 3-5 s had a STOP and a RESTART in their first seconds (1-3 of 22 for each fade tried). Here a
    # note every 0.25 s falling 80 dB a second, faded in over 3 s (the gain rising as its square)
    from syncsheet.analysis import levels
    from syncsheet.analysis.features import FPS

    t = np.arange(30 * FPS) / FPS
    peak = -20.0 + 40.0 * np.log10(np.clip(t / 3.0, 1e-3, 1.0))
    db = np.maximum(peak - 80.0 * (t % 0.25), -90.0) + np.random.default_rng(1).normal(0, 0.5, len(t))
    assert levels.find_stops(db) == []
    held = db.copy()
    held[int(10.3 * FPS) : int(10.8 * FPS)] = -120.0  # the music holding its level stops for real
    assert len(levels.find_stops(held)) == 1


def test_a_stop_in_a_crescendo_from_the_start_is_still_a_stop_where_the_music_holds():
    # music that starts softly, stops for a second and comes back as loud as it left is no fade-in
    ref = beat_times(120, 24.0)
    y = music(ref, 24.0, SR)
    y[: 3 * SR] *= np.float32(10 ** -0.6)
    y[3 * SR : 4 * SR] = 0.0
    y[4 * SR :] *= np.float32(10 ** -0.6)
    a = analyze_samples(y, SR)
    assert [round(c.time) for c in a.cues if c.kind == "stop"] == [3]

def test_a_diminuendo_to_a_general_pause_is_still_a_stop():
    # the music falls 12 dB over 4 s, stops for a second and comes back softer, and holds there
    ref = beat_times(120, 24.0)
    y = music(ref, 24.0, SR)
    y[int(8 * SR) : int(12 * SR)] *= (10 ** (-0.6 * np.linspace(0.0, 1.0, 4 * SR))).astype(np.float32)
    y[int(12 * SR) : int(13 * SR)] = 0.0
    y[int(13 * SR) :] *= np.float32(10 ** -0.75)
    a = analyze_samples(y, SR)
    stops = [c for c in a.cues if c.kind == "stop"]
    restarts = [c for c in a.cues if c.kind == "restart" and c.label != "START"]
    assert len(stops) == 1 and abs(stops[0].time - 12.0) < 0.06
    assert len(restarts) == 1 and abs(restarts[0].time - 13.0) < 0.06


def _effects_track(times: list[float], seconds: float, room_db: float | None) -> np.ndarray:
    """A sound designer's effects stem: impacts, glass pings and noise bursts alone at *times*, in
    digital silence or over a room tone *room_db* dBFS."""
    rng = np.random.default_rng(8)
    y = np.zeros(int(seconds * SR))
    t = np.arange(int(0.8 * SR)) / SR
    for k, at in enumerate(times):
        if k % 3 == 0:
            x = impact(SR, seed=k)
        elif k % 3 == 1:
            x = sum(np.sin(2 * np.pi * f * t) for f in (2630.0, 4410.0, 6170.0)) * np.exp(-t / 0.15)
        else:
            x = rng.standard_normal(len(t)) * np.exp(-t / 0.08)
        add(y, at, 0.4 * x / np.abs(x).max(), SR)
    if room_db is not None:
        y += rng.standard_normal(len(y)) * 10 ** (room_db / 20)
    return y.astype(np.float32)


@pytest.mark.parametrize("room_db", [None, -70.0])
def test_an_effects_track_gives_an_effect_cue_per_sound_and_no_beats(room_db):
    # separate sounds with silence between them: each was a RESTART with a STOP where it died away
    # (the silences music stops), the first a START, none with its kind, and the beats a grid over them
    times = [1.0, 3.7, 5.05, 8.9, 12.4, 13.45, 17.0, 19.3]  # two follow 0.25 s after a sound's tail
    a = analyze_samples(_effects_track(times, 22.0, room_db), SR)
    got = np.array([c.time for c in a.cues])
    assert len(got) == len(times) and np.abs(got - times).max() <= FRAME
    assert {c.kind for c in a.cues} <= {"impact", "crash", "glass", "hit", "whoosh"}
    assert not a.beats and any("separate sounds" in w for w in a.warnings)


def _lines(y: np.ndarray, pause: float = 0.3) -> list[tuple[float, float]]:
    """The lines of a synthetic dialogue track (s): its sound between pauses of digital silence."""
    on = np.flatnonzero(y != 0.0)
    cut = np.flatnonzero(np.diff(on) > pause * SR)
    return list(zip(on[np.r_[0, cut + 1]] / SR, on[np.r_[cut, len(on) - 1]] / SR, strict=True))


def _assert_marks_lines(a, lines: list[tuple[float, float]]) -> None:
    assert [c.kind for c in a.cues] == ["marker"] * len(lines)
    assert [c.label for c in a.cues] == [f"LINE {k + 1}" for k in range(len(lines))]
    assert np.abs(np.array([c.time for c in a.cues]) - [t for t, _ in lines]).max() <= FRAME
    # each held to the end of its last syllable
    assert np.abs(np.array([c.end for c in a.cues]) - [e for _, e in lines]).max() <= FRAME


def _dialogue_marked(y: np.ndarray, room_db: float | None):
    """The analysis of dialogue *y*, over a room tone at *room_db* dBFS if given: no beats, and its
    lines marked."""
    lines = _lines(y)
    if room_db is not None:
        y = y + (np.random.default_rng(2).standard_normal(len(y)) * 10 ** (room_db / 20)).astype(np.float32)
    a = analyze_samples(y, SR)
    assert not a.beats
    _assert_marks_lines(a, lines)
    return a


@pytest.mark.parametrize("room_db", [None, -45.0])
def test_a_dialogue_track_has_no_beats_and_its_lines_marked(room_db):
    # lines of speech with pauses between them were separate sounds, each an effect cue (CRASH, IMPACT);
    # over a room tone 30 dB under the lines, the pauses were no silence and the lines music with beats
    a = _dialogue_marked(dialogue(SR, [7, 3, 12, 5, 9, 4, 15, 6, 11]), room_db)
    assert any("speech" in w for w in a.warnings) and not any("separate sounds" in w for w in a.warnings)
    assert len(a.onsets) > 40  # the syllables' attacks stay accents for the sheet
    assert a.levels.db.max() > -30.0


@pytest.mark.parametrize("room_db", [None, -45.0])
def test_one_line_of_dialogue_has_no_beats_and_is_marked(room_db):
    # one line alone, an animator's clip for one shot, is fewer sounds than an effects track: it was
    # music, with 3-6 beats, a START and now and then a HIT, a STOP and a RESTART
    a = _dialogue_marked(dialogue(SR, [12]), room_db)
    assert any("a line of speech" in w for w in a.warnings)
    assert len(a.onsets) > 6


@pytest.mark.parametrize("word", [1, 2])
def test_an_effect_between_the_lines_is_an_effect_and_a_word_a_line(word):
    # a door slam between two lines of a scratch track was a LINE of its own; a word of one or two
    # syllables is no utterance of speech either, but it is voiced where an impact is noise
    d = dialogue(SR, [7, word, 12, 5], pause=(1.6, 2.0))
    lines = _lines(d)
    gap_start, gap_end = lines[2][1], lines[3][0]  # the pause before the last line
    at = gap_start + 0.4 * (gap_end - gap_start)  # 0.6 s of slam, 0.35 s or more from either line
    y = np.concatenate([d, np.zeros(SR, np.float32)])
    slam = impact(SR)
    slam *= 0.3 / np.abs(slam).max()
    add(y, at, slam, SR)
    a = analyze_samples(y, SR)
    assert not a.beats and any("speech" in w for w in a.warnings)
    effects = [c for c in a.cues if c.kind != "marker"]
    assert len(effects) == 1 and effects[0].kind in ("impact", "crash", "hit") and abs(effects[0].time - at) <= FRAME
    assert any("the noisy sounds between the lines are effect cues (1)" in w for w in a.warnings)
    _assert_marks_lines(replace(a, cues=tuple(c for c in a.cues if c.kind == "marker")), lines)


def test_a_dialogue_scene_in_a_reel_with_music_is_dialogue_there():
    # a music cue, 3 s of silence, then a dialogue scene: the lines had 10-20 beats over them and a
    # stop, a restart and a HIT between every few; the music keeps its beats and its stop
    ref = beat_times(120, 16.0)
    d = dialogue(SR, [7, 3, 12, 5, 9])
    y = np.concatenate([music(ref, 16.0, SR), np.zeros(3 * SR, np.float32), d])
    a = analyze_samples(y, SR)
    scene = 19.0
    lines = [(s + scene, e + scene) for s, e in _lines(d)]
    assert not any(b.time > scene for b in a.beats) and sum(b.time < 16.0 for b in a.beats) >= 28
    _assert_marks_lines(replace(a, cues=tuple(c for c in a.cues if c.time > scene - 0.2)), lines)
    assert [c.label for c in a.cues if 15.0 < c.time < scene - 0.2] == ["STOP"]
    assert any("is speech with pauses and no music" in w for w in a.warnings)
    # two scenes and no music: the whole file's verdict, once
    d2 = dialogue(SR, [6, 9, 4, 11], seed=5)
    a = analyze_samples(np.concatenate([d, np.zeros(3 * SR, np.float32), d2]), SR)
    assert not a.beats and len(a.warnings) == 1 and "a dialogue track" in a.warnings[0]
    assert [c.label for c in a.cues] == [f"LINE {k + 1}" for k in range(len(_lines(d)) + len(_lines(d2)))]


@pytest.mark.parametrize("lines", [[3, 40, 5], [7, 3, 40, 5, 9]])
def test_a_long_line_without_a_pause_is_dialogue_and_marked(lines):
    # a line said for longer than an effect lasts (6.5 s) with no pause: the track was music, with
    # beats, stops and restarts
    y = dialogue(SR, lines)
    assert max(e - s for s, e in _lines(y)) > 6.5
    a = _dialogue_marked(y, None)
    assert any("speech" in w for w in a.warnings)


@pytest.mark.parametrize("lines", [[12], [7, 3, 12, 5, 9]])
def test_a_sync_pop_before_the_dialogue_is_a_pop_not_a_line(lines):
    # the 2-pop two seconds before the first frame of action was the first LINE
    d = dialogue(SR, lines)
    pop_at, ffoa, n = 0.5, 2.5, int(SR / 24)
    y = np.zeros(int(ffoa * SR) + len(d), np.float32)
    y[int(pop_at * SR) : int(pop_at * SR) + n] = 0.3 * np.sin(2 * np.pi * 1000 * np.arange(n) / SR)
    y[int(ffoa * SR) :] = d
    a = analyze_samples(y, SR)
    assert not a.beats and a.cues[0].label == "POP" and abs(a.cues[0].time - pop_at) <= FRAME
    _assert_marks_lines(replace(a, cues=a.cues[1:]), [(s + ffoa, e + ffoa) for s, e in _lines(d)])


@pytest.mark.parametrize("bpm", [90, 150])
def test_staccato_phrases_with_rests_are_music_not_separate_sounds(bpm):
    # each phrase between the rests was a sound, and their starts at chance multiples of an eighth no
    # rhythm: an effects track with a cue per phrase and no beats (and, as syllables, dialogue)
    a = analyze_samples(staccato_phrases(bpm, 30.0, SR), SR)
    assert len(a.beats) > 30
    assert not any("separate sounds" in w or "speech" in w for w in a.warnings)


@pytest.mark.parametrize("bpm", [90, 150])
def test_a_short_sting_of_staccato_phrases_is_music(bpm):
    # 5 s hold too few notes for the grid test's 30 s window: an effects track (90 BPM) or dialogue (150)
    a = analyze_samples(staccato_phrases(bpm, 5.0, SR), SR)
    assert len(a.beats) >= 4
    assert not any("separate sounds" in w or "speech" in w for w in a.warnings)


def test_music_that_stops_now_and_then_is_still_music():
    ref = beat_times(120, 30.0)
    y = music(ref, 30.0, SR)
    for s0, s1 in ((7.9, 9.2), (15.9, 17.1), (23.9, 25.0)):
        y[int(s0 * SR) : int(s1 * SR)] = 0.0
    a = analyze_samples(y, SR)
    assert sum(c.kind == "stop" for c in a.cues) == 3 and len(a.beats) > 40
    assert not any("separate sounds" in w for w in a.warnings)


def _in_a_room(y: np.ndarray, rt60: float, seed: int = 3) -> np.ndarray:
    """*y* played in a room: the direct sound plus as much energy again in an exponentially decaying
    noise tail (60 dB down after *rt60* seconds), from 10 ms on."""
    n = int(1.2 * rt60 * SR)
    t = np.arange(n) / SR
    h = np.random.default_rng(seed).standard_normal(n) * np.exp(-6.91 * t / rt60)
    h[: int(0.01 * SR)] = 0.0
    h *= 1.0 / np.sqrt(np.sum(h**2))
    h[0] = 1.0
    return signal.fftconvolve(y, h)[: len(y)]


@pytest.mark.parametrize("s0", [9.8, 10.05])
@pytest.mark.parametrize(("rt60", "frames"), [(0.6, 1), (1.2, 3)])
def test_a_stop_in_a_room_starts_where_the_players_stop(rt60, frames, s0):
    """The room rings on after a held chord is cut: the level falls in a straight line, reaching
    near silence RT60 / 2 later, where the stop was reported (0.24 s late at RT60 0.6 s, 0.55 s at
    1.2 s). It now starts within a frame of the cut in a small room, within three in a hall."""
    ref = beat_times(120, 20.0)
    y = music(ref, 20.0, SR).astype(np.float64)
    for hz in (220.0, 277.2, 329.6):
        add(y, 0.25, pad(SR, hz, 19.6, 0.08), SR)
    s1 = s0 + 1.0
    y[int(s0 * SR) : int(s1 * SR)] = 0.0
    a = analyze_samples(_in_a_room(y, rt60).astype(np.float32), SR)
    stops = [c for c in a.cues if c.kind == "stop"]
    restarts = [c for c in a.cues if c.kind == "restart" and c.label != "START"]
    assert len(stops) == 1 and len(restarts) == 1
    assert abs(stops[0].time - s0) <= frames * FRAME and abs(restarts[0].time - s1) <= FRAME
    assert not any(s0 + 0.15 < b.time < s1 - 0.1 for b in a.beats)


def test_a_room_tail_is_timed_from_where_its_fall_begins_and_a_slow_decay_is_not_one():
    from syncsheet.analysis import levels
    from syncsheet.analysis.features import FPS

    rng = np.random.default_rng(7)
    music_db = -20.0 + rng.normal(0, 2, 10 * FPS)
    cut = 5 * FPS
    # a room's tail (50 dB/s: RT60 1.2 s) from 3 dB under the music, for 0.8 s, then the music again
    tail = -23.0 - 50.0 * np.arange(int(0.8 * FPS)) / FPS + rng.normal(0, 1, int(0.8 * FPS))
    db = np.concatenate([music_db[:cut], tail, music_db[cut:]])
    (stop,) = levels.find_stops(db)
    assert abs(stop[0] - cut / FPS) <= FRAME and stop[1] == pytest.approx(cut / FPS + 0.8, abs=0.02)
    # a note dying away at 10 dB/s, then cut to silence: the stop is the cut, not the note's start
    dying = -20.0 - 10.0 * np.arange(FPS) / FPS
    db = np.concatenate([music_db[:cut], dying, np.full(FPS // 2, -120.0), music_db[cut:]])
    (stop,) = levels.find_stops(db)
    assert stop[0] == pytest.approx(cut / FPS + 1.0, abs=0.01)


def test_a_silence_after_every_kick_is_the_loops_texture_and_a_longer_one_a_stop():
    # a 250 ms kick every 400 ms (150 BPM) in digital silence leaves 45 % of the bed silent, so the
    # bed read as sound and every gap was a stop with a restart, and so was the loop's first gap
    # after music with none; a second's silence in the loop or before it is a stop still
    from syncsheet.analysis import levels
    from syncsheet.analysis.features import FPS

    rng = np.random.default_rng(6)
    hit = np.concatenate([-10.0 - 30.0 * np.arange(50) / 50, np.full(30, -120.0)])  # 250 + 150 ms
    loop = np.tile(hit, 15)  # 6 s
    db = np.concatenate([loop, np.full(FPS, -120.0), loop])
    db = np.where(db > -120.0, db + rng.normal(0, 0.5, len(db)), db)
    (stop,) = levels.find_stops(db)
    assert stop[1] == pytest.approx(len(loop) / FPS + 1.0, abs=0.02)
    music = np.full(6 * FPS, -20.0) + rng.normal(0, 1, 6 * FPS)
    assert levels.find_stops(np.concatenate([music, loop])) == []
    (stop,) = levels.find_stops(np.concatenate([music, np.full(FPS, -120.0), loop]))
    assert stop == pytest.approx((6.0, 7.0), abs=0.02)


def test_near_the_start_the_silence_after_the_first_sound_is_judged_with_what_follows():
    # a click track that starts on a click had a stop after it: that click's 45 ms were the whole
    # bed, so the silence between clicks did not read as the track's texture; a stinger at the
    # start, a real drop-out and then music still gives its stop
    from helpers import click_track

    from syncsheet.analysis import levels
    from syncsheet.analysis.features import FPS

    for bpm in (100, 120, 140):
        y, _ = click_track(bpm, 8.0)
        assert analyze_samples(y, 44100).cues == ()
    rng = np.random.default_rng(5)
    db = np.concatenate([np.full(int(0.3 * FPS), -15.0), np.full(FPS, -120.0), np.full(6 * FPS, -18.0)])
    (stop,) = levels.find_stops(db + rng.normal(0, 1, len(db)))
    assert stop[0] == pytest.approx(0.3, abs=0.03) and stop[1] == pytest.approx(1.3, abs=0.03)


@pytest.mark.parametrize("lead", [0.0, 0.05, 1.5])
def test_the_first_sound_after_a_leading_silence_is_a_start_cue(lead):
    """An effect in the silence before the music is a sync point: a piece's own cues skip its entry
    (nothing before it to stand out from), so the entry after silence is reported on its own; audio
    that starts with sound, or with a moment's quiet, has none."""
    m = music(beat_times(120, 12.0), 12.0, SR)
    m = m[int(np.argmax(np.abs(m) > 1e-3)) :]  # the music sounds from its first sample
    n = int((lead + 0.6) * SR) if lead >= 0.12 else int(lead * SR)
    y = np.zeros(n + len(m))
    if lead >= 0.12:
        add(y, lead, impact(SR), SR, 0.5)
    y[n:] = m
    a = analyze_samples(y.astype(np.float32), SR)
    starts = [c for c in a.cues if c.label == "START"]
    if lead < 0.12:
        assert not starts
    else:
        assert len(starts) == 1 and starts[0].kind == "restart" and abs(starts[0].time - lead) <= FRAME / 2


@pytest.mark.parametrize("fps", [24, 30])
def test_a_sync_pop_before_the_music_is_neither_a_beat_nor_an_effect(fps):
    """The 2-pop: one frame of 1 kHz two seconds before the first frame of action, where the music
    starts. It was in the music's piece (the silence after it is 2 s less a frame): the beat grid ran
    back through the silence to it, and the music's entry was taken for an effect."""
    m = music(beat_times(120, 12.0), 12.0, SR)
    m = m[int(np.argmax(np.abs(m) > 1e-3)) :]
    pop_at, ffoa = 1.0, 3.0
    y = np.zeros(int(ffoa * SR) + len(m))
    n = int(SR / fps)
    y[int(pop_at * SR) : int(pop_at * SR) + n] = 0.1 * np.sin(2 * np.pi * 1000 * np.arange(n) / SR)
    y[int(ffoa * SR) :] = m
    a = analyze_samples(y.astype(np.float32), SR)
    assert a.beats and min(b.time for b in a.beats) > ffoa - 0.05
    assert not [c for c in a.cues if c.kind not in ("stop", "restart") and c.time < ffoa + 0.5]
    heads = [(c.label, round(c.time, 1)) for c in a.cues if c.time < ffoa + 0.5]
    assert ("START", pop_at) in heads and ("RESTART", ffoa) in heads


def test_a_tail_pop_after_the_music_is_no_beat():
    m = music(beat_times(120, 10.0), 10.0, SR)
    end = len(m) / SR
    y = np.zeros(len(m) + int(3.0 * SR))
    y[: len(m)] = m
    n = int(SR / 24)
    at = end + 2.0 - 1 / 24  # two seconds after the last frame of action, less its own frame
    y[int(at * SR) : int(at * SR) + n] = 0.1 * np.sin(2 * np.pi * 1000 * np.arange(n) / SR)
    a = analyze_samples(y.astype(np.float32), SR)
    assert a.beats and max(b.time for b in a.beats) < end + 0.2
    assert not [c for c in a.cues if c.kind not in ("stop", "restart") and c.time > end + 0.2]


def test_a_button_after_the_last_pause_keeps_its_beat():
    """A cartoon cue's button: a short chord on the beat after a pause, where a tail pop would sit.
    It is no pure tone, so it stays the music's."""
    m = music(beat_times(120, 10.0, start=0.0), 10.0, SR)[: int(10.0 * SR)]
    t = np.arange(int(0.08 * SR)) / SR
    stab = sum(np.sin(2 * np.pi * hz * t) for hz in (196, 247, 294, 392)) * np.exp(-t / 0.013) * 0.1
    y = np.zeros(int(14 * SR))
    y[: len(m)] = m
    y[int(11.5 * SR) : int(11.5 * SR) + len(stab)] += stab
    a = analyze_samples(y.astype(np.float32), SR)
    assert a.beats and abs(a.beats[-1].time - 11.5) < FRAME


def test_stop_time_stabs_keep_their_beat():
    """Short chords on each bar's downbeat with silence between (stop-time) are music in time: the
    beat runs on through their rests, as for any music, and they are not cut apart like a pop."""
    t = np.arange(int(0.3 * SR)) / SR
    stab = sum(np.sin(2 * np.pi * hz * t) for hz in (196, 247, 294, 392)) * np.exp(-t / 0.075) * 0.08
    y = np.zeros(int(28 * SR))
    for k in range(8):
        y[int((0.5 + 2 * k) * SR) : int((0.5 + 2 * k) * SR) + len(stab)] += stab
    m = music(beat_times(120, 11.0, start=0.0), 11.0, SR)
    y[int(16.5 * SR) : int(16.5 * SR) + len(m)] += m
    a = analyze_samples(y.astype(np.float32), SR)
    in_stabs = [b.time for b in a.beats if b.time < 16.4]
    assert len(in_stabs) >= 8
    stabs = 0.5 + 2 * np.arange(8)
    assert all(np.min(np.abs(np.array(in_stabs) - s)) < FRAME for s in stabs[1:])


def test_a_line_up_tone_cut_to_silence_is_no_effect_and_has_no_beats():
    """A reel's head: 1 kHz line-up tone at -20 dBFS, cut to digital silence, then the music. The
    click of the cut was a HIT cue."""
    m = music(beat_times(120, 12.0), 12.0, SR)
    t = np.arange(int(8 * SR)) / SR
    tone = 0.1 * np.sqrt(2) * np.sin(2 * np.pi * 1000 * t)
    y = np.concatenate([tone, np.zeros(int(2.5 * SR)), m]).astype(np.float32)
    a = analyze_samples(y, SR)
    assert not [c for c in a.cues if c.kind not in ("stop", "restart") and c.time < 10.0]
    stops = [c for c in a.cues if c.kind == "stop"]
    assert stops and abs(stops[0].time - 8.0) < FRAME
    assert a.beats and min(b.time for b in a.beats) > 10.4


@pytest.mark.parametrize("at", [0.3, 0.0])
def test_an_effect_in_a_file_of_its_own_has_no_beat_and_its_start_is_a_cue(at):
    """A sound designer's single effect: one or two 'beats' there are no tempo (the benchmark's
    effects alone gave 1 to 4). Its cue says its kind (it was a START); a library's effect, trimmed
    to start on its first sample, had none."""
    y = np.zeros(int(2.0 * SR))
    add(y, at, impact(SR), SR, 0.5)
    a = analyze_samples(y.astype(np.float32), SR)
    assert not a.beats and any("one sound with silence around it" in w for w in a.warnings)
    assert len(a.cues) == 1 and abs(a.cues[0].time - at) <= FRAME / 2
    assert a.cues[0].kind in ("impact", "crash", "glass", "hit", "whoosh")
    assert a.onsets and abs(a.onsets[0].time - at) <= FRAME / 2


def test_an_effect_in_a_long_file_over_a_noise_floor_is_a_cue():
    # a room's floor at -60 dBFS over 15 s is the passage's loud level to the quiet line, so nothing
    # was quiet: the effect had no cue at all
    rng = np.random.default_rng(2)
    y = rng.standard_normal(15 * SR) * 10 ** (-60 / 20)
    add(y, 0.5, impact(SR), SR, 0.5)
    a = analyze_samples(y.astype(np.float32), SR)
    assert not a.beats and any("one sound with silence around it" in w for w in a.warnings)
    assert len(a.cues) == 1 and abs(a.cues[0].time - 0.5) <= FRAME / 2


@pytest.mark.parametrize(("claps", "floor_db"), [((1.0, 1.5), None), ((1.0, 1.5), -80.0), ((1.0, 1.5), -60.0),
                                              ((1.0, 1.5, 5.0), -60.0)])
def test_claps_in_a_file_are_effects(claps, floor_db):
    # a slate's two claps: a START, a STOP and a RESTART, and over a noise floor a grid of beats;
    # three over a -60 dBFS floor 15 beats (nothing quiet against the floor's own level)
    rng = np.random.default_rng(1)
    n = int(0.15 * SR)
    spec = np.fft.rfft(rng.standard_normal(n))
    hz = np.fft.rfftfreq(n, 1 / SR)
    spec[(hz < 800) | (hz > 5000)] = 0
    clap = np.fft.irfft(spec, n) * np.exp(-np.arange(n) / SR / 0.02)
    y = np.zeros(14 * SR)
    for at in claps:
        add(y, at, 0.5 * clap / np.abs(clap).max(), SR)
    if floor_db is not None:
        y += rng.standard_normal(len(y)) * 10 ** (floor_db / 20)
    a = analyze_samples(y.astype(np.float32), SR)
    said = "two sounds with silence between them" if len(claps) == 2 else "3 separate sounds"
    assert not a.beats and any(said in w for w in a.warnings)
    fx = [c for c in a.cues if c.kind not in ("stop", "restart")]
    assert all(c.kind not in ("stop", "restart") for c in a.cues)
    assert len(fx) == len(claps) and all(any(abs(c.time - at) <= FRAME / 2 for c in fx) for at in claps)


def test_onsets_are_timed_to_the_attack(steady):
    ref, y = steady
    a = analyze_samples(y, SR)
    on = np.array([o.time for o in a.onsets])
    err = _matched(on, ref, 0.05)
    assert np.mean(~np.isnan(err)) > 0.95
    assert np.nanmax(np.abs(err)) < FRAME / 2
    assert all(0 <= o.strength <= 1 for o in a.onsets)


def test_levels_are_dbfs_at_a_fine_step(steady):
    _, y = steady
    a = analyze_samples(y, SR)
    assert a.levels.step <= 0.01
    assert len(a.levels.db) == pytest.approx(16.0 / a.levels.step, abs=3)
    sine = 0.5 * np.sin(2 * np.pi * 440 * np.arange(SR) / SR)
    db = analyze_samples(sine, SR).levels.db
    assert np.median(db) == pytest.approx(20 * np.log10(0.5 / np.sqrt(2)), abs=0.5)


def test_sample_rates_agree_within_one_frame():
    ref = beat_times(126, 14.0)
    y = music(ref, 14.0, 48000)
    frames = {}
    rates = (8000, 44100, 48000, 96000, 44056, 48048)  # and the film pull-down / pull-up rates
    for sr in rates:
        g = math.gcd(sr, 48000)
        ys = y if sr == 48000 else signal.resample_poly(y, sr // g, 48000 // g)
        frames[sr] = np.floor(_beats(analyze_samples(ys, sr)) * 24).astype(int)
    base = frames[44100]
    for sr in rates:
        assert len(frames[sr]) == len(base)
        assert np.max(np.abs(frames[sr] - base)) <= 1


def test_a_band_limited_file_is_warned_about_and_a_full_band_one_is_not():
    y = music(beat_times(120, 6.0), 6.0, 48000)
    narrow = analyze_samples(signal.resample_poly(y, 1, 6), 8000)
    assert any("8 kHz" in w and "3.6 kHz" in w for w in narrow.warnings)
    assert not any("kHz" in w for w in analyze_samples(y, 48000).warnings)
    assert not any("kHz" in w for w in analyze_samples(signal.resample_poly(y, 147, 320), 22050).warnings)


def test_silence_gives_no_beats_and_a_warning():
    a = analyze_samples(np.zeros(3 * SR, np.float32), SR)
    assert a.beats == () and a.onsets == () and a.cues == ()
    assert any("silent" in w for w in a.warnings)
    assert a.duration == pytest.approx(3.0)


def test_short_clipped_offset_and_multichannel_audio_work():
    ref = beat_times(120, 0.8, start=0.05)
    y = music(ref, 0.8, SR)
    a = analyze_samples(np.clip(4 * y + 0.3, -1, 1), SR)  # clipped, with DC offset
    assert a.duration == pytest.approx(0.8)
    assert any("long" in w for w in a.warnings)
    six = np.stack([y] * 6, axis=1)  # 5.1
    b = analyze_samples(six, SR)
    assert b.duration == pytest.approx(0.8)


def test_file_analysis_streams_and_names_the_source(tmp_path, steady):
    import soundfile as sf

    ref, y = steady
    p = tmp_path / "loop.wav"
    sf.write(p, np.stack([y, y], axis=1), SR)
    seen = []
    a = analyze(p, progress=lambda f, s: seen.append(f))
    assert a.source == "loop.wav"
    assert seen == sorted(seen) and seen[-1] == 1.0
    err = _matched(_beats(a), ref[ref > 2.0], 0.07)
    assert np.mean(~np.isnan(err)) > 0.95


@pytest.mark.parametrize("sensitivity", [0.2, 0.8])
def test_progress_only_goes_forward_at_any_sensitivity(steady, sensitivity):
    # another sensitivity judges the effect candidates twice: each judging has its own share
    _, y = steady
    seen = []
    analyze_samples(y, SR, AnalysisSettings(sensitivity=sensitivity), progress=lambda f, s: seen.append(f))
    assert seen == sorted(seen) and seen[-1] == 1.0
    assert len({round(f, 3) for f in seen if f >= 0.9}) >= 6  # the cues' steps each say where they are


def test_cancel_stops_the_job_promptly(steady):
    _, y = steady
    calls = []

    def cancel(fraction, stage):
        calls.append(stage)
        if len(calls) >= 2:
            raise Cancelled("cancelled by the user")

    with pytest.raises(Cancelled):
        analyze_samples(np.tile(y, 4), SR, progress=cancel)
    assert len(calls) == 2


def test_bpm_range_is_honoured_and_wide_ranges_stay_fast(steady):
    import time

    _, y = steady
    t = time.perf_counter()
    wide = analyze_samples(y, SR, AnalysisSettings(bpm_min=10, bpm_max=400))
    assert time.perf_counter() - t < 10
    assert wide.tempo.at(8.0).bpm == pytest.approx(120, rel=0.03)
    fast = analyze_samples(y, SR, AnalysisSettings(bpm_min=180, bpm_max=260))
    assert 180 * 0.97 <= fast.tempo.at(8.0).bpm <= 260 * 1.03


def test_a_slow_range_keeps_every_other_beat_on_the_beat(steady):
    ref, y = steady
    slow = analyze_samples(y, SR, AnalysisSettings(bpm_min=45, bpm_max=80))
    assert slow.tempo.at(8.0).bpm == pytest.approx(60, rel=0.03)
    err = _matched(_beats(slow), ref[ref > 2.0], 0.07)
    assert np.nanmax(np.abs(err)) < FRAME / 2  # every beat kept is one of the 120 BPM beats


def test_beats_said_to_be_on_the_off_beat_move_half_a_beat(steady):
    ref, y = steady
    plain, moved = analyze_samples(y, SR), analyze_samples(y, SR, AnalysisSettings(offbeat=True))
    mid = (ref[:-1] + ref[1:]) / 2
    err = _matched(_beats(moved), mid[(mid > 1.0) & (mid < 15.0)], 0.07)
    assert not np.isnan(err).any() and np.max(np.abs(err)) < FRAME  # every off-beat has a beat
    assert np.isnan(_matched(_beats(moved), ref[(ref > 1.0) & (ref < 15.0)], 0.07)).all()  # and no beat is left
    assert moved.tempo.at(8.0).bpm == pytest.approx(plain.tempo.at(8.0).bpm, rel=0.02)
    assert len(moved.downbeats) >= len(plain.downbeats) - 1  # bars are counted on the moved grid


def test_non_finite_samples_do_not_poison_the_analysis(steady):
    ref, y = steady
    z = y.copy()
    z[1000:1100] = np.nan
    z[5000] = np.inf
    a = analyze_samples(z, SR)
    assert np.isfinite(a.levels.db).all()
    err = _matched(_beats(a), ref[ref > 2.0], 0.07)
    assert np.mean(~np.isnan(err)) > 0.95


def test_the_analysis_never_imports_librosa_or_scipy():
    # scipy's FFT alone, with the numpy modules it pulls in, took 0.3 s to import: a tenth of a
    # 3-minute song's whole analysis
    import subprocess
    import sys

    code = (
        "import sys, numpy as np\n"
        "from syncsheet.analysis import analyze_samples\n"
        "analyze_samples(np.random.default_rng(0).standard_normal(44100).astype(np.float32) * 0.1, 44100)\n"
        "print(sorted(m for m in ('librosa', 'scipy') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_beat_right_at_the_start_is_found_and_nothing_lands_before_zero():
    ref = beat_times(120, 8.0, start=0.0)
    a = analyze_samples(music(ref, 8.0, SR), SR)
    assert a.beats and abs(a.beats[0].time) < FRAME / 2
    assert min(s.start for s in a.tempo.segments) >= 0.0
    assert all(b.time >= 0.0 for b in a.beats)


def test_a_click_track_that_starts_on_its_first_sample_has_a_beat_there():
    # a click decays to digital silence within 60 ms; on the audio's first hop the hops "before" it
    # were clipped onto the click itself, so it read as a ring-out cut off (sound, then silence)
    # and lost its onset, and the first beat with it: 15 beats of 16. The onset judge then dropped
    # it too, as it drops the cut into an excerpt's music; a click falls 30 dB within 0.1 s
    from helpers import click_track

    for bpm in (90, 120, 150):
        y, ref = click_track(bpm, 8.0)
        a = analyze_samples(y, 44100)
        assert len(a.beats) == len(ref) and len(a.onsets) == len(ref)
        assert abs(a.beats[0].time) < FRAME / 2 and abs(a.onsets[0].time) < FRAME / 2
    # music that sounds on from its first sample has no onset there
    y = music(beat_times(120, 9.0, start=0.25), 9.0, SR)[int(1.1 * SR) :]  # cut into a held chord
    assert analyze_samples(y, SR).onsets[0].time > 0.1


def test_a_stops_left_out_beats_are_counted_where_the_grid_through_it_holds():
    from syncsheet.analysis.pipeline import _skipped

    grid = np.arange(40) * 100.0  # 120 BPM in hops
    kept = np.delete(grid, [20, 21, 22])  # a stop's three beats
    assert list(np.flatnonzero(_skipped(grid, kept))) == [20] and _skipped(grid, kept)[20] == 3
    # music that starts again at 90 BPM: the grid through the stop moves from one period to the other
    through = grid[19] + np.cumsum([110.0, 125.0, 133.0, 133.0])
    moved = np.r_[grid[:20], through, through[-1] + np.arange(1, 16) * 133.0]
    kept = np.delete(moved, [20, 21, 22])
    assert _skipped(moved, kept)[20] == -1 and not _skipped(moved, kept)[21:].any()


def test_beats_ringing_on_after_the_last_attack_are_dropped():
    from syncsheet.analysis.features import FPS
    from syncsheet.analysis.pipeline import _heard_edges

    grid = np.arange(0.5, 12.0, 0.5) * FPS  # the tracker's grid runs to 11.5 s
    rng = np.random.default_rng(3)
    attacks = np.arange(1.0, 8.01, 0.5) * FPS + rng.normal(0, 2, 15)  # music from 1 s to 8 s
    stray = np.array([9.8 * FPS])  # a flicker in the final chord's tail, off the grid
    kept = _heard_edges(grid, np.sort(np.concatenate([attacks, stray])))
    assert kept[0] == pytest.approx(1.0 * FPS) and kept[-1] == pytest.approx(8.0 * FPS)
    assert len(kept) == 15  # nothing inside the music is dropped


def test_a_higher_sensitivity_keeps_every_effect_a_lower_one_found():
    """The cue judge reads each candidate beside the others; judged beside the extra candidates a
    higher sensitivity adds, the demo's first glass (found at the default) lost to a music onset
    0.1 s away and vanished. An effect may move to a likelier start, not go."""
    from syncsheet import demo

    found = [np.array([c.time for c in analyze(demo.score_path(), AnalysisSettings(sensitivity=s)).cues])
             for s in (0.5, 0.75)]
    assert len(found[0]) >= 5
    gap = np.abs(found[0][:, None] - found[1][None, :]).min(axis=1)
    assert np.all(gap <= 0.5), found


def test_each_cue_of_a_reel_is_analysed_as_on_its_own():
    # a reel: a cue, 3 s of digital silence, a second cue 20 dB softer and a third faster: the
    # second is analysed as a file of its own (its beats to a ms), its bars carry on from the
    # first's, and the silence is a stop
    first = music(beat_times(120, 12.0), 12.0, SR)
    second = music(beat_times(160, 12.0, start=0.0), 12.0, SR, seed=3) * np.float32(0.1)
    reel = np.concatenate([first, np.zeros(3 * SR, np.float32), second])
    a, alone = analyze_samples(reel, SR), analyze_samples(second, SR)
    t0 = 15.0
    later = [b for b in a.beats if b.time >= t0 - 0.01]
    assert np.allclose([b.time - t0 for b in later], _beats(alone), atol=0.005)
    assert [b.beat for b in later] == [b.beat for b in alone.beats]
    assert later[0].bar > max(b.bar for b in a.beats if b.time < t0 - 0.01)
    assert a.tempo.at(21.0).bpm == pytest.approx(160, rel=0.03) and a.tempo.at(6.0).bpm == pytest.approx(120, rel=0.03)
    assert any(c.kind == "stop" and c.time == pytest.approx(12.0, abs=0.1) and c.end == pytest.approx(t0, abs=0.1)
               for c in a.cues)
    assert [c.kind for c in a.cues if abs(c.time - t0) < 0.5] == ["restart"]


def test_a_ring_out_cut_to_digital_silence_gets_no_beats():
    # a final chord rings out and is cut off, then digital silence: the cut's click is no note, so
    # the beat grid is not carried through the ring-out to it (the demo score with 3 s of silence
    # added got four beats there)
    from importlib import resources

    import soundfile as sf

    with resources.as_file(resources.files("syncsheet.data").joinpath("demo_score.ogg")) as p:
        y, sr = sf.read(p, dtype="float32", always_2d=True)
    plain = _beats(analyze_samples(y, sr))
    tail = _beats(analyze_samples(np.concatenate([y, np.zeros((3 * sr, y.shape[1]), np.float32)]), sr))
    assert len(tail) == len(plain) and np.allclose(tail, plain, atol=1e-3)


def test_opposite_polarity_channels_are_analysed_and_the_user_told(steady):
    ref, y = steady
    a = analyze_samples(np.stack([y, -y], axis=1), SR)
    assert np.allclose(_beats(a), _beats(analyze_samples(y, SR)), atol=1e-3)
    assert any("opposite polarity" in w for w in a.warnings)


def test_a_soft_cue_after_a_loud_one_is_its_own_piece_and_its_quiet_bars_are_no_stops():
    # levels per 5 ms hop: a loud cue, 3 s of silence, a cue 30 dB softer with a bar at -58 dBFS.
    # Measured against the loud cue, that bar was a stop; and the silence was no stop at all, since
    # the music did not come back near the loud cue's level
    from syncsheet.analysis import levels
    from syncsheet.analysis.features import FPS

    rng = np.random.default_rng(4)
    db = np.concatenate([np.full(40 * FPS, -10.0), np.full(3 * FPS, -120.0), np.full(20 * FPS, -40.0),
                         np.full(FPS, -58.0), np.full(19 * FPS, -40.0)]) + rng.normal(0, 1, 83 * FPS)
    assert levels.find_stops(db) == []
    gaps = levels.find_gaps(db, 2.0)
    assert len(gaps) == 1
    assert gaps[0][0] == pytest.approx(40.0, abs=0.05) and gaps[0][1] == pytest.approx(43.0, abs=0.05)


def test_a_bar_start_in_the_silence_between_pieces_is_reported():
    first = music(beat_times(120, 8.0), 8.0, SR)
    reel = np.concatenate([first, np.zeros(3 * SR, np.float32), first])
    a = analyze_samples(reel, SR, AnalysisSettings(bar_starts=(9.5,)))
    assert any("9.50 s" in w for w in a.warnings)


def _hits(times: np.ndarray, seconds: float, hit: np.ndarray, sr: int, floor: float) -> np.ndarray:
    """*hit* at each of *times*, over a hiss at *floor* RMS (a recorded take's room tone)."""
    y = floor * np.random.default_rng(11).standard_normal(int(seconds * sr))
    for s in times:
        i = int(round(s * sr))
        y[i : i + len(hit)] += hit[: len(y) - i]
    return y.astype(np.float32)


def test_clicks_over_a_faint_hiss_have_no_beats_or_onsets_in_the_hiss():
    # a click sounds 3 % of the time: the 95th percentile of the level was the hiss, 60 dB under
    # the clicks, whose onsets then counted as sound, and the grid ran on into the hiss
    sr = 44100
    t = np.arange(int(0.03 * sr)) / sr
    blip = 0.4 * np.sin(2 * np.pi * 1000 * t) * np.exp(-t / 0.006) * np.linspace(1, 0, len(t)) ** 0.2
    truth = 1.0 + 0.5 * np.arange(40)
    a = analyze_samples(_hits(truth, 23.0, blip, sr, 3e-4), sr)
    for got in (_beats(a), np.array([o.time for o in a.onsets])):
        assert len(got) == len(truth) and np.abs(got - truth).max() < 0.003


def test_the_gaps_of_a_kick_pattern_are_no_stops():
    # a kick every half second with a quarter second of silence after it, over a faint hiss: the
    # silence is the music's texture; a stop is the music dropping out of a sounding bed
    sr = 22050
    t = np.arange(int(0.25 * sr)) / sr
    kick = 0.7 * np.sin(2 * np.pi * np.cumsum(50 + 100 * np.exp(-t / 0.03)) / sr) * np.exp(-t / 0.05)
    kick *= np.minimum(1.0, (len(t) - np.arange(len(t))) / (0.05 * sr))
    a = analyze_samples(_hits(1.0 + 0.5 * np.arange(40), 23.0, kick, sr, 3e-4), sr)
    assert not [c for c in a.cues if c.kind in ("stop", "restart") and c.label != "START"]


def test_a_hiss_between_wood_block_clicks_gives_no_effect_cues():
    # the hiss alone between clicks, 60 dB under them, judged on its own scale as an effect is:
    # its flicker gave an effect cue every few seconds
    sr = 44100
    t = np.arange(int(0.06 * sr)) / sr
    wood = 0.45 * (np.sin(2 * np.pi * 700 * t) + 0.5 * np.sin(2 * np.pi * 2500 * t)) * np.exp(-t / 0.012)
    wood *= np.minimum(1.0, (len(t) - np.arange(len(t))) / (0.25 * len(t))) ** 2
    a = analyze_samples(_hits(1.0 + 0.5 * np.arange(56), 30.0, wood, sr, 3e-4), sr)
    assert [(c.label, round(c.time, 3)) for c in a.cues] == [("START", 1.0)]


def test_an_effect_found_just_before_it_sounds_in_a_silence_is_kept():
    # a sound designer's file of hits 1.5 s apart: the detectors place a boom's cue 10 ms before
    # its sound, picked 25 ms before it; the near-silence rule must look at the effect's first
    # burst, not only the 20 ms after the pick
    sr = 44100
    rng = np.random.default_rng(5)

    def t(s):
        return np.arange(int(s * sr)) / sr

    def fade(x):
        x = x.copy()
        n = len(x) // 4
        x[-n:] *= np.linspace(1, 0, n) ** 2
        return x

    hits = [
        fade(0.7 * rng.standard_normal(int(0.4 * sr)) * np.exp(-t(0.4) / 0.08)),  # a crash
        fade(0.8 * np.sin(2 * np.pi * np.cumsum(45 + 120 * np.exp(-t(0.5) / 0.04)) / sr) * np.exp(-t(0.5) / 0.12)),
        fade(0.4 * sum(np.sin(2 * np.pi * f * t(0.6)) for f in (2300, 3100, 4700, 6100)) * np.exp(-t(0.6) / 0.1)),
        fade(0.6 * rng.standard_normal(int(0.15 * sr)) * np.exp(-t(0.15) / 0.02)),  # a snap
        fade(0.5 * np.sin(2 * np.pi * 180 * t(0.3)) * np.exp(-t(0.3) / 0.05)),  # a thud
        fade(0.6 * rng.standard_normal(int(0.8 * sr)) * np.exp(-t(0.8) / 0.25)),  # a long crash
    ]
    y = np.zeros(int(17.0 * sr))
    for k, x in enumerate(hits):
        i = int(round((1.0 + 2.3 * k) * sr))
        y[i : i + len(x)] += x
    cues = np.array([c.time for c in analyze_samples(y.astype(np.float32), sr).cues])
    assert np.min(np.abs(cues - 3.3)) < FRAME  # the boom


@pytest.mark.parametrize("hiss", [0.0, 3e-4])
def test_a_slow_click_track_is_no_sync_pop_and_its_hiss_no_onsets(hiss):
    # at 50 BPM a click (30 ms of 1 kHz, 1.2 s of silence after it) looks like a 2-pop at either
    # end, which was parted from the music: its first and last clicks lost their beats and got a
    # stop. A pop is alone; clicks are a pulse of them. And sounding 1 % of the time, its 99th
    # percentile was the hiss, where onsets were picked
    sr = 44100
    t = np.arange(int(0.03 * sr)) / sr

    def blip(hz, gain):
        return gain * np.sin(2 * np.pi * hz * t) * np.exp(-t / 0.006) * np.linspace(1, 0, len(t)) ** 0.2

    truth = 1.0 + 1.2 * np.arange(25)
    y = _hits(truth[::4], 32.0, blip(1500, 0.6), sr, hiss)  # each bar's first click higher and louder
    y += _hits(np.delete(truth, np.s_[::4]), 32.0, blip(1000, 0.4), sr, 0.0)
    a = analyze_samples(y, sr)
    for got in (_beats(a), np.array([o.time for o in a.onsets])):
        assert len(got) == len(truth) and np.abs(got - truth).max() < 0.003
    assert [c.label for c in a.cues] == ["START"]


@pytest.mark.parametrize(("bpm", "meter"), [(72, 4), (90, 3), (180, 4)])
def test_a_kick_metronome_reads_as_a_click_track_wherever_the_rows_fall(bpm, meter):
    # a kick's 150 -> 50 Hz sweep changes within a 10 ms row, and each beat's sound was the mean of
    # 9 or 10 whole rows as they fell: its place's beats looked unlike each other (in 3/4 at 72 or 90 BPM
    # the rows' phase repeats with the bar, so the places did), the track was not read as a click
    # track, and every third kick was a HIT cue (11 in 30 s at 72 BPM, 29 at 180)
    sr = 44100
    t = np.arange(int(0.25 * sr)) / sr
    kick = 0.6 * np.sin(2 * np.pi * np.cumsum(50 + 100 * np.exp(-t / 0.03)) / sr) * np.exp(-t / 0.08)
    fade = len(t) // 4
    kick[-fade:] *= np.linspace(1.0, 0.0, fade) ** 2
    clicks = 1.0 + (60 / bpm) * np.arange(int(24 * bpm / 60))
    y = _hits(clicks[::meter], 26.0, 1.5 * kick, sr, 0.0)
    y += _hits(np.delete(clicks, np.s_[::meter]), 26.0, kick, sr, 0.0)
    from syncsheet.analysis import features
    from syncsheet.analysis import meter as metermod

    sounds = metermod.beat_sounds(clicks * features.FPS, features.extract([y], sr).fine)
    assert metermod.click_bar(sounds, meter)[0] == 0
    a = analyze_samples(y, sr)
    assert [c.label for c in a.cues] == ["START"]
    assert len(a.beats) == len(clicks)
    assert all((b.beat == 1) == (k % meter == 0) for k, b in enumerate(a.beats))


def _wood_metronome(clicks: np.ndarray, seconds: float, sr: int, accents: np.ndarray | None = None) -> np.ndarray:
    """A wood block at each of *clicks* in digital silence, the *accents* (every fourth) higher
    and louder."""
    t = np.arange(int(0.06 * sr)) / sr
    accents = np.arange(len(clicks)) % 4 == 0 if accents is None else accents

    def wood(hz, gain):
        x = gain * (np.sin(2 * np.pi * hz * t) + 0.5 * np.sin(2 * np.pi * 2500 * t)) * np.exp(-t / 0.012)
        return x * np.minimum(1.0, (len(t) - np.arange(len(t))) / (0.25 * len(t))) ** 2

    return (_hits(clicks[accents], seconds, wood(900, 0.45), sr, 0.0)
            + _hits(clicks[~accents], seconds, wood(700, 0.3), sr, 0.0))


def _kick_metronome(clicks: np.ndarray, seconds: float, sr: int, accents: np.ndarray) -> np.ndarray:
    """A kick at each of *clicks* in digital silence, the *accents* 3.5 dB louder (no other sound)."""
    t = np.arange(int(0.25 * sr)) / sr
    kick = 0.6 * np.sin(2 * np.pi * np.cumsum(50 + 100 * np.exp(-t / 0.03)) / sr) * np.exp(-t / 0.08)
    fade = len(t) // 4
    kick[-fade:] *= np.linspace(1.0, 0.0, fade) ** 2
    return _hits(clicks[accents], seconds, 1.5 * kick, sr, 0.0) + _hits(clicks[~accents], seconds, kick, sr, 0.0)


@pytest.mark.parametrize("kind", ["wood", "kick"])
def test_a_click_track_follows_the_cues_tempo_steps_and_bars(kind):
    # a composer's click track follows the cue's tempo map and its bars: 100 BPM, then 140 (a beat
    # 29 % shorter: the tracker's band moves a beat's period by 25 % at most, so the first click at
    # the new tempo had a beat 74 ms early and was a CRASH cue), then 90 and 120; bars of 4 with a bar
    # of 3, one of 2 and two of 5 (the bars of each place in a bar of 4 then mixed accents and clicks, so the track
    # was not read as one, and the music's bar model put bar lines off the accents). A kick whose
    # accent is only louder: the working level follows the kicks' density, which the tempo changes
    sr = 44100
    bars = [(100, 4)] * 6 + [(140, 3)] + [(140, 4)] * 5 + [(140, 2)] + [(90, 4)] * 4 + [(90, 5)] * 2 + [(120, 4)] * 4
    clicks, accents, t = [], [], 1.0
    for bpm, beats in bars:
        for k in range(beats):
            clicks.append(t)
            accents.append(k == 0)
            t += 60 / bpm
    clicks, accents = np.array(clicks), np.array(accents)
    y = (_wood_metronome if kind == "wood" else _kick_metronome)(clicks, t + 1.0, sr, accents)
    a = analyze_samples(y, sr)
    got = _beats(a)
    assert len(got) == len(clicks) and np.abs(got - clicks).max() < 0.005
    assert [b.beat == 1 for b in a.beats] == list(accents)
    if kind == "wood":  # the kick has one IMPACT on its first click at 140 BPM (bench_clicks.py --map)
        assert [c.label for c in a.cues] == ["START"]



@pytest.mark.parametrize(("bpm", "meter", "seconds"), [(80, 5, 20), (80, 7, 20), (72, 3, 16)])
def test_a_kick_metronome_in_bars_of_5_or_7_reads_as_a_click_track(bpm, meter, seconds):
    # the tracker's tempo states skip some periods (80 BPM's), so its beats fell 10 ms off the kicks
    # every other beat: read from there, a kick's clicks were two sounds by turns, which a bar of 5
    # or 7 mixes in every place. Read from the attacks, and with the working level's steps in the
    # silences undone (an accent is only 3.5 dB louder), each place is one sound. Before: bars of 2,
    # an IMPACT on every accent (5 in 20 s in 5/4), and in 3/4 at 72 BPM bar lines off 3 of 7 accents
    sr = 44100
    clicks = 1.0 + (60 / bpm) * np.arange(int(seconds * bpm / 60))
    accents = np.arange(len(clicks)) % meter == 0
    a = analyze_samples(_kick_metronome(clicks, seconds + 2.0, sr, accents), sr)
    got = _beats(a)
    assert len(got) == len(clicks) and np.abs(got - clicks).max() < 0.005
    assert [b.beat == 1 for b in a.beats] == list(accents)
    assert [c.label for c in a.cues] == ["START"]


@pytest.mark.parametrize("kind", ["wood", "kick"])
@pytest.mark.parametrize("forced", [False, True])
def test_a_click_track_in_bars_of_2_has_its_bar_lines_on_the_accents(kind, forced):
    # a march's 2/4 click: neither sound is the rarer, so it was no click track, and the music's bar
    # model put every bar line on the click after the accent, with --meter 2 too
    from syncsheet.analysis.settings import AnalysisSettings

    sr = 44100
    clicks = 1.0 + 0.5 * np.arange(32)  # 120 BPM
    accents = np.arange(len(clicks)) % 2 == 0
    y = (_wood_metronome if kind == "wood" else _kick_metronome)(clicks, 18.0, sr, accents)
    a = analyze_samples(y, sr, AnalysisSettings(beats_per_bar=2)) if forced else analyze_samples(y, sr)
    got = _beats(a)
    assert len(got) == len(clicks) and np.abs(got - clicks).max() < 0.005
    assert [b.beat == 1 for b in a.beats] == list(accents)
    assert [c.label for c in a.cues] == ["START"]


@pytest.mark.parametrize("bpm", [90, 140])
def test_a_drum_loops_kick_and_snare_are_no_click_pair(bpm):
    # a programmed loop's kick and snare alternate as tightly as a 2/4 click's two sounds, but are
    # two sounds two octaves apart: its bars stay the music's
    from syncsheet.analysis import features
    from syncsheet.analysis import meter as metermod

    y, times = drum_loop(bpm, 20.0, SR)
    f = features.extract([y.astype(np.float32)], SR)
    sounds = metermod.beat_sounds(times * features.FPS, f.fine, f.gain)
    assert metermod.click_pair(sounds) is None
    kicks = sounds.copy()  # its kick, and the kick 3 dB softer in the snare's place, are a pair
    kicks[1::2] = np.maximum(sounds[0::2][: len(kicks[1::2])] - 7.5, 0.0)
    pair = metermod.click_pair(kicks)
    assert pair is not None and pair[0] == 0  # the louder starts the bar


@pytest.mark.parametrize(("kind", "bpm"), [("wood", (120, 80)), ("kick", (90, 140))])
def test_a_click_track_under_a_ritardando_or_an_accelerando_is_one(kind, bpm):
    # the tempo moves on every click, so the clicks keep no one period and the track was taken for an
    # effects track: no beats, and 48 effect cues, one on every click
    sr = 44100
    tempi = np.linspace(*bpm, 48)
    clicks = 1.0 + np.r_[0.0, np.cumsum(60.0 / tempi[:-1])]
    accents = np.arange(len(clicks)) % 4 == 0
    y = (_wood_metronome if kind == "wood" else _kick_metronome)(clicks, clicks[-1] + 2.0, sr, accents)
    a = analyze_samples(y, sr)
    got = _beats(a)
    assert len(got) == len(clicks) and np.abs(got - clicks).max() < 0.005
    assert [b.beat == 1 for b in a.beats] == list(accents)
    assert [c.label for c in a.cues] == ["START"]


def _coloured_noise(seconds: float, sr: int, slope: float, seed: int = 0) -> np.ndarray:
    """Noise whose power falls as 1 / f ** (2 * slope) (0 white, 0.5 pink, 1 brown), 0.05 RMS."""
    w = np.random.default_rng(seed).normal(0, 1, int(seconds * sr))
    f = np.fft.rfft(w)
    k = np.maximum(np.arange(len(f)), 1)
    x = np.fft.irfft(f / k**slope, len(w))
    return (0.05 * x / x.std()).astype(np.float32)


@pytest.mark.parametrize(("slope", "sr"), [(0.0, 44100), (0.5, 48000), (0.75, 22050)])
def test_steady_noise_has_no_beats_and_no_onsets_of_its_own(slope, sr):
    # a room tone, a hiss or a wind: the tracker put a grid over its random peaks (about 40 beats in
    # 30 s) and the picker found 70-90 onsets in it (noise whose level wanders as a random walk's, 1/f^2
    # from DC, has rises of its own and is left as it was)
    a = analyze_samples(_coloured_noise(20.0, sr, slope), sr)
    assert not a.beats and len(a.onsets) <= 1 and not a.cues
    said = [w for w in a.warnings if "steady" in w]  # and not "no steady beat found" as well
    assert len(said) == 1 and said[0].startswith("the audio is steady noise")
    # in a reel, the noise after a music cue is said with its span, and the music keeps its beats
    ref = beat_times(120, 12.0)
    reel = np.r_[music(ref, 12.0, sr), np.zeros(3 * sr, np.float32), _coloured_noise(15.0, sr, slope)]
    b = analyze_samples(reel, sr)
    assert not np.isnan(_matched(_beats(b)[: len(ref)], ref, 0.02)[1:-1]).any() and _beats(b)[-1] < 12.0
    assert any(w.startswith("the audio at 1") and "steady noise" in w for w in b.warnings)


def test_an_effect_on_a_noise_bed_is_a_cue_and_music_under_a_hiss_keeps_its_beats():
    bed = _coloured_noise(20.0, SR, 0.5, seed=3).astype(np.float64) * 0.2
    hit = 9.37
    add(bed, hit, impact(SR), SR, 0.5)
    a = analyze_samples(bed.astype(np.float32), SR)
    assert any(abs(c.time - hit) <= FRAME for c in a.cues)
    assert any(abs(o.time - hit) <= FRAME for o in a.onsets)
    ref = beat_times(120, 20.0)
    y = music(ref, 20.0, SR)
    hiss = _coloured_noise(20.0, SR, 0.0, seed=4)[: len(y)] * float(np.sqrt(np.mean(y**2))) / 0.05 * 10 ** (-22 / 20)
    got = _beats(analyze_samples((y + hiss).astype(np.float32), SR))
    assert not np.isnan(_matched(got, ref, 0.02)[1:]).any()  # the first, out of the hiss, is lost


def test_a_tone_cut_off_by_the_files_end_has_no_cue_there():
    # the frames' windows run on past the last sample into silence: the cut read as an effect
    sr = 48000
    t = np.arange(30 * sr) / sr
    for y in (0.18 * np.sin(2 * np.pi * 1000 * t), 0.1 * np.sin(2 * np.pi * 50 * t[: 20 * sr])):
        assert analyze_samples(y.astype(np.float32), sr).cues == ()


def test_a_click_tracks_fermata_has_no_beats_in_its_hold():
    # four bars of 4 at 120 BPM, a hold of 1.5 s, four more: the grid ran on over the silence, two
    # beats with no click and a bar of 2 made of them
    sr = 44100
    clicks = np.r_[1.0 + 0.5 * np.arange(16), 10.0 + 0.5 * np.arange(16)]
    accents = np.arange(32) % 4 == 0
    a = analyze_samples(_wood_metronome(clicks, 20.0, sr, accents), sr)
    got = _beats(a)
    assert len(got) == len(clicks) and np.abs(got - clicks).max() < 0.005
    assert [b.beat == 1 for b in a.beats] == list(accents)
    assert [b.bar for b in a.beats] == list(1 + np.arange(32) // 4)


@pytest.mark.parametrize("bpm", [40, 45])
def test_a_slow_click_track_tracked_at_twice_its_tempo_is_its_clicks(bpm):
    # at 40-45 BPM the tracker puts a beat between every two clicks: every other beat in silence, so
    # its sounds were no click track's, the bars were the music model's (4 of 10 on an accent at 40
    # BPM in 3/4) and every accent a HIT; its clicks alone are a click track
    sr = 44100
    clicks = 1.0 + (60 / bpm) * np.arange(int(16 * bpm / 60))
    accents = np.arange(len(clicks)) % 3 == 0
    a = analyze_samples(_wood_metronome(clicks, 18.0, sr, accents), sr)
    got = _beats(a)
    assert len(got) == len(clicks) and np.abs(got - clicks).max() < 0.005
    assert [b.beat == 1 for b in a.beats] == list(accents)
    assert [c.label for c in a.cues] == ["START"]

def test_a_metronome_with_eighth_ticks_folded_to_its_tempo_keeps_the_clicks():
    # softer noise ticks between the clicks: tracked at the eighths, and a range around the clicks'
    # tempo halved the grid onto the ticks (they have the bass and the broadband attack; the clicks
    # only the level), every beat between two clicks and no bar line on an accent
    from syncsheet.analysis.settings import AnalysisSettings

    sr = 44100
    t = np.arange(int(0.06 * sr)) / sr
    tick = 0.12 * np.random.default_rng(7).standard_normal(len(t)) * np.exp(-t / 0.004)
    clicks = 1.0 + 0.6 * np.arange(40)  # 100 BPM
    y = _wood_metronome(clicks, 26.0, sr) + _hits(clicks[:-1] + 0.3, 26.0, tick, sr, 0.0)
    a = analyze_samples(y, sr, AnalysisSettings(bpm_min=90, bpm_max=110))
    got = _beats(a)
    assert len(got) == len(clicks) and np.abs(got - clicks).max() < 0.005
    assert all((b.beat == 1) == (k % 4 == 0) for k, b in enumerate(a.beats))


def test_a_click_tracks_clicks_are_no_effects_but_an_effect_among_them_is():
    # in digital silence a wood block's click differs from its references a bar away only by where
    # the 10 ms rows fall on it (at 72 BPM the phase repeats every third click): 8 HIT cues were on
    # the clicks. A crash between two clicks is still an effect
    sr = 44100
    clicks = 1.0 + (60 / 72) * np.arange(36)
    y = _wood_metronome(clicks, 32.0, sr)
    n = int(0.5 * sr)
    crash = 0.5 * np.random.default_rng(3).standard_normal(n) * np.exp(-np.arange(n) / (0.12 * sr))
    y = y + _hits(np.array([14.72]), 32.0, crash, sr, 0.0)
    a = analyze_samples(y, sr)
    effects = [c.time for c in a.cues if c.kind not in ("stop", "restart")]
    assert len(effects) == 1 and abs(effects[0] - 14.72) < FRAME
    assert [b.beat for b in a.beats][:8] == [1, 2, 3, 4, 1, 2, 3, 4]
