"""Hit-point tempo tools, against hand calculations and a brute-force scan."""

from __future__ import annotations

import time
from fractions import Fraction

import numpy as np
import pytest

from syncsheet import hits
from syncsheet.errors import AnalysisError
from syncsheet.hits import bpm_of, find_tempos, fpb_of, friendly_tempos, mixed
from syncsheet.timebase import parse_rate

F24 = parse_rate("24")


def test_hits_every_48_frames_at_24_fps():
    # 48 frames = 2 s; a beat grid lands every hit exactly when 48 is a whole number n of beats:
    # fpb = 48/n, BPM = 1440/fpb = 30n -> 60, 90, 120, ... 240 in the 40-240 range
    found = find_tempos([0, 48, 96, 144], F24, bpm_min=40, bpm_max=240, tolerance=0)
    assert sorted(h.bpm for h in found) == [30 * n for n in range(2, 9)]
    assert all(h.worst == 0 for h in found)
    by_bpm = {h.bpm: h for h in found}
    assert by_bpm[Fraction(60)].frames_per_beat == 24
    assert by_bpm[Fraction(120)].positions == (0, 4, 8, 12)
    assert by_bpm[Fraction(150)].frames_per_beat == Fraction(48, 5)


def test_minimax_tempo_of_hits_that_are_not_evenly_spaced():
    # hits 0, 30, 61; counted as beats 0, 2, 4: errors 30 - 2x and 61 - 4x are smallest at their worst
    # where 30 - 2x = -(61 - 4x): x = 91/6 frames per beat, both errors 1/3 frame,
    # BPM = 1440 / (91/6) = 8640/91 = 94.945...; counting 0, k, 2k gives fpb 91/(3k)
    found = find_tempos([0, 30, 61], F24, bpm_min=40, bpm_max=240, tolerance=1)
    assert [h.frames_per_beat for h in found] == [Fraction(91, 3 * k) for k in range(1, 6)]
    assert [h.bpm for h in found] == [Fraction(4320 * k, 91) for k in range(1, 6)]
    assert all(h.worst == Fraction(1, 3) for h in found)
    assert found[1].errors == (0, Fraction(-1, 3), Fraction(1, 3))


def test_fractional_frames_per_beat():
    # hits 25 frames apart at 24 fps: 12½ frames a beat = 115.2 BPM, hits on every other beat
    found = find_tempos([0, 25, 50, 75], F24, bpm_min=100, bpm_max=130, tolerance=0)
    assert [(h.frames_per_beat, h.bpm, h.positions) for h in found] == [(Fraction(25, 2), Fraction(576, 5),
                                                                         (0, 2, 4, 6))]


def test_offset_and_subdivisions():
    # grid starts at frame 10; a hit 18 frames later is 1½ beats at 120 BPM (12 fpb)
    on_beats = find_tempos([28, 34], F24, bpm_min=110, bpm_max=130, tolerance=0, offset=10)
    assert Fraction(120) not in [h.bpm for h in on_beats]
    halves = find_tempos([28, 34], F24, bpm_min=110, bpm_max=130, tolerance=0, offset=10, subdivisions=(1, 2))
    hit = next(h for h in halves if h.bpm == 120)
    assert hit.positions == (Fraction(3, 2), 2) and hit.subdivision == 2


def test_hits_before_the_offset_count_backwards():
    found = find_tempos([0, 24], F24, bpm_min=50, bpm_max=70, tolerance=0, offset=24)
    assert [(h.bpm, h.positions) for h in found] == [(60, (-1, 0))]


def test_23976_is_exact():
    r = parse_rate("23.976")
    found = find_tempos([0, 12, 24], r, bpm_min=100, bpm_max=140, tolerance=0)
    assert found[0].bpm == Fraction(60 * 24000, 1001 * 12)
    assert bpm_of(Fraction(12), r) == Fraction(120000, 1001)
    assert fpb_of(Fraction(120000, 1001), r) == 12


