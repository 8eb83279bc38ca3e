import numpy as np
import pytest

from syncsheet.analysis import features as feat
from syncsheet.analysis import working_level as wl


@pytest.mark.parametrize("sr", [8000, 22050, 44100, 48000, 96000, 192000])
def test_every_rate_gives_the_same_hop_clock_and_the_same_bands(sr):
    y = np.zeros(sr * 2, np.float32)
    f = feat.extract([y], sr, len(y))
    ref = feat.extract([np.zeros(44100 * 2, np.float32)], 44100, 2 * 44100)
    assert f.n == 2 * feat.FPS
    # one analysis rate: every detector and network sees the same columns whatever the file's rate
    assert np.array_equal(f.fine_hz, ref.fine_hz) and np.array_equal(f.band_hz, ref.band_hz)
    assert f.floor.shape[1] == ref.floor.shape[1]


def test_feature_rows_follow_the_hop_clock():
    sr = 44100
    y = np.zeros(3 * sr, np.float32)
    y[int(1.5 * sr) :] = 0.5 * np.sin(2 * np.pi * 440 * np.arange(len(y) - int(1.5 * sr)) / sr)
    f = feat.extract([y[i : i + 10000] for i in range(0, len(y), 10000)], sr, len(y))
    assert f.n == 3 * feat.FPS
    assert f.duration == pytest.approx(3.0)
    # the attack at 1.5 s is where the activation peaks (within a few hops)
    peak = int(np.argmax(f.activation)) / feat.FPS
    assert abs(peak - 1.5) < 0.02
    assert f.fine.shape[0] == f.n // feat.FINE_DECIM
    assert f.chroma.shape == (f.n // feat.CHROMA_DECIM, 12)


def test_dc_offset_never_reaches_the_features():
    sr = 16000
    y = np.full(2 * sr, 0.4, np.float32)
    f = feat.extract([y], sr, len(y))
    # after the first few hundred ms of settling, a constant offset is silence
    assert 10 * np.log10(f.energy[-100:].max() + 1e-12) < -60


def test_sharp_attacks_are_located_in_the_signal_not_early():
    from syncsheet.analysis.beats import attack_times

    sr = 44100
    rng = np.random.default_rng(3)
    y = 0.002 * rng.standard_normal(4 * sr).astype(np.float32)
    truth = np.array([0.5, 1.2513, 2.0071])
    for t in truth:  # sharp: a decaying noise burst starting at t
        a = int(round(t * sr))
        n = int(0.2 * sr)
        y[a : a + n] += 0.5 * rng.standard_normal(n) * np.exp(-np.arange(n) / (0.05 * sr))
    a = int(3.0 * sr)  # slow: a 150 ms fade-in
    n = int(0.4 * sr)
    y[a : a + n] += 0.3 * rng.standard_normal(n) * np.minimum(1.0, np.arange(n) / (0.15 * sr))
    f = feat.extract([y], sr, len(y))
    got = attack_times(np.append(truth, 3.05) * feat.FPS + 2.0, f.energy)  # searched from 10 ms late
    assert np.all(np.abs(got[:3] - truth) < 0.003)  # to a fraction of the 5 ms hop
    assert np.isnan(got[3])


def test_an_attack_out_of_silence_just_before_a_hop_boundary_is_located():
    # a click starting a sample or two before a hop ends puts its first moments in that hop: a rise
    # of its own, half the attack's in dB, so the beats' plain test found no sharp attack and the
    # beat fell back on the flux peak, 12 ms early (a click track at 137 BPM: 13.6 ms at worst)
    from syncsheet.analysis.beats import attack_times

    sr = 44100
    rng = np.random.default_rng(5)
    y = np.zeros(4 * sr, np.float32)
    hop_ends = np.array([0.5, 1.25, 2.0, 2.75])  # hop boundaries (5 ms hops)
    starts = np.round(hop_ends * sr) - np.array([1, 2, 5, 20])  # samples before the boundary
    burst = 0.5 * rng.standard_normal(int(0.03 * sr)) * np.exp(-np.arange(int(0.03 * sr)) / (0.006 * sr))
    for a in starts.astype(int):
        y[a : a + len(burst)] += burst
    f = feat.extract([y], sr, len(y))
    truth = starts / sr
    got = attack_times(truth * feat.FPS + 2.0, f.energy)  # the beats' test, searched from 10 ms late
    assert np.all(np.abs(got - truth) < 0.003), got - truth


def test_a_bar_of_three_inside_four_four_keeps_both_sections_in_phase():
    from syncsheet.analysis.meter import assign_bars

    rng = np.random.default_rng(5)
    lengths = [4] * 8 + [3] + [4] * 10  # the longer section after the odd bar sets the global phase
    down = np.concatenate([[1.0] + [0.0] * (m - 1) for m in lengths]).astype(bool)
    d = np.where(down, 1.2, -0.4) + 0.5 * rng.standard_normal(len(down))
    _, in_bar = assign_bars(d)
    assert np.mean((in_bar == 1) == down) > 0.95


def test_beat_grid_is_continued_onto_onsets_at_the_edges():
    from syncsheet.analysis.beats import extend_to_edges

    pos = np.arange(100.0, 900.0, 100.0)
    out = extend_to_edges(pos, np.array([1.0, 150.0, 400.0, 903.0]))
    assert out[0] == 1.0 and out[-1] == 903.0 and len(out) == len(pos) + 2
    assert np.array_equal(extend_to_edges(pos, np.array([40.0, 450.0])), pos)  # nothing on the grid


def test_a_whoosh_ending_in_a_hit_gives_the_hit_and_bursts_do_not():
    from syncsheet.analysis.cues import swell_end

    surp = np.zeros(300)
    surp[100:160] = np.linspace(1.0, 60.0, 60)  # 0.6 s swell at 100 rows/s, then silence
    assert swell_end(surp, 100) == 159
    bursts = np.zeros(300)
    bursts[100:160:12] = 50.0  # a rustle: separate bursts
    assert swell_end(bursts, 100) is None


@pytest.mark.parametrize("told", [None, "exact", "short"])
def test_features_do_not_depend_on_the_length_given_for_their_buffers(told):
    # the per-feature buffers are sized from the length the caller gives (or a guess) and grow
    # when it is exceeded: whatever was said, the features are the same
    sr = 22050
    x = np.random.default_rng(3).standard_normal(sr * 7).astype(np.float32) * 0.1
    x[:: sr // 4] += 0.9  # clicks, so the onset features are not all noise
    blocks = [x[i : i + 4096] for i in range(0, len(x), 4096)]
    ref = feat.extract(iter(blocks), sr, len(x))
    total = {None: None, "exact": len(x), "short": sr // 3}[told]
    got = feat.extract(iter(blocks), sr, total)
    for name in ("flux", "energy", "bands", "chroma", "fine", "onset", "onset_strong", "onset_high", "floor"):
        a, b = getattr(got, name), getattr(ref, name)
        assert a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b), name
    assert len(got.flux) == int(np.ceil(len(x) * feat.FPS / sr))


def test_the_spectral_features_are_taken_near_one_working_level():
    # music at the level the models were set on is analysed as it is; far softer or louder, it is
    # brought to that level, so 15 and 25 dB softer give the same spectral features (a
    # quantisation step at most), as do 10 and 20 dB louder; the energies stay the file's own
    sr = 22050
    x = np.random.default_rng(5).standard_normal(sr * 5).astype(np.float32) * 0.1  # -20 dBFS
    x[:: sr // 3] += 0.5
    assert feat.extract([x], sr, len(x)).gain_db == 0.0
    for pair in ((-15.0, -25.0), (10.0, 20.0)):
        a, b = (feat.extract([x * np.float32(10 ** (db / 20))], sr, len(x)) for db in pair)
        assert a.gain_db - b.gain_db == pytest.approx(pair[1] - pair[0], abs=0.01)
        assert abs(a.gain_db) > 5
        for name in ("fine", "floor"):
            u, v = getattr(a, name).astype(int), getattr(b, name).astype(int)
            assert np.abs(u - v).max() <= 1 and np.mean(u != v) < 0.02, name
        assert np.allclose(a.onset, b.onset, rtol=1e-3, atol=1e-3)
        loud = a.energy > 1e-9
        assert np.allclose(10 * np.log10(b.energy[loud] / a.energy[loud]), pair[1] - pair[0], atol=0.01)


def test_the_working_level_is_measured_on_the_music_not_its_pauses():
    sr = 22050.0
    tone = 0.01 * np.sin(2 * np.pi * 440 * np.arange(int(10 * sr)) / sr)  # -43 dBFS
    gain = wl.level_gain_db(tone**2, sr)
    assert gain == pytest.approx(wl.LEVEL_REF_DB + 43.0, abs=0.1)
    # ten seconds of silence before it are gated out; silence and nothing get no gain
    assert wl.level_gain_db(np.concatenate([np.zeros(int(10 * sr)), tone]) ** 2, sr) == pytest.approx(gain, abs=0.1)
    assert wl.level_gain_db(np.zeros(int(sr)), sr) == 0.0
    assert wl.level_gain_db(np.zeros(0), sr) == 0.0
    # a file far too soft to be music is not boosted past the limit
    assert wl.level_gain_db((tone * 1e-2) ** 2, sr) == wl.MAX_GAIN_DB


def test_an_offset_does_not_change_the_working_level():
    # the level is the music's: an offset of 0.2 (-14 dBFS of DC) read as music 7 dB louder took
    # the features 7 dB softer; each channel's own offset is followed and taken off
    sr = 22050
    x = np.random.default_rng(9).standard_normal(sr * 6).astype(np.float32) * 0.03  # -30 dBFS
    x[:: sr // 2] += 0.5
    ref = feat.extract([x], sr, len(x)).gain_db
    assert ref > 5  # soft music is brought up: the offset must not hide that
    assert feat.extract([x + np.float32(0.2)], sr, len(x)).gain_db == pytest.approx(ref, abs=0.05)
    two = np.stack([x + np.float32(0.2), x - np.float32(0.1)], axis=1)
    assert feat.extract([two], sr, len(x)).gain_db == pytest.approx(
        feat.extract([np.stack([x, x], axis=1)], sr, len(x)).gain_db, abs=0.05)


def test_the_level_is_that_of_every_channel_as_the_benchmark_music_was_levelled():
    # a sound in one channel of two is 3 dB under the same sound in both, though their mean is
    # the same signal halved: the level comes from the channels, the features from their mean
    sr = 22050
    x = np.random.default_rng(7).standard_normal(sr * 3).astype(np.float32) * 0.01  # -40 dBFS
    both = feat.extract([np.stack([x, x], axis=1)], sr, len(x))
    left = feat.extract([np.stack([x, np.zeros_like(x)], axis=1)], sr, len(x))
    assert both.gain_db == pytest.approx(feat.extract([x], sr, len(x)).gain_db, abs=1e-6)
    assert left.gain_db - both.gain_db == pytest.approx(3.01, abs=0.05)


def test_digital_silence_before_the_music_stays_silent():
    # the DC offset is each block's mean; taken off the silence before the music it made a step at
    # the start that the onset novelty heard as the music's entry
    sr = 44100
    rng = np.random.default_rng(9)
    music = (0.2 * np.sin(2 * np.pi * 110 * np.arange(2 * sr) / sr) + 0.01 * rng.standard_normal(2 * sr) + 0.003)
    x = np.concatenate([np.zeros(sr // 2), music]).astype(np.float32)
    f = feat.extract([x], sr, len(x))
    silent_hops = int(0.45 * feat.FPS)
    assert not f.fine[: silent_hops // feat.FINE_DECIM].any() and not f.onset[:silent_hops].any()
    assert f.energy[:silent_hops].max() == 0.0


def test_the_working_level_follows_the_file_passage_by_passage():
    # a quiet first minute (a reel's leader, a soft intro) no longer sets the gain of the music
    # after it: each moment is measured over the LEVEL_S around it, and the gain moves slowly
    sr = 8000
    rng = np.random.default_rng(11)
    quiet = rng.standard_normal(70 * sr) * 10 ** (-50 / 20)
    loud = rng.standard_normal(60 * sr) * 10 ** (-20 / 20)
    p = np.concatenate([quiet, loud]) ** 2
    rg = wl.RunningGain(sr)
    for i in range(0, len(p), sr):
        rg.add(p[i : i + sr])
    t = np.arange(0.0, 130.0, 0.1)
    g = rg.gains(t, final=True)
    assert g[t < 40] == pytest.approx(wl.MAX_GAIN_DB)  # the intro alone: as soft as it is
    assert np.abs(g[t > 62]).max() == 0.0  # the music at the working level: analysed as it is
    assert np.abs(np.diff(g)).max() <= wl.LEVEL_SLEW_DB_S * 0.1 + 1e-9  # never a step


def test_each_piece_of_a_reel_gets_its_own_gain_from_its_first_sound():
    # cues 30 dB apart, 3 s of digital silence between them: the silence separates pieces, so the
    # soft one is not measured with the loud one, and in the silence the gain may jump
    sr = 8000
    rng = np.random.default_rng(12)
    a = rng.standard_normal(30 * sr) * 10 ** (-10 / 20)
    b = rng.standard_normal(30 * sr) * 10 ** (-40 / 20)
    p = np.concatenate([a, np.zeros(3 * sr), b]) ** 2
    rg = wl.RunningGain(sr)
    rg.add(p)
    g = rg.gains(np.arange(0.0, 63.0, 0.1), final=True)
    assert g[:300] == pytest.approx(-10.0, abs=0.1)
    assert g[331:] == pytest.approx(20.0, abs=0.1)


def test_frames_wait_only_for_the_level_around_them():
    # memory stays bounded: a long stream's frames follow its input LEVEL_S / 2 (and GAP_S) behind
    sr = 8000
    an = feat._Analyser(sr)
    x = (np.random.default_rng(13).standard_normal(sr) * 0.1).astype(np.float32)
    for _ in range(120):
        an.feed(x)
    behind = an.n_in / sr - an.next_frame / feat.FPS
    assert behind < wl.LEVEL_S / 2 + wl.GAP_S + 6.0


def test_digital_silence_between_pieces_stays_silent():
    # the DC offset taken off a gap of exact zeros made it a constant: the next piece's first notes
    # were measured against that instead of silence, unlike the same piece in a file of its own
    sr = 22050
    rng = np.random.default_rng(14)
    music = 0.2 * rng.standard_normal(3 * sr) + 0.01
    x = np.concatenate([music, np.zeros(3 * sr), music]).astype(np.float32)
    f = feat.extract([x[i : i + 4096] for i in range(0, len(x), 4096)], sr, len(x))
    gap = slice(int(3.1 * feat.FPS), int(5.9 * feat.FPS))
    assert f.energy[gap].max() == 0.0 and not f.onset[gap].any()
    assert not f.fine[gap.start // feat.FINE_DECIM : gap.stop // feat.FINE_DECIM].any()


def test_a_slice_of_the_features_is_that_part_of_every_array():
    sr = 22050
    x = (np.random.default_rng(15).standard_normal(4 * sr) * 0.1).astype(np.float32)
    f = feat.extract([x], sr, len(x))
    s = f.slice(200, 601)
    assert s.n == 401 and s.duration == pytest.approx(401 / feat.FPS)
    assert np.array_equal(s.flux, f.flux[200:601]) and np.array_equal(s.onset, f.onset[200:601])
    assert np.array_equal(s.fine, f.fine[100:300]) and np.array_equal(s.floor, f.floor[100:300])
    assert np.array_equal(s.chroma, f.chroma[50:150])
    with pytest.raises(ValueError, match="multiple"):
        f.slice(201, 400)


def test_a_soft_cue_in_a_reel_has_the_features_it_has_alone():
    # measured over the first minute, the loud cue before it set the soft one's gain: its spectral
    # features were those of music 24 dB under the working level
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from analysis_synth import beat_times, music

    sr = 22050
    first = music(beat_times(120, 12.0), 12.0, sr)
    second = music(beat_times(160, 12.0, start=0.0), 12.0, sr, seed=3) * np.float32(0.1)
    reel = np.concatenate([first, np.zeros(3 * sr, np.float32), second])
    alone = feat.extract([second], sr, len(second))
    f = feat.extract([reel[i : i + 4096] for i in range(0, len(reel), 4096)], sr, len(reel))
    row = 15 * feat.FPS // feat.FINE_DECIM
    a = alone.fine[10:-10].astype(int)
    b = f.fine[row + 10 : row + len(alone.fine) - 10].astype(int)
    assert np.abs(a - b).max() <= 1 and np.mean(a != b) < 0.1  # a tenth of a dB: quantisation steps


def test_a_channel_in_opposite_polarity_is_turned_over_not_cancelled():
    # a mono recording copied to two channels with one inverted (a miswired transfer) plays, but its
    # mono mix is silence: it was analysed as silent audio
    sr = 22050
    x = (np.random.default_rng(16).standard_normal(3 * sr) * 0.1).astype(np.float32)
    x[:: sr // 4] += 0.8
    mono = feat.extract([x], sr, len(x))
    opposed = feat.extract([np.stack([x, -x], axis=1)], sr, len(x))
    assert opposed.flipped == (1,) and mono.flipped == ()
    assert np.array_equal(opposed.fine, mono.fine) and np.allclose(opposed.onset, mono.onset, atol=1e-3)
    wide = np.stack([x, 0.3 * x + (np.random.default_rng(17).standard_normal(3 * sr) * 0.1).astype(np.float32)], 1)
    assert feat.extract([wide], sr, len(x)).flipped == ()  # stereo spread is not opposition
