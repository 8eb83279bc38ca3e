"""Separate sounds with silence between them (an effects track) against music that stops."""

import numpy as np
import pytest

from syncsheet.analysis.features import FPS
from syncsheet.analysis.levels import quiet_runs
from syncsheet.analysis.lone_sounds import (
    MAX_LINE_S,
    MAX_SOUND_S,
    on_grid,
    rhythmic,
    separate_sounds,
    sound_runs,
    steady,
    syllables,
)


def _level(sounds: list[tuple[float, float]], seconds: float, floor: float = -120.0,
           hiss: float | None = None) -> np.ndarray:
    """A level per hop (dBFS): -20 over each (start, end), *floor* elsewhere, and a hiss flickering
    about *hiss* dBFS if given."""
    db = np.full(int(seconds * FPS), floor)
    if hiss is not None:
        db = hiss + np.random.default_rng(3).normal(0, 3, len(db))
    for a, b in sounds:
        db[int(a * FPS) : int(b * FPS)] = -20.0
    return db


def test_sounds_are_the_spans_between_silences_and_a_hiss_flicker_is_none():
    sounds = [(1.0, 1.6), (3.7, 4.5), (5.05, 5.5)]
    db = _level(sounds, 8.0, hiss=-72.0)
    got = sound_runs(quiet_runs(db), db)
    assert len(got) == 3 and np.allclose(got, sounds, atol=0.03)


def test_effects_at_chance_times_are_separate_sounds_and_music_is_not():
    rng = np.random.default_rng(1)
    starts = np.cumsum(rng.uniform(1.5, 4.0, 12))
    effects = [(t, t + rng.uniform(0.2, 2.0)) for t in starts]
    db = _level(effects, starts[-1] + 4.0)
    assert separate_sounds(quiet_runs(db), db) is not None
    # a click track in silence is sounds and silences too, but each start is a beat from others
    clicks = [(1.0 + 0.75 * k, 1.05 + 0.75 * k) for k in range(30)]
    db = _level(clicks, 25.0)
    assert separate_sounds(quiet_runs(db), db) is None
    # music with stops: its passages last longer than any effect
    passages = [(1.0, 9.0), (10.2, 14.0), (15.0, 16.0), (17.5, 30.0)]
    assert max(b - a for a, b in passages) > MAX_SOUND_S
    db = _level(passages, 32.0)
    assert separate_sounds(quiet_runs(db), db) is None


def test_a_rhythm_is_many_starts_a_period_apart_not_one_pair():
    assert rhythmic(1.0 + 0.6 * np.arange(20))
    assert rhythmic(np.sort(np.r_[1.0 + 1.2 * np.arange(10), 1.45 + 1.2 * np.arange(10)]))  # a two-hit loop
    assert not rhythmic(np.array([0.0, 2.3, 5.1, 9.0]))  # one pair 2.3 s apart among four sounds is chance
    assert not rhythmic(np.cumsum(np.random.default_rng(2).uniform(1.0, 4.5, 40)))


def test_a_rhythm_is_more_pairs_a_period_apart_than_chance_gives():
    # a dozen sounds at chance times: half of them had a partner at some period of the dozens tried
    # a quarter to over half of the time, and an effects or dialogue track was then taken for music
    rng = np.random.default_rng(9)
    for n, spacing in ((8, (0.8, 4.0)), (12, (0.3, 1.0)), (100, (0.15, 0.4))):
        found = sum(rhythmic(np.cumsum(rng.uniform(*spacing, n))) for _ in range(100))
        assert found <= 3, (n, spacing, found)
    # a click track of eight with one click missing, jittered by 3 ms, is one, and so are four clicks
    # a machine spaced exactly
    for period in (0.5, 1.0, 3.0):
        clicks = 1.0 + period * np.arange(8) + rng.normal(0, 0.003, 8)
        assert rhythmic(np.delete(clicks, 3))
        assert rhythmic(1.0 + period * np.arange(4))



