"""Cue picking and timing on synthetic surprise curves (100 rows a second)."""

import numpy as np
import pytest

from syncsheet.analysis.cues import evidence_weight, pick_cues

FPS = 100


def _bed(seconds: float, seed: int) -> np.ndarray:
    """The music's usual surprise: mostly near zero with small scattered blips."""
    rng = np.random.default_rng(seed)
    s = rng.exponential(1.0, int(seconds * FPS))
    blips = rng.random(len(s)) < 0.15
    s[blips] += rng.uniform(5.0, 15.0, int(blips.sum()))
    return s


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_crackle_before_the_body_is_where_the_effect_starts(seed):
    s = _bed(20.0, seed)
    start = 1003
    s[start : start + 3] += [110.0, 140.0, 90.0]  # the first crackle
    s[start + 17 : start + 60] += 150.0  # the body, 0.14 s of near-silence later
    pos, _ = pick_cues(s)
    near = pos[np.abs(pos - start) < 80]
    assert len(near) == 1  # one effect, one cue
    assert abs(near[0] - start) <= 4  # 40 ms: within a frame at 24 fps


@pytest.mark.parametrize("seed", [4, 5])
def test_a_burst_long_before_the_effect_is_not_its_start(seed):
    s = _bed(20.0, seed)
    s[950:953] += 60.0  # something in the music half a second before
    start = 1003
    s[start : start + 40] += np.linspace(40.0, 120.0, 40)
    pos, _ = pick_cues(s)
    assert np.min(np.abs(pos - start)) <= 4
    assert not np.any((pos > 955) & (pos < start - 2))  # (the burst may be a cue of its own)


def test_a_soft_attack_is_timed_from_where_it_leaves_the_bed():
    s = _bed(20.0, 6)
    start = 1203
    s[start : start + 30] += np.linspace(15.0, 150.0, 30)  # a door: 0.3 s to its loudest
    s[start + 30 : start + 80] += 150.0
    pos, _ = pick_cues(s)
    near = pos[np.abs(pos - start) < 80]
    assert len(near) == 1 and abs(near[0] - start) <= 4


