"""Onsets: every note start, soft ones included, and nothing from tremolo or vibrato in between."""

import numpy as np
import pytest

from syncsheet.analysis import analyze_samples, onset_judge
from syncsheet.analysis import onsets as onsetmod
from syncsheet.analysis.features import FPS

SR = 22050
TOL = 0.025  # s: well inside the ±50 ms of the usual onset score, and under a frame at 24 fps


def _note(hz: float, seconds: float, gain: float, *, attack: float = 0.01, vibrato: float = 0.0,
          tremolo_db: float = 0.0, rate: float = 5.5, phase: float = 0.0) -> np.ndarray:
    """A bowed-string-like note: six harmonics, a short attack, optional vibrato (cents) and
    tremolo (± dB) at *rate* Hz, a 30 ms release."""
    n = int(seconds * SR)
    t = np.arange(n) / SR
    inst = hz * 2.0 ** (vibrato / 1200 * np.sin(2 * np.pi * rate * t + phase))
    ph = 2 * np.pi * np.cumsum(inst) / SR
    x = sum(np.sin(k * ph) / k for k in range(1, 7))
    env = np.minimum(1.0, t / attack) * np.minimum(1.0, (seconds - t) / 0.03)
    env *= 10.0 ** (tremolo_db / 20 * np.sin(2 * np.pi * 1.1 * rate * t + 2 * phase))
    return gain * env * x


def _add(y: np.ndarray, at: float, x: np.ndarray) -> None:
    i = int(round(at * SR))
    y[i : i + len(x)] += x[: len(y) - i]


def _onsets(y: np.ndarray) -> np.ndarray:
    return np.array([o.time for o in analyze_samples(y, SR).onsets])


def _found(est: np.ndarray, ref: np.ndarray) -> np.ndarray:
    return np.array([len(est) > 0 and np.min(np.abs(est - r)) <= TOL for r in ref])


class _PickerOnly:
    """A stand-in judge that keeps exactly the regular picker's onsets (its first column)."""

    def probability(self, x: np.ndarray, progress=None) -> np.ndarray:
        return x[:, 0].astype(float)


@pytest.fixture(scope="module")
def rng():
    return np.random.default_rng(7)


def test_soft_notes_under_a_loud_held_chord_are_found(rng):
    y = np.zeros(int(6.0 * SR))
    for hz in (130.8, 164.8, 196.0):  # a loud chord held throughout
        _add(y, 0.3, _note(hz, 5.6, 0.12))
    soft = np.sort(rng.uniform(1.0, 5.4, 6))
    soft = soft[np.concatenate([[True], np.diff(soft) > 0.3])]
    for t in soft:  # each about 30 dB under the chord, at pitches the chord does not hold
        _add(y, t, _note(rng.choice([587.3, 698.5, 880.0, 1046.5]), 0.25, 0.004))
    est = _onsets(y)
    assert _found(est, np.append(0.3, soft)).all()
    assert len(est) <= len(soft) + 2


def test_a_note_a_semitone_from_a_held_note_is_found():
    y = np.zeros(int(3.0 * SR))
    _add(y, 0.2, _note(440.0, 2.6, 0.15))
    _add(y, 1.5, _note(466.2, 1.0, 0.1))  # B flat against the held A
    est = _onsets(y)
    assert _found(est, np.array([0.2, 1.5])).all()


def test_tremolo_on_held_notes_gives_no_onsets():
    y = np.zeros(int(5.0 * SR))
    for k, hz in enumerate((196.0, 293.7, 440.0)):  # three held strings, each swelling in its own time
        _add(y, 0.3, _note(hz, 4.4, 0.1, attack=0.04, tremolo_db=2.0, rate=5.0 + 0.4 * k, phase=1.3 * k))
    est = _onsets(y)
    assert _found(est, np.array([0.3])).all()
    assert len(est) <= 2  # the entry (its slow attack may read twice), never the swells