def test_a_click_track_whose_tempo_moves_on_every_click_is_a_steady_succession():
    # a ritardando, an accelerando or a rubato keeps no one period (rhythmic finds none), so such a
    # click track was an effects track: no beats, and every click an effect cue
    rng = np.random.default_rng(4)
    for bpm in (np.linspace(120, 80, 48), 120 * 0.5 ** (np.arange(16) / 16), np.linspace(90, 140, 32),
                100 + 15 * np.sin(np.arange(48) / 6)):
        clicks = 1.0 + np.r_[0.0, np.cumsum(60.0 / bpm[:-1])] + rng.normal(0, 0.003, len(bpm))
        assert not rhythmic(clicks)
        assert steady(clicks)
    # sounds at chance times are not, as for rhythmic
    for n, spacing in ((8, (0.8, 4.0)), (12, (0.3, 1.0)), (100, (0.15, 0.4))):
        found = sum(steady(np.cumsum(rng.uniform(*spacing, n))) for _ in range(100))
        assert found <= 3, (n, spacing, found)
    assert not steady(np.array([0.0, 1.0, 2.0]))  # three are too few

def _syllabic(starts: list[float], lengths: list[float], seconds: float, rng: np.random.Generator) -> np.ndarray:
    """A level per hop for sounds made of syllables: from each start, vowels at -20 dBFS of 90-220 ms
    with a consonant 15 dB softer before each (40-90 ms)."""
    db = np.full(int(seconds * FPS), -120.0)
    for t, length in zip(starts, lengths, strict=True):
        end = t + length
        while t < end:
            gap, vowel = rng.uniform(0.04, 0.09), rng.uniform(0.09, 0.22)
            db[int(t * FPS) : int((t + gap) * FPS)] = -35.0
            db[int((t + gap) * FPS) : int(min(t + gap + vowel, end) * FPS)] = -20.0
            t += gap + vowel
    return db


def test_syllables_are_the_level_rising_and_falling_between_consonants():
    db = _syllabic([1.0], [1.5], 3.0, np.random.default_rng(5))
    got = syllables(db, 1.0, 2.5)
    vowels = np.flatnonzero(np.diff((db == -20.0).astype(int)) == 1)
    assert len(got) == len(vowels) >= 5
    # an effect's one attack and decay is one
    decay = np.full(400, -120.0)
    decay[100:300] = np.linspace(-20.0, -60.0, 200)
    assert len(syllables(decay, 0.5, 1.5)) == 1


def test_a_dialogue_track_is_speech_and_an_effects_track_is_not():
    rng = np.random.default_rng(1)
    starts = np.cumsum(rng.uniform(1.5, 4.0, 8))
    lines = rng.uniform(0.6, 1.1, 8)
    db = _syllabic(list(starts), list(lines), starts[-1] + 4, rng)
    sounds = separate_sounds(quiet_runs(db), db)
    assert sounds is not None and sounds.speech and len(sounds.spans) == 8
    # effects at chance times are one attack and its decay each
    effects = [(t, t + rng.uniform(0.2, 2.0)) for t in starts]
    db = _level(effects, starts[-1] + 4.0)
    for a, b in effects:
        db[int(a * FPS) : int(b * FPS)] = np.linspace(-20.0, -55.0, int(b * FPS) - int(a * FPS))
    sounds = separate_sounds(quiet_runs(db), db)
    assert sounds is not None and not sounds.speech


@pytest.mark.parametrize("tone_db", [-54.0, -55.0, -56.0])
def test_lines_over_a_room_tone_at_the_quiet_line_are_parted_by_the_tone(tone_db):
    # a room tone about 35 dB under the lines wanders over and under the quiet line, so the quiet runs
    # in a pause were only where it dipped, and lines with no 0.12 s of them between were one
    rng = np.random.default_rng(0)
    lines = rng.uniform(0.6, 1.1, 8)
    starts = 1.0 + np.cumsum(np.r_[0.0, lines[:-1] + rng.uniform(0.4, 0.9, 7)])
    db = _syllabic(list(starts), list(lines), starts[-1] + 3, rng)
    wander = np.convolve(rng.normal(0, 1, len(db)), np.ones(40) / 40, mode="same")  # over 0.2 s
    db = np.where(db == -120.0, tone_db + 1.5 * wander / wander.std(), db)
    sounds = separate_sounds(quiet_runs(db), db)
    assert sounds is not None and sounds.speech and len(sounds.spans) == 8
    assert np.allclose([a for a, _ in sounds.spans], starts, atol=0.03)