def _loop(bars: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A fine spectrum of a loop (4 beats of 0.5 s a bar, a hit on every beat) and its beats."""
    rng = np.random.default_rng(seed)
    n = bars * 200
    fine = np.full((n, 71), 60.0) + rng.normal(0.0, 1.0, (n, 71))
    for b in range(0, n, 50):
        fine[b : b + 4, :40] += 20.0  # a drum hit on each beat
    return fine, np.arange(0.0, n, 50.0)


def test_an_effect_in_a_quiet_bar_is_found_though_the_other_bars_are_louder():
    from syncsheet.analysis.cues import surprise

    fine, beats = _loop(12, 7)
    quiet = slice(1200, 1400)  # bar 7 plays 30 steps softer than every bar it is compared with
    fine[quiet] -= 30.0
    hit = 1277
    fine[hit : hit + 25, 20:50] += 22.0  # still under the other bars' level in every band
    fine = np.clip(np.round(fine), 0, 255).astype(np.uint8)
    s = surprise(fine, beats, 4)
    pos, _ = pick_cues(s)
    assert np.min(np.abs(pos - hit)) <= 2
    # the quiet bar's own drum hits are no cues (the loop's return at its end may be one: its
    # downbeat rises further than the other bars' do)
    assert np.all((np.abs(pos - hit) <= 2) | (np.abs(pos - 1400) <= 2))


def test_rows_with_fewer_references_weigh_less():
    # a steady grid: in the middle every reference exists, at either end only one side's do
    beats = np.arange(0, 3000, 50.0)
    w = evidence_weight(3000, beats, 4)
    assert w[1500] == pytest.approx(1.0)
    assert 0 < w[10] < 1 and 0 < w[-10] < 1
    assert w[10] < w[500] <= w[1500]  # more references exist a bar in than at the very start


def test_a_rise_with_half_the_references_needs_more_to_be_a_cue():
    s = _bed(20.0, 7)
    s[500:530] += 60.0  # the same moderate effect twice
    s[1500:1530] += 60.0
    pos, scores = pick_cues(s)
    assert np.min(np.abs(pos - 500)) <= 4 and np.min(np.abs(pos - 1500)) <= 4
    weight = np.ones(len(s))
    weight[:1000] = np.sqrt(0.5)  # only half its references exist around the first
    pos_w, scores_w = pick_cues(s, weight=weight)
    first = scores[np.argmin(np.abs(pos - 500))]
    assert np.min(np.abs(pos_w - 1500)) <= 4
    near = np.abs(pos_w - 500) <= 4
    assert not near.any() or scores_w[near][0] == pytest.approx(first * np.sqrt(0.5), rel=0.05)


def test_one_loud_new_note_weighs_less_than_a_rise_across_many_bands():
    from syncsheet.analysis.cues import surprise

    fine, beats = _loop(12, 8)
    note, effect = 1033, 1433  # between the beats' drum hits, in bars with references both sides
    fine[note : note + 20, 10] += 120.0  # a new note: one band, far above its usual residual
    fine[effect : effect + 20, 20:44] += 8.0  # an effect: a modest rise in 24 bands
    fine = np.clip(np.round(fine), 0, 255).astype(np.uint8)
    plain, soft = surprise(fine, beats, 4, knee=0.0), surprise(fine, beats, 4)
    ratio = [s[note : note + 20].max() / s[effect : effect + 20].max() for s in (plain, soft)]
    assert soft[effect : effect + 20].max() > 0 and soft[note : note + 20].max() > 0
    assert ratio[1] < 0.6 * ratio[0]  # the knee tempers the single band, not the broad rise


def _harmonic(t: np.ndarray, f0: float, amp: float, partials: int = 10) -> np.ndarray:
    return amp * sum(np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, partials + 1))


def test_noise_raises_the_floor_between_partials_and_a_new_note_does_not():
    from syncsheet.analysis.features import extract

    sr = 22050
    t = np.arange(4 * sr) / sr
    y = _harmonic(t, 220.0, 0.1)
    note = (t >= 1.0) & (t < 1.5)
    y[note] += _harmonic(t, 523.25, 0.1)[note]  # a new note as loud as the music
    burst = (t >= 3.0) & (t < 3.3)
    y[burst] += 0.025 * np.random.default_rng(3).standard_normal(int(burst.sum()))  # noise 12 dB under
    f = extract([y.astype(np.float32)], sr)
    assert f.floor.shape[0] == f.fine.shape[0] and f.floor.shape[1] > 10

    def rise(a: np.ndarray, row: int) -> float:
        a = a.astype(float)
        return float((a[row + 5 : row + 25].mean(0) - a[row - 30 : row - 10].mean(0)).mean())

    assert rise(f.floor, 300) > 3 * max(rise(f.floor, 100), 0.5)  # the floor tells them apart
    assert rise(f.fine, 100) > 0.5 * rise(f.fine, 300)  # where the bands alone see both alike


def test_the_start_is_traced_on_the_timing_surprise_when_given():
    s = _bed(20.0, 9)
    timing = s.copy()
    start = 1003
    s[start - 20 : start + 60] += np.linspace(0.0, 120.0, 80)  # a slow swell in the evidence
    timing[start : start + 60] += 120.0  # the same effect's sharp attack
    pos, _ = pick_cues(s, timing=timing)
    assert np.min(np.abs(pos - start)) <= 2


@pytest.mark.parametrize("seed", [9, 10])
def test_an_early_burst_counts_only_where_the_burst_surprise_has_it(seed):
    # the summed evidence (fine + floor surprise) holds a burst of the music's own noise 0.2 s
    # before an effect; the fine surprise (the bursts trace) does not: the start stays on the effect
    fine = _bed(20.0, seed)
    start = 1003
    fine[start : start + 60] += 120.0
    found = fine.copy()
    found[start - 20 : start - 14] += 150.0  # a cymbal's wash in the floor alone
    pos, _ = pick_cues(found, bursts=fine)
    assert np.min(np.abs(pos - start)) <= 2
    pos_same, _ = pick_cues(found)  # judged on the sum, the burst is taken as the effect's first part
    assert np.min(np.abs(pos_same - (start - 20))) <= 2


def test_a_prelude_in_the_evidence_is_traced_whatever_the_bursts_trace():
    # a door: its first rumble rises out of the bed in the summed evidence 0.12 s before the body
    found = _bed(20.0, 11)
    bursts = found.copy()
    start = 1203
    found[start : start + 12] += 30.0
    found[start + 12 : start + 70] += 150.0
    bursts[start + 12 : start + 70] += 150.0
    pos, _ = pick_cues(found, bursts=bursts)
    near = pos[np.abs(pos - start) < 80]
    assert len(near) == 1 and abs(near[0] - start) <= 3


@pytest.mark.parametrize("seed", [7, 8])
def test_a_weaker_burst_soon_after_an_effect_is_part_of_it(seed):
    s = _bed(20.0, seed)
    s[1003:1040] += 150.0  # the shot
    s[1075:1090] += 40.0  # its pump 0.7 s later, after the surprise has fallen back
    pos, _ = pick_cues(s)
    assert np.sum(np.abs(pos - 1003) <= 4) == 1
    assert not np.any((pos > 1040) & (pos < 1110))


@pytest.mark.parametrize("seed", [7, 8])
def test_an_as_strong_or_later_effect_is_a_cue_of_its_own(seed):
    s = _bed(20.0, seed)
    s[1003:1040] += 150.0
    s[1075:1110] += 150.0  # as strong, 0.7 s later: a second effect
    s[1303:1320] += 40.0  # weaker, but 3 s after the first
    pos, _ = pick_cues(s)
    for start in (1003, 1075, 1303):
        assert np.min(np.abs(pos - start)) <= 4


def test_the_floor_compared_with_its_own_past_keeps_an_attack_and_drops_a_ringing_tail():
    from syncsheet.analysis.cues import floor_surprise, surprise

    fine, beats = _loop(12, 9)
    hit = 1233  # noise that starts off the beat and rings on, fading, for 1.2 s
    tail = np.linspace(30.0, 18.0, 120)
    fine[hit : hit + 120, 15:60] += tail[:, None]
    fine = np.clip(np.round(fine), 0, 255).astype(np.uint8)
    bars, own = surprise(fine, beats, 4), floor_surprise(fine, beats, 4)
    attack = slice(hit, hit + 5)
    later = slice(hit + 50, hit + 110)  # 0.5-1.1 s in: still far above what the bars hold
    assert own[attack].max() >= 0.9 * bars[attack].max() > 0  # the attack is new against both
    assert own[later].mean() < 0.3 * bars[later].mean()  # the tail is explained by its own past
    pos, _ = pick_cues(own)
    assert np.min(np.abs(pos - hit)) <= 2


def _two_harmonies(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A floor (100 rows a second, 23 bands) and its chroma (50 rows a second) for 40 s of music
    that moves between two chords every 2 s; the second chord is played with a noisier floor."""
    rng = np.random.default_rng(seed)
    n = 4000
    chord = (np.arange(n) // 200) % 2  # 0, 1, 0, 1 ... every 2 s
    floor = 40.0 + rng.normal(0.0, 1.5, (n, 23)) + 12.0 * chord[:, None]
    pcs = np.array([[1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0], [0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0]], float)
    chroma = pcs[chord[::2]] + rng.uniform(0.0, 0.1, (n // 2, 12))
    return floor, chroma


@pytest.mark.parametrize("seed", [11, 12])
def test_noise_new_to_its_harmony_is_surprising_and_that_harmony_s_usual_noise_is_not(seed):
    from syncsheet.analysis.cues import harmony_surprise

    floor, chroma = _two_harmonies(seed)
    hit = 1030  # in a passage of the quiet chord: noise as loud as the noisy chord's usual floor
    floor[hit : hit + 30, 5:20] += 12.0
    h = harmony_surprise(np.clip(np.round(floor), 0, 255).astype(np.uint8), chroma.astype(np.float16))
    noisy = (np.arange(len(floor)) // 200) % 2 == 1
    assert h[hit : hit + 20].mean() > 5 * np.percentile(h[noisy], 90)
    # the same level is that chord's usual one: no more surprising there than anywhere else
    assert np.percentile(h[noisy], 90) <= 2 * np.percentile(h[~noisy & (np.abs(np.arange(len(h)) - hit) > 100)], 90) + 1


def test_harmony_surprise_reports_each_block():
    # it runs on the analysis's second thread, where a cancel is heard only through its progress
    from syncsheet.analysis.cues import harmony_surprise
    from syncsheet.errors import Cancelled

    floor, chroma = _two_harmonies(11)
    floor = np.clip(np.round(floor), 0, 255).astype(np.uint8)
    seen = []
    whole = harmony_surprise(floor, chroma, block_s=10.0, progress=lambda f, s: seen.append(f))
    assert len(seen) > 2 and seen == sorted(seen) and seen[-1] == 1.0
    np.testing.assert_array_equal(whole, harmony_surprise(floor, chroma, block_s=10.0))

    def cancel(fraction, stage):
        raise Cancelled("stop")

    with pytest.raises(Cancelled):
        harmony_surprise(floor, chroma, block_s=10.0, progress=cancel)


def test_harmony_weight_keeps_the_evidence_where_the_floor_is_new_for_its_harmony():
    from syncsheet.analysis.cues import harmony_surprise, harmony_weight

    floor, chroma = _two_harmonies(13)
    hit = 2230
    floor[hit : hit + 30, 5:20] += 12.0
    usual = slice(3430, 3560)  # the noisy chord once more, at a steady level it often has
    floor[usual] = 52.0
    h = harmony_surprise(np.clip(np.round(floor), 0, 255).astype(np.uint8), chroma.astype(np.float16))
    w = harmony_weight(h)
    assert np.all((w >= 0) & (w <= 1))
    assert w[hit - 2 : hit + 5].min() == 1.0  # an effect's first part is new for its harmony
    assert w[3440:3540].max() < 0.2  # a floor usual for its harmony weighs little
    again = harmony_weight(harmony_surprise(np.clip(np.round(floor), 0, 255).astype(np.uint8),
                                            chroma.astype(np.float16)))
    assert np.array_equal(w, again)  # seeded clusters: the same audio gives the same cues


def test_harmony_surprise_of_no_rows_or_no_chroma_is_empty():
    from syncsheet.analysis.cues import harmony_surprise, harmony_weight

    assert harmony_surprise(np.zeros((0, 23), np.uint8), np.zeros((0, 12))).shape == (0,)
    assert not harmony_surprise(np.full((50, 23), 9, np.uint8), np.zeros((0, 12))).any()
    assert harmony_weight(np.zeros(0)).shape == (0,)