def test_held_notes_with_vibrato_do_not_hide_a_melody():
    y = np.zeros(int(6.0 * SR))
    for k, hz in enumerate((196.0, 293.7, 440.0)):
        _add(y, 0.3, _note(hz, 5.4, 0.1, attack=0.04, vibrato=30.0, tremolo_db=2.0, rate=5.0 + 0.4 * k,
                           phase=1.3 * k))
    melody = np.arange(1.0, 5.5, 0.5)
    for i, t in enumerate(melody):  # plucked notes 6 dB under the strings
        _add(y, t, _note((523.3, 587.3, 659.3, 784.0)[i % 4], 0.3, 0.05, attack=0.003))
    assert _found(_onsets(y), melody).all()


def test_quiet_passage_after_a_loud_one_keeps_its_notes():
    y = np.zeros(int(8.0 * SR))
    loud = np.arange(0.25, 3.9, 0.25)
    quiet = np.arange(4.25, 7.6, 0.5)
    for i, t in enumerate(loud):
        _add(y, t, _note((220.0, 261.6, 329.6)[i % 3], 0.2, 0.3, attack=0.003))
    for i, t in enumerate(quiet):  # 30 dB softer
        _add(y, t, _note((293.7, 349.2)[i % 2], 0.4, 0.01, attack=0.003))
    est = _onsets(y)
    assert _found(est, quiet).mean() == 1.0
    assert _found(est, loud).mean() > 0.9


def test_pick_onsets_ignores_rises_under_the_floor_and_refines_times():
    act = np.full(400, 0.05)
    act[100], act[99], act[101] = 5.0, 2.0, 3.0  # a peak leaning right: refined after hop 100
    act[250] = 0.6  # clearly above its neighbours but too small a rise to be a note
    pos, strength = onsetmod.pick_onsets(act)
    assert len(pos) == 1 and 100.0 < pos[0] < 100.5
    assert 0.0 < strength[0] <= 1.0
    assert pos[0] / FPS == pytest.approx(0.5, abs=1 / FPS)


def _held_tone_cut_at_the_end(sr: int) -> np.ndarray:
    y = np.zeros(int(12.0 * sr))
    start = int(1.0 * sr)
    t = np.arange(len(y) - start) / sr
    y[start:] = 0.2 * sum(np.sin(2 * np.pi * 220.0 * k * t) / k for k in range(1, 5))
    return y


def test_the_onset_activation_carries_its_history_across_the_pass_blocks():
    from syncsheet.analysis import features as feat

    sr = 16000
    y = _held_tone_cut_at_the_end(sr)
    f = feat.extract([y[i : i + 5000].astype(np.float32) for i in range(0, len(y), 5000)], sr, len(y))
    assert len(f.onset) == f.n
    entry = int(1.0 * FPS)
    assert abs(int(np.argmax(f.onset)) - entry) <= 4  # a step from silence shows up to half a window early
    # the pass works in blocks of 1024 hops: a held tone must not rise again where a block starts
    held = f.onset[entry + 20 : f.n - 10]
    assert held.max() < 0.05 * f.onset.max()


def test_a_held_tone_has_one_onset_and_a_hard_cut_at_the_end_none():
    on = np.array([o.time for o in analyze_samples(_held_tone_cut_at_the_end(SR), SR).onsets])
    assert len(on) == 1 and abs(on[0] - 1.0) < TOL


def test_a_soft_peak_just_before_a_louder_one_stands_when_the_activation_falls_between():
    act = np.full(600, 0.05)
    act[99:102] = (2.0, 4.0, 2.0)  # a soft note ...
    act[107:110] = (6.0, 12.0, 6.0)  # ... and a loud one 40 ms later: two rises, a dip between
    act[300:309] = (4.0, 3.5, 3.0, 3.0, 3.0, 3.0, 3.0, 3.5, 10.0)  # one attack's ripple: no dip
    pos, _ = onsetmod.pick_onsets(act, pre_max=0.05, post_max=0.05)
    hops = np.round(pos).astype(int)
    assert list(hops[hops < 200]) == [100, 108]
    assert list(hops[hops >= 200]) == [308]
    # without the dip rule only the louder peak of each pair is kept
    pos, _ = onsetmod.pick_onsets(act, pre_max=0.05, post_max=0.05, dip=0.0)
    assert list(np.round(pos).astype(int)) == [108, 308]


