import dataclasses

import numpy as np
import pytest

from syncsheet.model import Analysis, Beat, Cue, Levels, Onset, TempoMap


def test_results_are_immutable():
    a = Analysis(1.0, beats=[Beat(0.5)], levels=Levels(0.01, np.zeros(10)))
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.duration = 2.0
    with pytest.raises(ValueError):
        a.levels.db[0] = 1.0
    assert isinstance(a.beats, tuple)


def test_events_are_sorted_by_time():
    a = Analysis(5.0, beats=[Beat(2.0), Beat(1.0)], onsets=[Onset(3.0), Onset(0.1)],
                 cues=[Cue(4.0, "stop", end=4.5), Cue(1.0, "impact")])
    assert [b.time for b in a.beats] == [1.0, 2.0]
    assert [o.time for o in a.onsets] == [0.1, 3.0]
    assert [c.time for c in a.cues] == [1.0, 4.0]


def test_downbeats():
    beats = [Beat(i * 0.5, i // 3 + 1, i % 3 + 1) for i in range(9)]
    assert [b.time for b in Analysis(5.0, beats=beats).downbeats] == [0.0, 1.5, 3.0]


def test_tempo_map_from_beats_finds_steps_and_meter():
    times = [i * 0.5 for i in range(16)] + [8.0 + i * 0.6 for i in range(12)]
    beats = [Beat(t, i // 4 + 1, i % 4 + 1) for i, t in enumerate(times)]
    segs = TempoMap.from_beats(beats).segments
    assert [round(s.bpm) for s in segs] == [120, 100]
    assert segs[1].start == pytest.approx(7.5, abs=0.51)
    assert TempoMap.from_beats(beats).at(10.0).bpm == pytest.approx(100)
    three = [Beat(i * 0.5, i // 3 + 1, i % 3 + 1) for i in range(12)]
    assert TempoMap.from_beats(three).segments[0].beats_per_bar == 3
    assert TempoMap.from_beats([]).at(1.0) is None
