"""Beat-level corrections on synthetic activations."""

import numpy as np
import pytest

from syncsheet.analysis.beat_level import shift_half_beat, swing_phase

PERIOD = 120  # hops


def _activation(on: float, at_third: float, at_two_thirds: float, beats: int = 64) -> np.ndarray:
    act = np.full(PERIOD * (beats + 2), 0.2)
    for b in range(beats + 1):
        t = b * PERIOD
        act[t] = on
        act[t + PERIOD // 3] = max(act[t + PERIOD // 3], at_third)
        act[t + 2 * PERIOD // 3] = max(act[t + 2 * PERIOD // 3], at_two_thirds)
    return act


def test_beats_on_swung_off_beats_move_onto_the_beat():
    act = _activation(on=2.0, at_third=0.0, at_two_thirds=3.0)  # long-short: beat, then off-beat 2/3 later
    off = np.arange(48) * PERIOD + 2 * PERIOD // 3  # a tracker locked on the louder off-beat
    fixed = swing_phase(off.astype(float), act)
    assert np.allclose(fixed, (np.arange(48) + 1) * PERIOD, atol=1)


@pytest.mark.parametrize("third, two_thirds", [(0.0, 3.0), (1.5, 1.5), (0.0, 0.0)])
def test_beats_already_on_the_beat_stay(third, two_thirds):
    act = _activation(on=2.0, at_third=third, at_two_thirds=two_thirds)  # swing, triplets, straight
    beats = np.arange(48) * PERIOD
    assert np.array_equal(swing_phase(beats.astype(float), act), beats)


def test_a_section_decides_for_itself():
    swung = _activation(on=2.0, at_third=0.0, at_two_thirds=3.0, beats=40)
    straight = _activation(on=2.0, at_third=0.0, at_two_thirds=0.0, beats=40)
    act = np.concatenate([straight[: 40 * PERIOD], swung])
    pos = np.concatenate([np.arange(40) * PERIOD, 40 * PERIOD + np.arange(40) * PERIOD + 2 * PERIOD // 3])
    fixed = swing_phase(pos.astype(float), act)
    assert np.array_equal(fixed[:20], pos[:20])  # straight section untouched
    assert np.allclose(fixed[-20:], pos[-20:] + PERIOD / 3, atol=1)  # swung section moved


@pytest.mark.parametrize("swung", [False, True])
def test_beats_either_side_of_a_tempo_step_move_by_their_own_period(swung):
    period = np.repeat([120, 90], 40)  # hops: a step from 100 to 133 BPM
    beats = np.concatenate([[0], np.cumsum(period)]).astype(float)
    act = np.full(int(beats[-1]) + 200, 0.2)
    for t, p in zip(beats[:-1].astype(int), period, strict=True):
        act[t] = 2.0
        act[t + 2 * p // 3] = 3.0 if swung else 0.2
    late = beats[:-1] + (2 * period // 3 if swung else 0)  # the tracker on the swung off-beats
    right = beats[:-1] + (period if swung else 0)  # the next beat
    assert np.allclose(swing_phase(late, act), right, atol=1)


def test_a_swung_looking_last_beat_does_not_move_the_beats_before_it():
    act = _activation(on=2.0, at_third=0.0, at_two_thirds=0.0, beats=48)  # straight
    act[47 * PERIOD + PERIOD // 3] = 6.0  # one loud event a third after the last beat
    beats = np.arange(48) * PERIOD
    assert np.array_equal(swing_phase(beats.astype(float), act), beats)


def _drifting_pulse(seed: int, beats: int = 72, bpm: float = 110.0, drift: float = 0.15, steady: int = 0):
    """A beat activation at FPS whose tempo drifts sinusoidally by +-*drift* over 16 beats (the
    bench's sine) after *steady* beats at a steady tempo, with weak beats and a rival off-beat
    event, and the true beat times (s)."""
    from syncsheet.analysis.features import FPS

    rng = np.random.default_rng(seed)
    speed = 1 + drift * np.sin(2 * np.pi * np.arange(beats) / 16 + rng.uniform(0, 2 * np.pi))
    speed = np.concatenate([np.ones(steady), speed])
    t = 0.5 + np.concatenate([[0.0], np.cumsum(60 / (bpm * speed[:-1]))])
    act = 0.8 + 0.4 * rng.random(int((t[-1] + 1.0) * FPS))
    for a, b in zip(t[:-1], t[1:], strict=True):
        k = int((a + b) / 2 * FPS)
        act[k - 1 : k + 2] += rng.uniform(0.5, 1.5)  # an off-beat note
    for x in t:
        k = int(x * FPS)
        act[k - 1 : k + 2] += 1.2 * rng.uniform(0.7, 1.3)
    return act, t


@pytest.mark.parametrize("seed", [0, 2, 5])
def test_the_tracker_follows_a_drifting_tempo(seed):
    from syncsheet.analysis.beats import track_beats

    act, ref = _drifting_pulse(seed)
    inner = ref[2:-2]
    stiff, follow = track_beats(act, follow=False), track_beats(act)
    assert _share_found(follow, inner) > 0.97
    assert _share_found(stiff, inner) < _share_found(follow, inner)  # the stiff decode lags


def test_a_steady_tempo_is_decoded_once():
    from syncsheet.analysis.beats import track_beats

    act, _ = _drifting_pulse(1, drift=0.0)
    assert np.array_equal(track_beats(act), track_beats(act, follow=False))


def test_a_steady_section_keeps_the_first_decode_and_a_drifting_one_is_followed():
    from syncsheet.analysis.beats import track_beats
    from syncsheet.analysis.features import FPS

    shares = []
    for seed in range(3):
        act, ref = _drifting_pulse(seed, beats=80, steady=120)
        stiff, follow = track_beats(act, follow=False), track_beats(act)
        early = ref[50]  # more than a window (64 beats) before the drift starts
        assert np.array_equal(stiff[stiff / FPS < early], follow[follow / FPS < early])
        shares.append((_share_found(stiff, ref[122:-2]), _share_found(follow, ref[122:-2])))
    stiff_share, follow_share = np.mean(shares, axis=0)
    assert follow_share > stiff_share + 0.03


def _share_found(pos: np.ndarray, ref: np.ndarray, tol: float = 0.03) -> float:
    """Share of true beats (s) with a tracked beat (hops at FPS) within *tol* seconds."""
    from syncsheet.analysis.features import FPS

    return float(np.mean([np.min(np.abs(pos / FPS - r)) < tol for r in ref]))


def test_note_activation_shows_pulses_the_broad_flux_misses():
    from syncsheet.analysis.beats import beat_activation

    n = 200 * 20
    flux = np.ones((n, 3))  # broad bands: no attacks at all (a legato string passage)
    notes = np.full(n, 0.1)
    notes[::100] = 5.0  # but a note change every half second in the fine bands
    plain = beat_activation(flux)
    both = beat_activation(flux, notes=notes)
    assert np.ptp(plain) < 1e-6
    assert both[1000] > 1.5 * np.median(both)  # on a note: well above the floor
    assert np.allclose(beat_activation(flux, notes=notes, notes_share=0.0), plain)



def _bow_and_notes(agreeing: bool, seconds: int = 40, seed: int = 0):
    """Broad flux and note activation at FPS: note changes every half second; the broad bands
    either hear the same attacks (struck) or only noise (bowed)."""
    rng = np.random.default_rng(seed)
    n = 200 * seconds
    notes = 0.1 + 0.05 * rng.random(n)
    notes[::100] = 5.0
    flux = 1.0 + rng.random((n, 3))  # bow noise and vibrato
    if agreeing:
        flux[::100] += 8.0
    return flux, notes


def test_note_share_rises_where_the_broad_flux_does_not_follow_the_notes():
    from syncsheet.analysis.beats import beat_activation

    flux, notes = _bow_and_notes(agreeing=False)
    fixed = beat_activation(flux, notes=notes, agree=None)
    adaptive = beat_activation(flux, notes=notes)
    on = np.arange(1000, len(notes) - 1000, 100)
    contrast = lambda a: np.mean(a[on]) / np.median(a)  # noqa: E731
    assert contrast(adaptive) > 1.5 * contrast(fixed)  # the notes' pulse stands out of the bow noise
    assert np.allclose(adaptive[1000:-1000], beat_activation(notes)[1000:-1000], atol=0.05)  # all notes


def test_note_share_stays_where_both_hear_the_attacks():
    from syncsheet.analysis.beats import beat_activation

    flux, notes = _bow_and_notes(agreeing=True)
    assert np.allclose(beat_activation(flux, notes=notes), beat_activation(flux, notes=notes, agree=None))

def _bass_and_chords(beats: int = 64, period: int = 100, bass_off: bool = False, chords_off: bool = False,
                     seed: int = 0):
    """Chroma and fine spectrum of a piece whose chords change and whose bass notes start on each
    beat (or half a beat later), with a noise floor; hops at FPS, beats every *period* hops."""
    from syncsheet.analysis.features import CHROMA_DECIM, FINE_DECIM

    rng = np.random.default_rng(seed)
    n = beats * period
    chords = rng.random((beats + 1, 12)) ** 4  # a new pitch-class profile every beat
    shift = period // 2 if chords_off else 0
    hop = np.arange(0, n, CHROMA_DECIM)
    chroma = (chords[(hop + period - shift) // period - 1] + 0.05 * rng.random((len(hop), 12))).astype(np.float16)
    fine_hz = 65.0 * 2 ** (np.arange(48) / 12)  # 65 Hz - 1 kHz: the lowest 14 bands are below 200 Hz
    rows = np.arange(0, n, FINE_DECIM)
    fine = rng.integers(20, 30, (len(rows), len(fine_hz))).astype(np.uint8)
    phase = (rows - (period // 2 if bass_off else 0)) % period
    fine[(phase < 30) & (rows >= (period // 2 if bass_off else 0)), :14] += 60  # a bass note held 150 ms
    fine[((rows + period // 2) % period) < 10, 14:] += 60  # a snare-like attack on every off-beat
    return chroma, fine, fine_hz


def test_beats_half_a_beat_off_move_onto_bass_and_harmony():
    from syncsheet.analysis.beat_level import bass_harmony_phase

    chroma, fine, fine_hz = _bass_and_chords()
    off = np.arange(60) * 100.0 + 50  # a tracker locked on the off-beat snare
    assert np.allclose(bass_harmony_phase(off, chroma, fine, fine_hz), off + 50)
    on = np.arange(60) * 100.0
    assert np.array_equal(bass_harmony_phase(on, chroma, fine, fine_hz), on)


@pytest.mark.parametrize("bass_off, chords_off", [(True, False), (False, True)])
def test_one_cue_off_the_beat_does_not_move_the_beats(bass_off, chords_off):
    from syncsheet.analysis.beat_level import bass_harmony_phase

    # a syncopated bass (or chords anticipated half a beat) alone says nothing about the phase
    chroma, fine, fine_hz = _bass_and_chords(bass_off=bass_off, chords_off=chords_off)
    on = np.arange(60) * 100.0
    assert np.array_equal(bass_harmony_phase(on, chroma, fine, fine_hz), on)


def test_each_section_of_a_long_piece_decides_its_own_phase():
    from syncsheet.analysis.beat_level import bass_harmony_phase

    chroma, fine, fine_hz = _bass_and_chords(beats=160)
    pos = np.arange(158) * 100.0
    pos[80:] += 50  # the tracker slipped onto the off-beat for the second half
    fixed = bass_harmony_phase(pos, chroma, fine, fine_hz)
    assert np.array_equal(fixed[:48], pos[:48])  # away from the change, within half a window (32 beats)
    assert np.allclose(fixed[-48:], pos[-48:] + 50)


SR = 22050


def _compound_features(meter: str, seconds: float = 20.0, seed: int = 0):
    """Features of a short seeded piece and its true beat times (s).

    ``"6/8"``: eighths every 0.2 s, a chord tone on each (equal loudness), a bass note only on
    every third (the dotted-quarter beat, 100 BPM). ``"swung 4/4"``: kick and bass on the beats
    (120 BPM), hats two thirds into each beat. ``"3/4"``: kick on the beats (100 BPM), straight
    off-beat hats, a chord per bar.
    """
    from analysis_synth import add, beat_times, hat, kick, music, tone

    from syncsheet.analysis.features import extract

    rng = np.random.default_rng(seed)
    y = np.zeros(int(seconds * SR))
    roots = [110.0, 146.8, 130.8, 98.0]
    if meter == "6/8":
        eighths = np.arange(0.25, seconds - 0.3, 0.2)
        for e, t in enumerate(eighths):
            root = roots[(e // 6) % 4]
            if e % 3 == 0:
                add(y, t, tone(SR, root / 2, 0.6, 0.5), SR)
            add(y, t, tone(SR, root * 2 * rng.choice([1.0, 1.26, 1.5, 2.0]), 0.2, 0.15 * rng.uniform(0.8, 1.2)), SR)
        ref = eighths[::3]
    elif meter == "swung 4/4":
        ref = beat_times(120, seconds)
        k, h = kick(SR), hat(SR, rng)
        for i, t in enumerate(ref):
            add(y, t, k, SR, 0.9 if i % 4 == 0 else 0.5)
            add(y, t, tone(SR, roots[(i // 4) % 4] / 2, 0.3, 0.3), SR)
            add(y, t + 2 / 3 * 0.5, h, SR, 1.5)  # the swung off-beat, as loud as a ride
    else:
        ref = beat_times(100, seconds)
        y = music(ref, seconds, SR, per_bar=3, seed=seed).astype(float)
    y = (0.5 * y / np.max(np.abs(y))).astype(np.float32)
    return extract([y], SR, len(y)), ref


def _near(pos: np.ndarray, ref: np.ndarray, tol: float = 0.03) -> float:
    """Share of beats (hops at FPS) within *tol* seconds of a true beat."""
    from syncsheet.analysis.features import FPS

    return float(np.mean([np.min(np.abs(p / FPS - ref)) < tol for p in pos]))


def test_compound_meter_tracked_at_two_eighths_is_retracked_at_the_dotted_quarter():
    from syncsheet.analysis.beat_level import compound_level
    from syncsheet.analysis.beats import beat_activation, track_beats

    f, ref = _compound_features("6/8")
    act = beat_activation(f.flux, notes=f.onset)
    quarter = track_beats(act, 130, 170)  # the level a tracker often takes in 6/8: two eighths
    assert abs(np.median(np.diff(quarter)) - 80) <= 2
    fixed = compound_level(quarter, act, f.onset, f.fine, f.fine_hz)
    assert abs(np.median(np.diff(fixed)) - 120) <= 2  # the dotted quarter
    assert _near(fixed, ref) > 0.9  # on the eighth with the bass note, not one of the other two
    assert len(fixed) >= 0.9 * len(ref)


def test_compound_level_honours_the_bpm_range():
    from syncsheet.analysis.beat_level import compound_level
    from syncsheet.analysis.beats import beat_activation, track_beats

    f, _ = _compound_features("6/8")
    act = beat_activation(f.flux, notes=f.onset)
    quarter = track_beats(act, 130, 170)
    # the user asked for 130-170 BPM: the dotted quarter (100 BPM) is not an answer
    assert np.array_equal(compound_level(quarter, act, f.onset, f.fine, f.fine_hz, 130, 170), quarter)


@pytest.mark.parametrize("meter", ["swung 4/4", "3/4"])
def test_simple_meter_tracked_right_is_left_alone(meter):
    from syncsheet.analysis.beat_level import compound_level
    from syncsheet.analysis.beats import beat_activation, track_beats

    f, ref = _compound_features(meter)
    act = beat_activation(f.flux, notes=f.onset)
    pos = track_beats(act, 60, 140)  # the quarter note (these loops' eighths are as busy)
    assert _near(pos, ref) > 0.9
    assert np.array_equal(compound_level(pos, act, f.onset, f.fine, f.fine_hz), pos)


def _pulse_activation(period: int, n: int) -> np.ndarray:
    """A beat activation with a peak every *period* hops (at FPS) over *n* hops."""
    act = np.full(n, 0.5, np.float32)
    act[::period] = 3.0
    return act


def test_beats_in_the_users_range_are_left_alone():
    from syncsheet.analysis.beat_level import fold_to_range

    chroma, fine, fine_hz = _bass_and_chords()
    pos = np.arange(60) * 100.0  # 120 BPM
    assert np.array_equal(fold_to_range(pos, _pulse_activation(100, 6400), chroma, fine, fine_hz, 100, 140), pos)


def test_beats_at_twice_the_users_tempo_keep_every_other_one_on_the_bass():
    from syncsheet.analysis.beat_level import fold_to_range

    # bass notes every 100 hops (120 BPM); the tracker counted eighths at 240 BPM, starting on an
    # eighth between two bass notes: the folded beats are the ones on the bass, not the others
    chroma, fine, fine_hz = _bass_and_chords()
    eighths = np.arange(120) * 50.0 + 50.0
    folded = fold_to_range(eighths, _pulse_activation(50, 6400), chroma, fine, fine_hz, 90, 150)
    assert np.allclose(folded, eighths[1::2])
    assert np.allclose(folded % 100, 0)


def test_halving_keeps_the_beats_the_harmony_and_the_activation_mark_over_a_syncopated_bass():
    from syncsheet.analysis.beat_level import fold_to_range

    # the bass notes come half a beat late (a syncopated line); the chords change and the beat
    # activation peaks on the beat: two of the three cues, and the stronger, keep the beat
    chroma, fine, fine_hz = _bass_and_chords(bass_off=True)
    eighths = np.arange(120) * 50.0 + 50.0
    folded = fold_to_range(eighths, _pulse_activation(100, 6400), chroma, fine, fine_hz, 90, 150)
    assert len(folded) == 60 and np.allclose(folded % 100, 0)


def test_beats_at_half_the_users_tempo_get_one_between_each_pair():
    from syncsheet.analysis.beat_level import fold_to_range

    chroma, fine, fine_hz = _bass_and_chords()
    halves = np.arange(30) * 200.0  # 60 BPM tracked; the user says 100-140
    folded = fold_to_range(halves, _pulse_activation(100, 6400), chroma, fine, fine_hz, 100, 140)
    assert np.allclose(folded, np.arange(59) * 100.0)


def test_a_range_no_level_reaches_is_decoded_within():
    from syncsheet.analysis.beat_level import fold_to_range

    # a 120 BPM pulse; 95-105 BPM is no multiple or simple ratio of it: the range rules
    chroma, fine, fine_hz = _bass_and_chords()
    pos = np.arange(60) * 100.0
    folded = fold_to_range(pos, _pulse_activation(100, 6400), chroma, fine, fine_hz, 95, 105)
    bpm = 60 * 200 / np.median(np.diff(folded))
    assert 95 * 0.98 <= bpm <= 105 * 1.02


def test_a_short_clip_out_of_the_range_is_decoded_within_it():
    from syncsheet.analysis.beat_level import fold_to_range

    # six beats are too few to choose a level from: the range is decoded instead
    chroma, fine, fine_hz = _bass_and_chords(beats=8)
    pos = np.arange(6) * 100.0  # 120 BPM
    folded = fold_to_range(pos, _pulse_activation(100, 800), chroma, fine, fine_hz, 50, 70)
    assert len(folded) >= 2
    bpm = 60 * 200 / np.median(np.diff(folded))
    assert 50 * 0.98 <= bpm <= 70 * 1.02


def test_shift_half_beat_puts_each_beat_between_its_neighbours():
    steady = np.arange(10) * 100.0
    assert np.allclose(shift_half_beat(steady), steady + 50)
    # through a tempo step, a beat moves by half of its own side's period, never past the next beat
    step = np.concatenate([np.arange(6) * 100.0, 500 + np.arange(1, 7) * 60.0])
    moved = shift_half_beat(step)
    assert np.all(np.diff(moved) > 0) and np.all(moved[:-1] < step[1:]) and np.all(moved > step)
    assert np.allclose(moved[:4], step[:4] + 50) and np.allclose(moved[-4:], step[-4:] + 30)
    for few in (np.zeros(0), np.array([42.0])):  # no period to move by
        assert np.array_equal(shift_half_beat(few), few)