def test_slow_attacks_are_timed_at_their_start(rng):
    # bowed-like notes: the level rises as t³ over 30 ms, so the activation's peak comes late
    y = np.zeros(int(6.0 * SR))
    starts = np.arange(0.5, 5.5, 0.5)
    rise = int(0.03 * SR)
    for t in starts:
        x = _note(rng.choice([196.0, 261.6, 329.6, 392.0]), 0.6, 0.1, attack=0.001)
        x[:rise] *= (np.arange(rise) / rise) ** 3
        x *= np.minimum(1.0, (0.6 - np.arange(len(x)) / SR) / 0.15)  # a slow release into the next note
        _add(y, t, x)
    est = _onsets(y)
    err = np.array([est[np.argmin(np.abs(est - t))] - t for t in starts])
    assert _found(est, starts).all() and len(est) == len(starts)
    assert abs(np.median(err)) < 0.008  # the peak alone is ~18 ms late


def test_time_attacks_moves_only_rises_wider_than_a_hop():
    # the width is measured from where the rise crosses the share, between hops: counted in whole
    # hops it flipped between 1 and 2 as the audio was delayed by a fraction of a hop
    act = np.full(700, 0.1)
    act[[99, 100]] = [1.0, 10.0]  # sharp and loud
    act[[199, 200]] = [0.05, 0.5]  # sharp and soft: its width, not its height, decides
    act[296:301] = [5.0, 6.0, 7.0, 8.0, 10.0]  # a slow rise of four hops
    act[380:401] = 6.0
    act[400] = 10.0  # a rise longer than SLOW_MAX
    act[[500, 503, 504, 505, 506]] = [9.0, 6.0, 7.0, 8.0, 10.0]  # slow, right after an onset
    pos = np.array([100.2, 200.0, 300.1, 400.0, 500.0, 506.0])
    out = onsetmod.time_attacks(act, pos)
    cap = round(onsetmod.SLOW_MAX * FPS)
    assert out[0] == pos[0] and out[1] == pos[1]
    cross = 295 + (0.4 * 10.0 - 0.1) / (5.0 - 0.1)  # where the rise passes 0.4 of its peak
    assert out[2] == pytest.approx(cross + 1)  # a hop after it, where whole hops put it on average
    assert out[3] == pytest.approx(400 - cap)
    assert pos[4] + 0.03 * FPS == pytest.approx(out[5])  # moved back, but not onto the onset before
    assert np.all(np.diff(out) > 0)


def test_audio_that_begins_on_sound_keeps_the_notes_of_its_first_second(rng):
    # an excerpt cut into a held chord: its first hops are the whole spectrum rising from the
    # silence assumed before the audio, far above any note, and must not set the threshold
    y = np.zeros(int(4.0 * SR))
    for hz in (130.8, 164.8, 196.0, 261.6):
        _add(y, 0.0, _note(hz, 4.0, 0.1, attack=0.0005))
    early = np.array([0.15, 0.3, 0.45, 0.6]) + rng.uniform(0, 0.02, 4)
    for t in early:  # soft notes at pitches the chord does not hold
        _add(y, t, _note(rng.choice([587.3, 698.5, 880.0]), 0.12, 0.01))
    est = _onsets(y)
    assert _found(est, early).all()


def test_pick_onsets_does_not_let_the_cut_at_the_start_set_the_threshold():
    act = np.full(600, 0.3)
    act[:2] = 400.0  # audio beginning on sound: everything rises from the silence before it
    act[[40, 65, 90]] = 4.0  # notes in the first half second
    act[400] = 4.0  # and one later, for comparison
    hops = set(np.round(onsetmod.pick_onsets(act)[0]).astype(int))
    assert {40, 65, 90, 400} <= hops
    without = set(np.round(onsetmod.pick_onsets(act, lead=0)[0]).astype(int))
    assert 400 in without and not {40, 65, 90} & without  # what the rule is for


