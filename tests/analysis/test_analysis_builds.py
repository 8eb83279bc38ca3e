"""A sound that builds to a hit: the hit is a cue of its own, whether the build stops or sounds on."""

import numpy as np
import pytest
from analysis_synth import add, beat_times, music, riser_into_hit

from syncsheet.analysis import analyze_samples
from syncsheet.analysis.cues import swell_end

FRAME = 1 / 24
SR = 22050
FPS = 100  # surprise rows a second


def _swell(seconds: float = 1.0, top: float = 100.0) -> np.ndarray:
    """A smooth build over *seconds* of rows, from near nothing to *top*."""
    return top * np.linspace(0.0, 1.0, int(seconds * FPS)) ** 2 + 1.0


def test_a_swell_capped_by_a_hit_ends_at_the_jump():
    # a riser into a boom sounds on under the boom: the swell never stops, its peak is a jump
    s = np.concatenate([np.zeros(20), _swell(), [150.0, 220.0, 240.0], np.linspace(230.0, 60.0, 60)])
    assert swell_end(s, 20) == 20 + 100


def test_a_capped_swell_s_hit_must_rise_as_a_cue_does_where_that_is_asked():
    s = np.concatenate([np.zeros(20), _swell(), [150.0, 220.0, 240.0], np.linspace(230.0, 60.0, 60)])
    score = np.zeros(len(s))
    score[118:124] = 4.0  # a step, but under the cue threshold
    assert swell_end(s, 20, hit_score=score, min_score=5.0) is None
    score[121] = 6.0
    assert swell_end(s, 20, hit_score=score, min_score=5.0) == 20 + 100


def test_a_swell_that_stops_ends_at_its_last_loud_row():
    s = np.concatenate([np.zeros(20), _swell(), np.full(30, 3.0)])
    assert swell_end(s, 20) == 20 + 99


@pytest.mark.parametrize("then", ["holds", "fades"])
def test_a_swell_that_tops_out_slowly_has_no_hit(then):
    rest = np.full(40, 101.0) if then == "holds" else np.linspace(100.0, 40.0, 40)
    assert swell_end(np.concatenate([np.zeros(20), _swell(), rest]), 20) is None


def test_bursts_that_end_in_a_louder_one_are_no_swell():
    # a rustle: crackles of rising level with near-silence between them, then the loudest
    rng = np.random.default_rng(3)
    s = np.zeros(160)
    for k, at in enumerate(range(25, 120, 12)):
        s[at : at + 3] = 20.0 + 10.0 * k + rng.uniform(0, 10)
    s[125:130] = 250.0
    assert swell_end(s, 20) is None


def _with_risers(y: np.ndarray, starts: list[float], gain: float) -> list[float]:
    hits = []
    for k, at in enumerate(starts):
        x, build = riser_into_hit(SR, seed=k)
        add(y, at, gain * x, SR)
        hits.append(at + build)
    return hits


def test_a_riser_into_a_boom_on_an_effects_track_gives_its_start_and_its_hit():
    # the boom was no cue: the riser's cue stood alone, 1.1 s before the hit an animator syncs to
    rng = np.random.default_rng(0)
    y = rng.standard_normal(20 * SR) * 10 ** (-65 / 20)
    hits = _with_risers(y, [1.0, 7.3, 13.1], 0.3)
    a = analyze_samples(y.astype(np.float32), SR)
    got = np.array([c.time for c in a.cues])
    for h in hits:
        assert np.abs(got - h).min() <= FRAME
        assert any(h - 2.0 <= c.time <= h - 0.3 and c.kind == "whoosh" for c in a.cues)  # the build's start
    assert len(got) == 2 * len(hits)


def test_a_long_riser_s_hit_is_found_however_far_after_its_start():
    # a 3 s riser rising in proportion to time is heard from its first quarter second: its start's cue
    # came 2.8 s before the hit, and the hit was looked for in the 1.5 s after it (none of 3); one
    # of these ends within 70 % of its boom's level, which is too close to call a jump
    rng = np.random.default_rng(0)
    y = rng.standard_normal(22 * SR) * 10 ** (-70 / 20)
    hits = []
    for k, at in enumerate((1.0, 8.0, 15.0)):
        x, build = riser_into_hit(SR, seconds=3.0, seed=k, power=1.0)
        add(y, at, 0.3 * x, SR)
        hits.append(at + build)
    got = np.array([c.time for c in analyze_samples(y.astype(np.float32), SR).cues])
    assert sum(np.abs(got - h).min() <= FRAME for h in hits) >= 2


@pytest.mark.parametrize("at", [4.1, 10.2, 15.3])
def test_a_riser_into_a_boom_over_music_gives_its_start_and_its_hit(at):
    # a drum-and-bass loop with one riser at 6 dB or so over it
    y = music(beat_times(120, 24.0), 24.0, SR).astype(np.float64)
    (hit,) = _with_risers(y, [at], 0.5)
    a = analyze_samples(y.astype(np.float32), SR)
    assert any(abs(c.time - hit) <= FRAME and c.kind == "impact" for c in a.cues)
    assert any(at <= c.time <= hit - 0.3 and c.kind == "whoosh" for c in a.cues)


def test_a_riser_in_a_file_of_its_own_gives_its_start_and_its_hit():
    # one sound was no effects track: a START at the riser's start and nothing at the hit
    y = np.zeros(4 * SR)
    (hit,) = _with_risers(y, [0.5], 0.3)
    a = analyze_samples(y.astype(np.float32), SR)
    assert not a.beats
    assert [c.kind for c in a.cues] == ["whoosh", "impact"] and abs(a.cues[1].time - hit) <= FRAME