def test_ranking_and_optimality_against_a_brute_force_scan():
    rng = np.random.default_rng(5)
    hits = sorted(set(rng.integers(0, 400, 6).tolist()) | {0})
    tol = 1.5
    found = find_tempos(hits, F24, bpm_min=60, bpm_max=180, tolerance=tol)
    assert found
    worsts = [h.worst for h in found]
    assert worsts == sorted(worsts)
    d = np.array(hits, float) - hits[0]
    for h in found:  # every listed tempo really lands every hit within the tolerance
        fpb = float(h.frames_per_beat)
        err = np.abs(d - np.round(d / fpb) * fpb)
        assert err.max() <= tol + 1e-9
        assert err.max() == pytest.approx(float(h.worst), abs=1e-9)
        assert float(h.bpm_low) <= float(h.bpm) <= float(h.bpm_high)
    # no tempo in the range does better than the first one listed
    fpbs = 1440 / np.linspace(60, 180, 200_001)
    err = np.abs(d[None, :] - np.round(d[None, :] / fpbs[:, None]) * fpbs[:, None]).max(axis=1)
    assert err.min() >= float(found[0].worst) - 1e-9


def test_limit_keeps_the_best():
    every = find_tempos([0, 37, 75, 112], F24, tolerance=1)
    best = find_tempos([0, 37, 75, 112], F24, tolerance=1, limit=3)
    assert [h.bpm for h in best] == [h.bpm for h in every[:3]]


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"hits": []}, "at least one hit"),
    ({"hits": [0, 0]}, "any tempo fits"),
    ({"tolerance": -1}, "0 or more"),
    ({"bpm_min": 200, "bpm_max": 100}, "BPM range"),
    ({"subdivisions": (0,)}, "subdivisions"),
    ({"tolerance": 3, "subdivisions": (1, 2, 3, 4)}, "too many"),
])
def test_bad_requests(kwargs, words, monkeypatch):
    monkeypatch.setattr(hits, "_MAX_PIECES", 2000)  # the real cap is far larger; the path is the same
    args = {"hits": [0, 10, 20, 35, 47, 59, 71]} | kwargs
    with pytest.raises(AnalysisError, match=words):
        find_tempos(args.pop("hits"), F24, **args)


@pytest.mark.parametrize(("hit_frames", "subdivisions"), [
    ([0, 7, 100_000_000], (1, 2)),  # a day's hit a year of frames out: minutes and gigabytes before
    ([0, 7, 144_000], tuple(range(1, 17))),  # 18 GB before the "too many tempos" error came
])
def test_hits_too_far_out_are_refused_at_once(hit_frames, subdivisions):
    t0 = time.perf_counter()
    with pytest.raises(AnalysisError, match="grid lines .* offset nearer the hits"):
        find_tempos(hit_frames, F24, bpm_min=60, bpm_max=200, subdivisions=subdivisions)
    assert time.perf_counter() - t0 < 5  # counted, not built (0.01 s here)


def test_a_friendly_tempo_table_too_long_to_read_is_refused_at_once():
    t0 = time.perf_counter()
    with pytest.raises(AnalysisError, match=r"holds [\d,]+ such tempos .* narrow the BPM range"):
        friendly_tempos(F24, 0.0001, 2000, tuple(range(1, 17)))  # minutes and gigabytes before
    assert time.perf_counter() - t0 < 5


def test_friendly_tempo_table():
    rows = friendly_tempos(F24, 100, 130, (1, 2))
    by_fpb = {r.frames_per_beat: r for r in rows}
    assert by_fpb[Fraction(12)].bpm == 120
    assert by_fpb[Fraction(25, 2)].bpm == Fraction(576, 5)  # 12½ frames = 115.2 BPM
    assert by_fpb[Fraction(25, 2)].pattern == (12, 13)
    assert all(100 <= r.bpm <= 130 for r in rows)
    assert [r.frames_per_beat for r in rows] == sorted(r.frames_per_beat for r in rows)
    thirds = {r.frames_per_beat: r for r in friendly_tempos(F24, 100, 130, (3,))}
    assert thirds[Fraction(37, 3)].pattern == (12, 12, 13)
    assert sum(thirds[Fraction(37, 3)].pattern) == 37
    # the bar-sheet facts: 16 frames = 90 BPM, 18 = 80, 8 = 180
    wide = {r.frames_per_beat: r.bpm for r in friendly_tempos(F24, 60, 200, (1,))}
    assert (wide[16], wide[18], wide[8]) == (90, 80, 180)


def test_mixed_fractions():
    assert mixed(Fraction(25, 2)) == "12½"
    assert mixed(Fraction(25, 2), unicode=False) == "12+1/2"
    assert mixed(Fraction(12)) == "12"
    assert mixed(Fraction(1, 3)) == "⅓"
    assert mixed(Fraction(91, 7 * 17)) == f"{91 / 119:.3f}"