def test_strong_attacks_keeps_peaks_made_of_strong_band_rises():
    from syncsheet.analysis.features import ONSET_SPAN

    act = np.full(300, 0.1)
    strong = np.zeros(300)
    act[98:101] = (2.0, 4.0, 6.0)  # a note: most of its rise from bands up by 6 dB or more
    strong[100] = 0.8 * act[101 - ONSET_SPAN : 101].sum()
    act[198:201] = (2.0, 4.0, 6.0)  # the same height made of many small rises (a held sound's wobble)
    strong[200] = 0.1 * act[201 - ONSET_SPAN : 201].sum()
    act[1] = 5.0  # a peak at the start: its span is cut by the start of the audio
    strong[1] = 0.5 * act[:2].sum()
    pos = np.array([1.0, 100.2, 199.9])
    keep = onsetmod.strong_attacks(act, strong, pos)
    assert list(keep) == [True, True, False]
    assert onsetmod.strong_attacks(act, strong, pos, share=0.05).all()
    assert onsetmod.strong_attacks(act, np.zeros(0), pos).all()  # features made without it
    assert onsetmod.strong_attacks(act, strong, np.zeros(0)).shape == (0,)


def test_the_strong_part_of_the_activation_is_a_part_and_carried_across_blocks(rng, monkeypatch):
    from syncsheet.analysis import features as feat

    y = np.zeros(int(3.0 * SR))
    for t in np.sort(rng.uniform(0.2, 2.6, 8)):
        _add(y, t, _note(rng.choice([220.0, 330.0, 440.0, 587.3]), 0.3, 0.1, attack=0.003))
    whole = feat.extract([y.astype(np.float32)], SR, len(y))
    assert len(whole.onset_strong) == whole.n
    monkeypatch.setattr(feat, "_CHUNK_FRAMES", 7)  # the pass in blocks of 7 hops: the same sums
    parts = feat.extract([y.astype(np.float32)], SR, len(y))
    np.testing.assert_allclose(parts.onset_strong, whole.onset_strong, rtol=1e-5, atol=1e-5)
    span = feat.ONSET_SPAN
    summed = np.convolve(whole.onset, np.ones(span))[: whole.n]  # the rise over the last span hops
    assert np.all(whole.onset_strong <= summed * (1 + 1e-5) + 1e-4)
    # a plucked note over silence rises by tens of dB in its partials: nearly all of it is strong
    peaks = np.flatnonzero(whole.onset > 0.5 * whole.onset.max())
    assert np.all(whole.onset_strong[peaks] > 0.8 * summed[peaks])


def _band_noise(n: int, lo: float, hi: float, rng) -> np.ndarray:
    """Unit-RMS noise between *lo* and *hi* Hz."""
    spec = np.fft.rfft(rng.standard_normal(n))
    hz = np.fft.rfftfreq(n, 1 / SR)
    spec[(hz < lo) | (hz > hi)] = 0
    x = np.fft.irfft(spec, n)
    return x / np.std(x)


