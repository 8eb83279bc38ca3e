"""Beat-level corrections on synthetic activations."""

import numpy as np
import pytest

from syncsheet.analysis.beats import swing_phase

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