def test_notes_keep_one_phase_from_phrase_to_phrase_and_syllables_do_not():
    rng = np.random.default_rng(4)
    # phrases of eighths at 120 BPM, the peaks 10-30 ms after the notes, rests of whole eighths
    notes, t = [], 0.5
    while t < 60.0:
        n = int(rng.integers(6, 16))
        notes += [t + 0.25 * k + rng.uniform(0.01, 0.03) for k in range(n) if rng.random() < 0.85]
        t += 0.25 * (n + int(rng.integers(2, 6)))
    assert on_grid(np.array(notes))
    # a talker's syllables 0.19-0.28 s apart (as regular as synthetic speech is), lines at chance times
    said, t = [], 0.5
    while t < 60.0:
        steps = rng.uniform(0.19, 0.28, int(rng.integers(3, 15)))
        said += list(t + np.cumsum(steps))
        t = said[-1] + rng.uniform(0.5, 2.0)
    assert not on_grid(np.array(said))
    assert not on_grid(np.cumsum(rng.uniform(0.3, 3.0, 40)))  # effects at chance times


def test_one_line_of_speech_is_dialogue_and_one_phrase_of_notes_or_one_effect_is_not():
    rng = np.random.default_rng(2)
    # an animator's clip for one shot: a line of 2.5 s, no other sound
    db = _syllabic([0.7], [2.5], 4.0, rng)
    sounds = separate_sounds(quiet_runs(db), db)
    assert sounds is not None and sounds.speech and len(sounds.spans) == 1
    # a phrase of eighths at 150 BPM, each note dying 15 dB before the next (no silence between)
    db = np.full(int(4.0 * FPS), -120.0)
    for k in range(12):
        a = int((0.5 + 0.2 * k) * FPS)
        db[a : a + int(0.2 * FPS)] = np.linspace(-20.0, -35.0, int(0.2 * FPS))
    assert len(sound_runs(quiet_runs(db), db)) == 1
    assert separate_sounds(quiet_runs(db), db) is None
    # one effect: an attack and its decay
    db = np.full(int(4.0 * FPS), -120.0)
    db[100:500] = np.linspace(-20.0, -60.0, 400)
    assert separate_sounds(quiet_runs(db), db) is None


@pytest.mark.parametrize("others", [0, 5])
def test_a_line_said_past_the_effects_length_without_a_pause_is_still_dialogue(others):
    # a line of 9 s with no pause of 0.12 s, alone or among shorter ones, was over the 6.5 s an
    # effect lasts, so the track was music, with beats, stops and restarts
    rng = np.random.default_rng(1)
    lengths = [9.0] + list(rng.uniform(0.8, 1.6, others))
    starts = list(1.0 + np.cumsum(np.r_[0.0, np.array(lengths[:-1]) + rng.uniform(0.5, 1.5, others)]))
    db = _syllabic(starts, lengths, starts[-1] + lengths[-1] + 2.0, rng)
    sounds = separate_sounds(quiet_runs(db), db)
    assert sounds is not None and sounds.speech and len(sounds.spans) == 1 + others
    assert sounds.spans[0][1] - sounds.spans[0][0] > MAX_SOUND_S


def test_a_long_sound_is_no_line_when_it_is_notes_an_effect_or_past_a_breath():
    rng = np.random.default_rng(7)
    # eighths at 150 BPM for 9 s, each dying 15 dB before the next: a phrase of notes on a grid
    db = np.full(int(11.0 * FPS), -120.0)
    for k in range(45):
        a = int((1.0 + 0.2 * k) * FPS)
        db[a : a + int(0.2 * FPS)] = np.linspace(-20.0, -35.0, int(0.2 * FPS))
    assert separate_sounds(quiet_runs(db), db) is None
    # one long effect (a 9 s rumble fading away) among short ones
    db = _level([(1.0, 10.0), (12.0, 12.8), (14.0, 14.5)], 16.0)
    db[int(1.0 * FPS) : int(10.0 * FPS)] = np.linspace(-20.0, -50.0, int(9.0 * FPS))
    assert separate_sounds(quiet_runs(db), db) is None
    # speech with no pause for longer than a talker's breath lasts
    db = _syllabic([1.0], [MAX_LINE_S + 2.0], MAX_LINE_S + 5.0, rng)
    assert separate_sounds(quiet_runs(db), db) is None