def _chords_and_ticks(tick_gain: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Loud plucked chords (partials under 4.5 kHz) every 0.25 s over a faint fizz above 5 kHz, and
    a soft hi-hat tick (noise above 6.5 kHz, 15 ms decay) halfway between them."""
    rng = np.random.default_rng(11)
    y = np.zeros(int(4.0 * SR))
    chords = np.arange(0.5, 3.6, 0.25)
    t = np.arange(int(0.25 * SR)) / SR
    for i, at in enumerate(chords):
        for hz in ((98.0, 147.0, 196.0), (110.0, 165.0, 220.0), (123.5, 185.0, 246.9))[i % 3]:
            x = sum(np.sin(2 * np.pi * k * hz * t) / k for k in range(1, 30) if k * hz < 4500)
            _add(y, at, 0.1 * np.minimum(1.0, t / 0.003) * np.minimum(1.0, (0.25 - t) / 0.03) * np.exp(-t / 0.15) * x)
    _add(y, 0.4, 0.001 * _band_noise(len(y) - int(0.4 * SR), 5000.0, 10000.0, rng))
    ticks = chords[:-1] + 0.125
    tt = np.arange(int(0.06 * SR)) / SR
    for at in ticks:
        _add(y, at, tick_gain * np.exp(-tt / 0.015) * _band_noise(len(tt), 6500.0, 10000.0, rng))
    return y, chords, ticks


def test_soft_hi_hat_ticks_between_loud_chords_are_found(monkeypatch):
    y, chords, ticks = _chords_and_ticks(0.002)
    onsets = analyze_samples(y, SR).onsets
    est = np.array([o.time for o in onsets])
    assert _found(est, chords).all() and _found(est, ticks).all()
    strength = np.array([o.strength for o in onsets])
    is_tick = np.array([np.abs(ticks - e).min() <= TOL for e in est])
    is_chord = np.array([np.abs(chords - e).min() <= TOL for e in est])
    assert strength[is_tick].max() < strength[is_chord].min()  # a soft tick is a weak accent
    others = [e for e in est if min(np.abs(chords - e).min(), np.abs(ticks - e).min()) > TOL]
    assert len(others) <= 1  # the fizz's own entry at 0.4 s at most; its wobble gives none
    # what the rule is for: in the whole activation the chords set the level and the ticks drown
    # (the picker alone: a judge that keeps just its picks)
    monkeypatch.setitem(onsetmod.high_attacks.__kwdefaults__, "floor", np.inf)
    monkeypatch.setattr(onset_judge, "load", lambda: _PickerOnly())
    assert _found(_onsets(y), ticks).mean() < 0.5


def test_high_attacks_adds_only_peaks_away_from_the_onsets_already_picked():
    high = np.zeros(800)
    high[[100, 300, 500]] = 3.0  # three ticks in the top bands
    high[650] = 0.5 * onsetmod.HIGH_FLOOR  # too small to be one
    act = np.full(800, 2.0) + high  # the whole activation: a held sound's level, the ticks on it
    act[500] += 8.0  # the third tick comes with more in the bands below
    picked = np.array([102.0, 700.0])  # an onset of the whole activation 10 ms after the first
    pos, strength = onsetmod.high_attacks(high, act, picked)
    assert list(np.round(pos).astype(int)) == [300, 500]
    assert np.all((strength > 0) & (strength <= 1)) and strength[1] > strength[0]  # the whole's scale
    assert len(onsetmod.high_attacks(high, act, picked, apart=0.005)[0]) == 3
    assert len(onsetmod.high_attacks(high, act, np.zeros(0))[0]) == 3
    empty = onsetmod.high_attacks(np.zeros(0), np.zeros(0), picked)  # features made without it
    assert len(empty[0]) == len(empty[1]) == 0


def test_the_high_part_of_the_activation_is_a_part_and_empty_without_high_bands(monkeypatch):
    from syncsheet.analysis import features as feat

    y, _, ticks = _chords_and_ticks(0.01)
    whole = feat.extract([y.astype(np.float32)], SR, len(y))
    assert len(whole.onset_high) == whole.n
    assert np.all(whole.onset_high <= whole.onset * (1 + 1e-5) + 1e-5)
    at = np.round(ticks * FPS).astype(int)
    rise = np.array([whole.onset_high[i - 1 : i + 4].max() for i in at])
    assert np.all(rise > 0.8 * np.array([whole.onset[i - 1 : i + 4].max() for i in at]))  # a tick is all high
    monkeypatch.setattr(feat, "_CHUNK_FRAMES", 7)
    parts = feat.extract([y.astype(np.float32)], SR, len(y))
    np.testing.assert_allclose(parts.onset_high, whole.onset_high, rtol=1e-5, atol=1e-5)
    low_rate = feat.extract([y[::2].astype(np.float32)], SR // 2, len(y) // 2)  # nothing above 5 kHz
    assert low_rate.n and not low_rate.onset_high.any()


def test_a_slow_attack_is_timed_the_same_wherever_the_hops_fall():
    # the same rise sampled with the hops shifted by fractions of a hop: counted in whole hops its
    # width flipped between one and two, and its onset jumped two hops (10 ms)
    def rise(t: np.ndarray) -> np.ndarray:  # a bowed note's activation: 2.2 hops of rise to its peak
        return np.where(t < 0, 0.1, np.where(t < 2.2, 0.1 + 4.5 * t, np.maximum(0.1, 10.0 - 3.0 * (t - 2.2))))

    got = []
    for phase in np.linspace(0.0, 0.9, 10):
        t = np.arange(100) - 40.0 + phase  # the rise starts at hop 40 - phase
        act = rise(t)
        k = int(np.argmax(act))
        a, b, c = act[k - 1 : k + 2]
        pos = k + 0.5 * (a - c) / (a - 2 * b + c)
        got.append(onsetmod.time_attacks(act, np.array([pos]))[0] - (40.0 - phase))
    assert np.ptp(got) < 0.6  # hops


@pytest.mark.parametrize("delay_ms", [1.25, 2.5, 3.75])
def test_onsets_follow_the_music_below_the_hop(rng, delay_ms):
    # the same notes, sharp and slow, delayed by a fraction of the 5 ms hop: every onset moves by
    # that much (counted in whole hops, a slow attack's width flipped and its onset jumped 10 ms)
    y = np.zeros(int(6.0 * SR))
    starts = np.sort(rng.uniform(0.3, 5.5, 14))
    starts = starts[np.diff(starts, prepend=0.0) > 0.15]
    for i, t in enumerate(starts):
        _add(y, t, _note(rng.choice([220.0, 277.2, 329.6, 440.0]), 0.3, 0.15, attack=0.002 if i % 2 else 0.03))
    k = int(round(delay_ms / 1000 * SR))
    a = np.array([o.time for o in analyze_samples(y.astype(np.float32), SR).onsets])
    b = np.array([o.time for o in analyze_samples(np.concatenate([np.zeros(k), y]).astype(np.float32), SR).onsets])
    moved = np.array([b[np.argmin(np.abs(b - t))] - t - k / SR for t in a])
    same = np.abs(moved) < 0.02  # the same onset (a marginal one may come or go: that is the picker's)
    assert same.sum() >= len(starts) - 2
    # a sharp attack out of silence is timed from the hop energy, whose share after the attack
    # varies with where the hops cut the notes' 2-5 ms waveform periods: under half a hop
    assert np.abs(moved[same]).max() < 0.0025
    # ... and where it sounds, not 15 ms early as the onset activation sees it (a sharp note out of
    # silence: the note before it, 0.3 s long, has ended)
    alone = [t for i, t in enumerate(starts) if i % 2 and (i == 0 or t - starts[i - 1] > 0.32)]
    assert alone and np.all([np.min(np.abs(b - k / SR - t)) < 0.003 for t in alone])


@pytest.mark.parametrize("noise", [0.0, 3e-4])
def test_a_metronome_click_is_timed_where_it_sounds(noise):
    # a DAW's click: a 1 kHz blip with an instant attack, in digital silence or over a faint hiss.
    # The onset activation's window reaches it 15-17 ms early; its onsets and beats must not be
    sr = 44100
    t = np.arange(int(0.03 * sr)) / sr
    blip = 0.4 * np.sin(2 * np.pi * 1000 * t) * np.exp(-t / 0.006)
    truth = 1.0 + 0.5 * np.arange(40)
    y = noise * np.random.default_rng(4).standard_normal(int(22.0 * sr))
    for s in truth:
        i = int(round(s * sr))
        y[i : i + len(blip)] += blip
    a = analyze_samples(y.astype(np.float32), sr)
    for got in ([o.time for o in a.onsets], [b.time for b in a.beats]):
        err = np.array([np.min(np.abs(np.array(got) - s)) for s in truth[1:-1]])
        assert np.all(err < 0.003)
