"""The bar model on downbeat scores with known bar lines (seeded noise)."""

import numpy as np
import pytest

from syncsheet.analysis.features import CHROMA_DECIM, FINE_DECIM
from syncsheet.analysis.meter import (
    METERS,
    anchor_bars,
    assign_bars,
    bar_doubling,
    bar_repetition,
    chord_change,
    chord_posterior,
    downbeat_features,
)


def _scores(lengths: list[int], seed: int, weak: dict[int, float] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Downbeat scores: 2 on bar lines, 0 elsewhere, plus noise; *weak* scales chosen bar lines."""
    rng = np.random.default_rng(seed)
    first = np.cumsum([0] + lengths)[:-1]
    d = rng.normal(0.0, 0.4, sum(lengths))
    d[first] += 2.0
    for bar, w in (weak or {}).items():
        d[first[bar]] -= 2.0 * (1.0 - w)
    return d, first


@pytest.mark.parametrize("seed", range(4))
def test_a_single_bar_of_three_between_bars_of_four_is_not_a_bar_of_seven(seed):
    # the bar line after the bar of 3 is only half as clear as the others (as where the tempo
    # also changes): a one-off 3+4 must still not become one bar of 7
    d, first = _scores([4] * 6 + [3] + [4] * 8, seed, weak={7: 0.5})
    _, beat = assign_bars(d)
    assert beat.max() == 4
    assert np.array_equal(np.flatnonzero(beat == 1), first)


@pytest.mark.parametrize("seed", range(4))
def test_a_section_of_seven_that_repeats_is_still_found(seed):
    d, first = _scores([4] * 8 + [7] * 3 + [4] * 8, seed)
    _, beat = assign_bars(d)
    assert beat.max() == 7
    assert np.array_equal(np.flatnonzero(beat == 1), first)


def test_the_bars_count_on_through_a_stops_left_out_beats():
    # beats left out in a stop: the count goes on through them where the grid through the stop
    # kept its period; after the stop the music's evidence here says nothing (a soft restart)
    d, first = _scores([4] * 10, seed=3)
    level = 0.5 * (d[first].mean() + np.delete(d, first).mean())
    d[22:] = level  # no evidence after the stop
    kept = np.delete(np.arange(40), [20, 21, 22, 23, 24])  # bar 6 and the next bar's first beat
    skips = np.zeros(35, int)
    skips[20] = 5
    bars, beat = assign_bars(d[kept], skips=skips)
    assert list(beat) == [k % 4 + 1 for k in kept]
    assert list(bars) == [k // 4 + 1 for k in kept]  # bars 6 and 7 start in the stop


def test_after_a_stop_whose_grid_is_no_count_the_music_starts_on_any_beat():
    # a cue of bars of 4, a stop, then music in bars of 3 that starts on its second beat: the
    # count over the stop (-1) says nothing, and three bars are too few to pay for a change of meter
    d_a, _ = _scores([4] * 8, seed=5)
    d_b, first_b = _scores([3] * 4, seed=6)
    d = np.concatenate([d_a, d_b[1:]])
    skips = np.zeros(len(d), int)
    skips[len(d_a)] = -1
    bars, beat = assign_bars(d, skips=skips)
    assert list(beat[len(d_a):]) == [k % 3 + 1 for k in range(1, 12)]
    assert bars[len(d_a)] == bars[len(d_a) - 1] + 1  # the pickup after the stop is a bar of its own


@pytest.mark.parametrize("meter", [2, 3, 4, 5, 6, 7])
def test_each_meter_and_its_phase_are_found_after_a_pickup(meter):
    # the excerpt starts one beat into a bar: its first beats are a pickup
    d, first = _scores([meter] * 12, seed=meter)
    bars, beat = assign_bars(d[1:])
    assert np.array_equal(np.flatnonzero(beat == 1), first[1:] - 1)
    assert beat.max() == meter and bars[0] == 1


@pytest.mark.parametrize("meter", [2, 3, 4, 5, 6, 7])
def test_a_forced_meter_keeps_every_bar_that_long(meter):
    d, _ = _scores([4] * 14, seed=10 + meter)  # evidence for 4 whatever is forced
    bars, beat = assign_bars(d, meter)
    assert beat.max() <= meter
    # beats count 1, 2, ... within each bar; only the pickup and the last bar may be short
    assert np.all((np.diff(beat) == 1) | (beat[1:] == 1))
    complete = np.bincount(bars)[2:-1]
    assert np.all(complete == meter)


@pytest.mark.parametrize("seed", range(3))
def test_a_lasting_change_from_four_to_three_is_followed(seed):
    d, first = _scores([4] * 8 + [3] * 10, seed)
    _, beat = assign_bars(d)
    assert np.array_equal(np.flatnonzero(beat == 1), first)


FINE_HZ = np.geomspace(60.0, 10000.0, 48)


def _features(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Random but plausible per-hop feature arrays (flux, chroma, bands, fine) of *n* hops."""
    rng = np.random.default_rng(seed)
    flux = rng.gamma(1.0, 1.0, (n, 3)).astype(np.float32)
    chroma = rng.random((n // CHROMA_DECIM, 12)).astype(np.float16)
    bands = rng.random((n, 14)).astype(np.float16)
    fine = rng.integers(0, 120, (n // FINE_DECIM, len(FINE_HZ)), dtype=np.uint8)
    return flux, chroma, bands, fine


def _wrong_grids(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Beat grids a beat tracker can hand over when it is wrong (positions in hops)."""
    good = np.arange(40.0, n - 40.0, 100.0)
    return {
        "half tempo": good[::2],
        "double tempo": np.sort(np.concatenate([good, good[:-1] + 50.0])),
        "off-beat": good + 50.0,
        "jittered": np.sort(good + rng.normal(0.0, 20.0, len(good))),
        "irregular": np.sort(rng.uniform(0.0, n, 30)),
        "past the end": np.concatenate([good, n + 100.0 * np.arange(1, 6)]),
        "before the start": good - 500.0,
        "repeated": np.repeat(good, 2),
        "three": good[:3],
        "two": good[:2],
        "one": good[:1],
        "none": good[:0],
    }


@pytest.mark.parametrize("meter", [None, 2, 3, 4, 5, 6, 7])
def test_wrong_beats_still_give_consistent_bars(meter):
    rng = np.random.default_rng(7)
    n = 4000
    flux, chroma, bands, fine = _features(n, seed=3)
    for name, grid in _wrong_grids(n, rng).items():
        d = downbeat_features(grid, flux, chroma, bands, fine=fine, fine_hz=FINE_HZ)
        assert d.shape == grid.shape and np.all(np.isfinite(d)), name
        rep = bar_repetition(grid, flux, chroma, bands)
        assert set(rep) == set(METERS) and all(np.isfinite(v) for v in rep.values()), name
        bars, beat = assign_bars(d, meter, rep)
        assert len(bars) == len(beat) == len(grid), name
        if not len(grid):
            continue
        assert beat.min() >= 1 and beat.max() <= (meter or max(METERS)), name
        assert bars[0] == 1 and np.all(np.diff(bars) >= 0), name
        assert np.array_equal(np.diff(bars) == 1, beat[1:] == 1), name  # a new bar exactly at each beat 1


def test_silence_gives_bars_without_errors():
    n = 2000
    grid = np.arange(50.0, n - 50.0, 100.0)
    z = np.zeros((n, 3), np.float32)
    chroma, bands = np.zeros((n // CHROMA_DECIM, 12), np.float16), np.zeros((n, 14), np.float16)
    fine = np.zeros((n // FINE_DECIM, len(FINE_HZ)), np.uint8)
    d = downbeat_features(grid, z, chroma, bands, fine=fine, fine_hz=FINE_HZ)
    assert np.all(d == 0)
    bars, beat = assign_bars(d, None, bar_repetition(grid, z, chroma, bands))
    assert np.all((np.diff(beat) == 1) | (beat[1:] == 1)) and bars[0] == 1


def _patterned(meter: int, bars: int, seed: int, hop: int = 100):
    """Per-hop features whose every beat sounds like the same beat one bar earlier (plus noise) and
    unlike the other beats of its bar: a rhythm/harmony pattern that repeats each bar of *meter*."""
    rng = np.random.default_rng(seed)
    n_beats = meter * bars
    n = n_beats * hop + hop
    pattern = [(rng.gamma(1.0, 1.0, 3), rng.random(12), rng.random(14)) for _ in range(meter)]
    flux = np.zeros((n, 3), np.float32)
    chroma = np.zeros((n // CHROMA_DECIM, 12), np.float16)
    bands = np.zeros((n, 14), np.float16)
    for b in range(n_beats):
        f, c, k = pattern[b % meter]
        sl = slice(b * hop, (b + 1) * hop)
        flux[sl] = f + rng.normal(0.0, 0.1, (hop, 3))
        bands[sl] = k + rng.normal(0.0, 0.1, (hop, 14))
        chroma[b * hop // CHROMA_DECIM : (b + 1) * hop // CHROMA_DECIM] = c
    return np.arange(n_beats) * float(hop), flux, chroma, bands


@pytest.mark.parametrize("meter", [3, 4, 5, 6, 7])
def test_repetition_points_at_the_bar_length(meter):
    beats, flux, chroma, bands = _patterned(meter, bars=12, seed=meter)
    rep = bar_repetition(beats, flux, chroma, bands)
    assert max(rep, key=rep.get) == meter
    assert rep[meter] > 0.2


def test_repetition_is_silent_on_too_few_beats():
    beats, flux, chroma, bands = _patterned(4, bars=3, seed=1)
    assert set(bar_repetition(beats, flux, chroma, bands).values()) == {0.0}


@pytest.mark.parametrize("meter", [3, 4, 5])
def test_a_bass_that_changes_note_at_bar_lines_places_them(meter):
    # nothing but the bass note marks the bars: every beat has the same level and onsets, and the
    # bass steps to a new note (a different band of the fine spectrum) at each bar line
    rng = np.random.default_rng(meter)
    hop, bars = 100, 12
    n_beats = meter * bars + 2  # a pickup of two beats
    n = n_beats * hop + hop
    flux = np.ones((n, 3), np.float32) + rng.normal(0.0, 0.01, (n, 3)).astype(np.float32)
    chroma = np.ones((n // CHROMA_DECIM, 12), np.float16)
    bands = np.ones((n, 14), np.float16)
    fine = np.full((n // FINE_DECIM, len(FINE_HZ)), 20, np.uint8)
    bass = np.flatnonzero((FINE_HZ > 50) & (FINE_HZ < 400))
    beats = np.arange(n_beats) * float(hop)
    first = np.arange(2, n_beats, meter)
    for j, b in enumerate(first):
        rows = slice(int(beats[b]) // FINE_DECIM, int(beats[b] + meter * hop) // FINE_DECIM)
        fine[rows, bass[(3 * j) % len(bass)]] = 200
    fine[: int(beats[2]) // FINE_DECIM, bass[-1]] = 200
    d = downbeat_features(beats, flux, chroma, bands, fine=fine, fine_hz=FINE_HZ)
    _, beat = assign_bars(d, meter)
    assert np.array_equal(np.flatnonzero(beat == 1), first)


@pytest.mark.parametrize("off_beat", [1 / 2, 2 / 3])
def test_a_loud_pickup_into_the_bar_line_is_not_taken_for_it(off_beat):
    # a boogie/swing bass: the root on beat 1, held; the loudest bass note on the last beat with an
    # off-beat note (straight or swung) leading into the next bar line, which is the only cue
    rng = np.random.default_rng(int(off_beat * 6))
    hop, meter, bars = 90, 4, 12
    n_beats = meter * bars + 1  # a pickup of one beat
    n = n_beats * hop + hop
    flux = (0.05 + rng.random((n, 3)) * 0.01).astype(np.float32)
    beats = np.arange(n_beats) * float(hop)
    first = np.arange(1, n_beats, meter)
    for b in range(n_beats):
        h = int(beats[b])
        k = (b - 1) % meter
        flux[h, 0] = {0: 2.0, meter - 1: 3.0}.get(k, 0.5)
        if k == meter - 1:
            flux[h + int(round(off_beat * hop)), 0] = 3.0
    chroma = np.ones((n // CHROMA_DECIM, 12), np.float16)
    bands = np.ones((n, 14), np.float16)
    fine = np.full((n // FINE_DECIM, len(FINE_HZ)), 20, np.uint8)
    d = downbeat_features(beats, flux, chroma, bands, fine=fine, fine_hz=FINE_HZ)
    _, beat = assign_bars(d, meter)
    assert np.array_equal(np.flatnonzero(beat == 1), first)


@pytest.mark.parametrize(("meter", "doubled"), [(2, 4), (4, 4), (3, 6), (6, 6)])
def test_doubling_tells_a_whole_bar_from_two_alike_halves(meter, doubled):
    beats, flux, chroma, bands = _patterned(meter, bars=48 // meter, seed=meter)
    dbl = bar_doubling(beats, flux, chroma, bands)
    assert set(dbl) == {4, 6}
    if meter == doubled:  # the pattern lasts the whole bar: it repeats there, not at half of it
        assert dbl[doubled] > 0.2
    else:  # every half of the longer bar is alike
        assert abs(dbl[doubled]) < 0.05


def _two_beat_bars(seed: int, lift: float) -> np.ndarray:
    """Weak accents on every other beat (classical strings: bars of 2 alike), every other bar line
    lifted by *lift*: the common-practice prior alone tends to read these as bars of 4."""
    rng = np.random.default_rng(seed)
    d = rng.normal(0.0, 0.5, 48)
    d[0::2] += 0.5
    d[0::4] += lift
    return d


def test_alike_bars_of_two_are_not_read_as_bars_of_four():
    seeds = range(24)
    prior_only = [assign_bars(_two_beat_bars(s, 0.1))[1].max() for s in seeds]
    alike = [assign_bars(_two_beat_bars(s, 0.1), None, None, {4: 0.0, 6: 0.0})[1].max() for s in seeds]
    assert prior_only.count(4) >= 6  # the case this is about does occur
    # the halving reads more of them as 2, most of them in all
    assert alike.count(2) > prior_only.count(2) and alike.count(2) > len(seeds) // 2
    # every reading of 2 without the evidence stays 2 with it
    assert all(b == 2 for a, b in zip(prior_only, alike, strict=True) if a == 2)


@pytest.mark.parametrize("seed", range(6))
def test_a_four_whose_whole_bar_repeats_or_whose_third_beat_is_lighter_stays_four(seed):
    rng = np.random.default_rng(seed)
    d = rng.normal(0.0, 0.3, 48)
    d[0::4] += 1.2
    d[2::4] += 0.4  # a half-strong third beat
    assert assign_bars(d, None, None, {4: 0.0, 6: 0.0})[1].max() == 4
    # bars of 2 alike in their accents but the music repeating only every four beats: still 4
    d2 = _two_beat_bars(seed, 0.1)
    assert np.array_equal(assign_bars(d2, None, None, {4: 0.3, 6: 0.0})[1], assign_bars(d2)[1])


def _triad(root: int, minor: bool = False) -> np.ndarray:
    c = np.zeros(12)
    c[[root, (root + (3 if minor else 4)) % 12, (root + 7) % 12]] = 1.0
    return c


def test_the_chord_posterior_names_each_triad_in_any_voicing():
    rng = np.random.default_rng(5)
    chords = np.array([_triad(r, m) for r in range(12) for m in (False, True)])
    # louder and softer chord tones, a little noise in every pitch class
    voiced = chords * rng.uniform(0.5, 1.5, chords.shape) + rng.uniform(0.0, 0.1, chords.shape)
    post = chord_posterior(voiced)
    assert np.allclose(post.sum(axis=1), 1.0)
    assert np.array_equal(post.argmax(axis=1), np.arange(24))  # templates are ordered root by root, major first
    assert np.allclose(chord_posterior(np.zeros((1, 12))), 1 / 24)  # silence: no chord preferred


def test_a_melody_note_over_a_held_chord_is_no_change_of_chord():
    held = np.array([_triad(root) for root in range(12)])
    for step in (2, 5, 9, 11):  # a passing note, as loud as the chord tones together
        melody = held.copy()
        melody[np.arange(12), (np.arange(12) + step) % 12] += 0.8
        # the raw chroma moves by a quarter of what a change to the relative minor moves it ...
        assert np.all(chord_change(held, melody) < 0.1)
    # ... while a change to a chord sharing two notes (C -> A minor) or one (C -> F, C -> G) counts
    for other in ((9, True), (5, False), (7, False)):
        changed = np.array([_triad((root + other[0]) % 12, other[1]) for root in range(12)])
        assert np.all(chord_change(held, changed) > 0.3)
    assert np.allclose(chord_change(held, held), 0.0, atol=1e-9)


@pytest.mark.parametrize("n_beats", [48, 96])
def test_long_meters_are_not_read_into_scores_without_accents(n_beats):
    # nothing marks the bar lines: the best of 7 phases stands out by chance more than the best
    # of 2, which must not make long meters the usual reading of noise
    meters = [assign_bars(np.random.default_rng(s).normal(0.0, 1.0, n_beats))[1].max() for s in range(60)]
    assert sum(m >= 5 for m in meters) < len(meters) / 3
    assert all(m in METERS for m in meters)


def _song(periods: np.ndarray, meter: int, seed: int):
    """Per-hop features of a song in bars of *meter* whose beats last *periods* hops: the same
    music (drawn beat by beat from *seed*, whatever the periods) played at another tempo curve.
    A bar line brings a new chord, a new bass note and a louder low band; the beat before it an
    off-beat bass pickup; every beat a bass onset; noise on everything."""
    rng = np.random.default_rng(seed)
    n_beats = len(periods)
    starts = np.concatenate([[0], np.cumsum(periods)]).astype(int)
    n = int(starts[-1]) + 100
    flux = np.full((n, 3), 0.05, np.float32)
    chroma = np.zeros((n // CHROMA_DECIM + 1, 12), np.float16)
    bands = np.full((n, 14), 0.2, np.float16)
    fine = np.full((n // FINE_DECIM + 1, len(FINE_HZ)), 20, np.uint8)
    bass = np.flatnonzero((FINE_HZ > 50) & (FINE_HZ < 400))
    roots = rng.integers(0, 12, n_beats // meter + 1)
    for b in range(n_beats):
        a, e, bar, k = starts[b], starts[b + 1], b // meter, b % meter
        level = rng.normal(1.0 if k == 0 else 0.6, 0.15)
        flux[a, 0] = 1.0 + rng.normal(0.0, 0.2)
        if k == meter - 1:
            flux[(a + e) // 2, 0] = 0.8
        bands[a:e, :4] = level * np.exp(-3.0 * np.arange(e - a) / (e - a))[:, None]  # a decay within the beat
        chroma[a // CHROMA_DECIM : e // CHROMA_DECIM] = _triad(int(roots[bar])) + rng.uniform(0.0, 0.3, 12)
        fine[a // FINE_DECIM : e // FINE_DECIM, bass[int(roots[bar]) % len(bass)]] = 200
    beats = starts[:-1].astype(float)
    return beats, flux, chroma, bands, fine


_TEMPO_CURVES = {  # the bench builder's tempo modifications, as a factor on the tempo per beat
    "ramp": lambda b: 0.85 + 0.30 * b / b[-1],
    "sine": lambda b: 1.0 + 0.15 * np.sin(2 * np.pi * b / 16.0 + 1.0),
    "steps": lambda b: np.array([0.85, 1.15, 1.0, 0.92, 1.08])[(b // 16).astype(int) % 5],
}


@pytest.mark.parametrize("curve", sorted(_TEMPO_CURVES))
@pytest.mark.parametrize("meter", [3, 4])
def test_a_tempo_change_moves_no_bar_line(curve, meter):
    # every cue and the repetition measures are taken per beat (spans between beats, the beat's
    # own fractions), never over a fixed number of hops: the same music at a changing tempo gives
    # the same bars
    n_beats = 64
    steady = _song(np.full(n_beats, 100.0), meter, seed=meter)
    varied = _song(np.round(100.0 / _TEMPO_CURVES[curve](np.arange(n_beats, dtype=float))), meter, seed=meter)
    found = []
    for beats, flux, chroma, bands, fine in (steady, varied):
        d = downbeat_features(beats, flux, chroma, bands, fine=fine, fine_hz=FINE_HZ)
        rep = bar_repetition(beats, flux, chroma, bands)
        dbl = bar_doubling(beats, flux, chroma, bands)
        found.append((d, rep, dbl, assign_bars(d, None, rep, dbl)[1]))
    (d0, rep0, dbl0, pos0), (d1, rep1, dbl1, pos1) = found
    assert np.array_equal(np.flatnonzero(pos0 == 1), np.arange(0, n_beats, meter))
    assert np.array_equal(pos1, pos0)
    assert np.max(np.abs(d1 - d0)) < 0.08 * np.std(d0)  # a window of a fixed number of hops: 0.12-0.17
    assert max(abs(rep0[m] - rep1[m]) for m in METERS) < 0.03
    assert max(abs(dbl0[m] - dbl1[m]) for m in dbl0) < 0.03


@pytest.mark.parametrize("seed", range(3))
def test_a_users_bar_start_moves_every_bar_of_its_passage(seed):
    # the evidence says bars of 4 from beat 0; the user says beat 5 starts a bar: every bar moves
    d, first = _scores([4] * 10, seed)
    bars, beat = assign_bars(d, starts=np.array([5]))
    assert np.array_equal(np.flatnonzero(beat == 1), np.arange(1, 40, 4)) and beat.max() == 4
    assert bars[0] == 1 and bars[1] == 2  # beat 0 is a pickup


def test_bar_starts_keep_other_passages_and_each_other():
    four = np.array([0, 1, 2, 3] * 4)
    assert list(anchor_bars(four, [1, 7])) == [3, 0, 1, 2, 3, 0, 1, 0, 1, 2, 3, 0, 1, 2, 3, 0]  # cut short before 7
    assert list(anchor_bars(four, [7, 1])) == list(anchor_bars(four, [1, 7]))  # order given does not matter
    # a passage of bars of 4, then one of 3: a start in the first moves only the first
    mixed = np.array([2, 3, 0, 1, 2, 3, 0, 1, 2, 0, 1, 2, 0, 1, 2])
    assert list(anchor_bars(mixed, [3])) == [1, 2, 3, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2]
    assert list(anchor_bars(four, [0])) == list(four) and list(anchor_bars(four, None)) == list(four)
    assert list(anchor_bars(np.array([0, 1, 2]), [1])) == [2, 0, 1]
    # two bars, the last cut short by the end of the audio: still one passage of 4
    assert list(anchor_bars(np.array([0, 1, 2, 3, 0, 1]), [5])) == [3, 0, 1, 2, 3, 0]


SR_CLICK = 44100


def _click_track(bpm: float, meter: int, kind: str, seconds: float = 24.0) -> tuple[np.ndarray, np.ndarray]:
    """A DAW's metronome: every beat a short blip (a 1 kHz tone or a wood block), the first of each
    bar higher and louder; nothing else, as a composer exports it to check a tempo."""
    t = np.arange(int(0.05 * SR_CLICK)) / SR_CLICK
    fade = np.minimum(1.0, (len(t) - np.arange(len(t))) / (0.2 * len(t)))

    def blip(accent: bool) -> np.ndarray:
        if kind == "kick":  # a 150 -> 50 Hz sweep, the accent 3.5 dB louder
            k = np.arange(int(0.25 * SR_CLICK)) / SR_CLICK
            x = np.sin(2 * np.pi * np.cumsum(50 + 100 * np.exp(-k / 0.03)) / SR_CLICK) * np.exp(-k / 0.08)
            return (0.6 if accent else 0.4) * x * np.minimum(1.0, (len(k) - np.arange(len(k))) / (0.25 * len(k)))
        hz = (1500.0 if accent else 1000.0) if kind == "tone" else (900.0 if accent else 700.0)
        x = np.sin(2 * np.pi * hz * t) + (0.5 * np.sin(2 * np.pi * 2500 * t) if kind == "wood" else 0)
        return (0.6 if accent else 0.4) * x * np.exp(-t / 0.008) * fade

    times = 0.5 + (60.0 / bpm) * np.arange(int((seconds - 1) * bpm / 60))
    y = np.zeros(int(seconds * SR_CLICK))
    for k, s in enumerate(times):
        b = blip(k % meter == 0)
        i = int(round(s * SR_CLICK))
        y[i : i + len(b)] += b
    return y.astype(np.float32), times


@pytest.mark.parametrize(("bpm", "meter", "kind"), [(120, 4, "tone"), (72, 4, "wood"), (160, 3, "tone"),
                                                    (100, 5, "wood"), (72, 3, "kick")])
def test_a_click_tracks_accent_starts_its_bars(bpm, meter, kind):
    # the music's evidence for bar lines (bass, harmony) is absent from a click track; read by it,
    # a 4/4 click's bars started a beat after the accent. The accent is the bar line. (The kick in
    # 3/4 at 72 BPM was in bars of 6: its beats fell 8-20 ms early in a cycle of 6, and every other
    # accent's first 60 ms sounded like neither sound.)
    from syncsheet.analysis import analyze_samples

    y, times = _click_track(bpm, meter, kind, 31.0)
    beats = analyze_samples(y, SR_CLICK).beats
    got = np.array([b.time for b in beats])
    assert len(got) == len(times) and np.abs(got - times).max() < 0.003
    assert [b.beat for b in beats] == [k % meter + 1 for k in range(len(times))]


def test_a_forced_meter_and_a_bar_start_still_rule_a_click_track():
    from syncsheet.analysis import AnalysisSettings, analyze_samples

    y, times = _click_track(120, 4, "tone")
    two = analyze_samples(y, SR_CLICK, AnalysisSettings(beats_per_bar=2)).beats
    assert [b.beat for b in two] == [k % 2 + 1 for k in range(len(times))]
    moved = analyze_samples(y, SR_CLICK, AnalysisSettings(bar_starts=(float(times[1]),))).beats
    assert [b.beat for b in moved][1:9] == [1, 2, 3, 4, 1, 2, 3, 4]


def test_a_click_tracks_accents_are_read_through_meter_changes_and_music_is_not_one():
    from syncsheet.analysis.meter import click_accents, click_bar, click_bars

    rng = np.random.default_rng(4)
    accent, click = rng.uniform(0, 60, 40), rng.uniform(0, 60, 40)
    heads = np.cumsum([0] + [4] * 5 + [3, 2] + [4] * 4 + [3] * 3 + [5] * 2)  # bars of 4, 3, 2 and 5
    down = np.isin(np.arange(heads[-1]), heads[:-1])
    sounds = np.where(down[:, None], accent, click) + rng.normal(0, 0.2, (len(down), 40))
    assert all(click_bar(sounds, m) is None for m in (3, 4, 5))  # no one meter holds each place
    _, got_accent, got_click = click_accents(sounds)  # each less the sound around it: the clicks'
    assert np.abs(got_accent - (accent - click)).max() < 1 and np.abs(got_click).max() < 1
    sounds[9] += 30.0  # an effect on a click: it goes on in its bar
    _, in_bar = click_bars(sounds)
    assert list(in_bar == 1) == list(down)
    # music: the beats differ from bar to bar and among themselves
    chords = rng.uniform(0, 60, (4, 40))
    music = np.array([chords[k % 4] for k in range(96)]) + rng.normal(0, 8.0, (96, 40))
    assert click_accents(music) is None
    # no accent: every beat alike but for rounding
    assert click_accents(np.array([click] * 48) + rng.normal(0, 0.01, (48, 40))) is None


def test_only_bars_of_one_odd_beat_among_alike_ones_are_a_click_tracks():
    from syncsheet.analysis.meter import click_bar

    rng = np.random.default_rng(2)
    accent, click = rng.uniform(0, 60, 40), rng.uniform(0, 60, 40)
    sounds = np.array([accent if k % 4 == 1 else click for k in range(48)]) + rng.normal(0, 0.2, (48, 40))
    assert click_bar(sounds, 4)[0] == 1
    assert click_bar(sounds, 3) is None and click_bar(sounds, 2) is None  # a bar of 2 has no odd one out
    # music: the other beats of the bar differ among themselves, and from bar to bar
    chords = rng.uniform(0, 60, (4, 40))
    music = np.array([chords[k % 4] for k in range(48)]) + rng.normal(0, 8.0, (48, 40))
    assert click_bar(music, 4) is None
    # no accent: every place alike, their differences rounding
    assert click_bar(np.array([click] * 48) + rng.normal(0, 0.01, (48, 40)), 4) is None
    # accents every 4 read in threes: each place a mix of accents and clicks, not one sound
    mixed = np.array([accent if k % 4 == 3 else click for k in range(11)], float)
    mixed[-1] += 10.0  # and an odd last beat
    assert click_bar(mixed, 3) is None
    # a drum loop's kick and snare alternating, sample for sample alike: read in threes, each place's
    # median is one of them exactly and the places' spread nil, so the split looked endless
    loop = np.array([accent if k % 2 else click for k in range(45)])
    assert click_bar(loop, 3) is None


def test_a_click_pair_is_two_alternating_sounds_and_no_third():
    # a 2/4 click track's beats, accent and click, at the same pitch 3.5 dB apart (8.75 steps of the
    # fine spectrum where it is loud); with every second beat an eighth's click and a bar of 4's
    # accents among the quarter notes (tracked at the eighths), the quarters are no one sound
    from syncsheet.analysis.meter import click_pair

    rng = np.random.default_rng(5)
    click = np.r_[np.linspace(20, 80, 30), np.linspace(80, 10, 41)]
    beats = np.stack([click + (8.75 if k % 2 == 0 else 0.0) for k in range(32)]) + rng.normal(0, 0.3, (32, 71))
    pair = click_pair(beats)
    assert pair is not None and pair[0] == 0
    assert click_pair(beats[1:])[0] == 1  # the accent is the louder wherever the beats start
    eighths = np.stack([click + (8.75 * (k % 8 == 0) + 4.0 * (k % 2 == 0)) for k in range(32)])
    assert click_pair(eighths + rng.normal(0, 0.3, (32, 71))) is None


def test_a_click_tracks_accents_are_bars_apart_and_effects_on_a_bed_are_not():
    # effects over a noise bed are louder than the noise at the beats the tracker put over it, and
    # split from it as a click track's accents do: at chance gaps, so no bars (it was read as a click
    # track, and its effects dropped as clicks)
    from syncsheet.analysis.meter import _barred, click_accents

    assert _barred(np.array([4, 4, 3, 4, 4, 2, 4, 5, 5, 4]))  # a cue's tempo map
    assert _barred(np.array([5, 5]))
    assert not _barred(np.array([10, 6]))
    assert not _barred(np.array([7, 12, 9, 4]))
    assert not _barred(np.array([2, 2, 2]))  # bars of 2 are click_pair's
    rng = np.random.default_rng(6)
    bed = rng.uniform(10, 40, 71)
    sounds = bed + rng.normal(0, 0.5, (64, 71))
    effects = sounds.copy()
    effects[[12, 30, 37, 60]] += 25.0
    assert click_accents(effects) is None
    clicks = sounds.copy()
    clicks[::4] += 25.0
    assert click_accents(clicks) is not None
