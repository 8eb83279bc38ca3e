from fractions import Fraction

import numpy as np
import pytest

from syncsheet import timebase as tb
from syncsheet.errors import FrameRateError, TimecodeError

R = tb.parse_rate


@pytest.mark.parametrize(
    ("text", "rate", "drop"),
    [
        ("12", Fraction(12), False),
        ("23.976", Fraction(24000, 1001), False),
        ("23.98", Fraction(24000, 1001), False),
        ("24", Fraction(24), False),
        ("25", Fraction(25), False),
        ("29.97", Fraction(30000, 1001), False),
        ("29.97df", Fraction(30000, 1001), True),
        ("29.97NDF", Fraction(30000, 1001), False),
        ("30", Fraction(30), False),
        ("47.952", Fraction(48000, 1001), False),
        ("48", Fraction(48), False),
        ("50", Fraction(50), False),
        ("59.94", Fraction(60000, 1001), False),
        ("59.94df", Fraction(60000, 1001), True),
        ("60", Fraction(60), False),
        ("24000/1001", Fraction(24000, 1001), False),
        ("25/2", Fraction(25, 2), False),
        ("12.5", Fraction(25, 2), False),
    ],
)
def test_parse_rate(text, rate, drop):
    fr = R(text)
    assert fr.rate == rate and fr.drop_frame is drop
    assert R(fr.name) == fr  # the name reads back as the same rate


@pytest.mark.parametrize("text", ["0", "-24", "abc", "24df", "25df", "30df", "1/0", "", "24.0.1", "5000"])
def test_impossible_rates_are_errors(text):
    with pytest.raises(FrameRateError, match="frame rate|drop-frame"):
        R(text)


def test_rate_is_exact_not_float():
    assert R("23.976").rate != Fraction(23.976)
    assert R("23.976").nominal == 24 and R("29.97df").nominal == 30 and R("59.94").nominal == 60


# Drop-frame tables at minute rollovers and every tenth minute (frame -> timecode).
DF2997 = [
    (0, "00:00:00;00"),
    (1799, "00:00:59;29"),
    (1800, "00:01:00;02"),
    (1801, "00:01:00;03"),
    (3597, "00:01:59;29"),
    (3598, "00:02:00;02"),
    (17981, "00:09:59;29"),
    (17982, "00:10:00;00"),
    (17983, "00:10:00;01"),
    (19781, "00:10:59;29"),
    (19782, "00:11:00;02"),
    (107891, "00:59:59;29"),
    (107892, "01:00:00;00"),
    (2589407, "23:59:59;29"),
]
DF5994 = [
    (3599, "00:00:59;59"),
    (3600, "00:01:00;04"),
    (35963, "00:09:59;59"),
    (35964, "00:10:00;00"),
    (35965, "00:10:00;01"),
    (215784, "01:00:00;00"),
]


@pytest.mark.parametrize(("frames", "tc"), DF2997)
def test_df2997_table(frames, tc):
    fps = R("29.97df")
    assert tb.to_timecode(frames, fps) == tc
    assert tb.from_timecode(tc, fps) == frames


@pytest.mark.parametrize(("frames", "tc"), DF5994)
def test_df5994_table(frames, tc):
    fps = R("59.94df")
    assert tb.to_timecode(frames, fps) == tc
    assert tb.from_timecode(tc, fps) == frames


@pytest.mark.parametrize("rate", ["29.97df", "59.94df"])
def test_every_frame_of_24h_round_trips(rate):
    fps = R(rate)
    n = np.arange(fps.frames_per_day, dtype=np.int64)
    hh, mm, ss, ff = tb.timecode_fields(n, fps)
    assert np.array_equal(tb.frames_from_fields(hh, mm, ss, ff, fps), n)
    drop = 2 if rate == "29.97df" else 4
    skipped = (ss == 0) & (mm % 10 != 0) & (ff < drop)
    assert not skipped.any()  # no frame lands on a number drop-frame skips
    assert hh.max() == 23 and (ff < fps.nominal).all()
    # each minute that is not a tenth has `drop` fewer numbers
    assert fps.frames_per_day == 24 * 3600 * fps.nominal - 24 * 54 * drop
    # scalar path agrees on a sample of frames
    for f in np.random.default_rng(0).integers(0, fps.frames_per_day, 300):
        assert tb.from_timecode(tb.to_timecode(int(f), fps), fps) == f


def test_one_hour_of_23976():
    fps = R("23.976")
    assert tb.from_timecode("01:00:00:00", fps) == 86400
    assert tb.to_timecode(86400, fps) == "01:00:00:00"
    # ...which is 3603.6 s of real time
    assert tb.frame_start(86400, fps) == pytest.approx(3603.6)


@pytest.mark.parametrize(
    ("tc", "rate", "message"),
    [
        ("00:01:00;00", "29.97df", "does not exist"),
        ("00:01:00;01", "29.97df", "does not exist"),
        ("00:02:00;03", "59.94df", "does not exist"),
        ("00:00:00:30", "30", "frames run 00-29"),
        ("00:00:00:24", "23.976", "frames run 00-23"),
        ("24:00:00:00", "24", "out of range"),
        ("00:60:00:00", "24", "out of range"),
        ("00:00:00;05", "29.97", "drop-frame but"),
        ("1:2:3", "24", "not HH:MM:SS:FF"),
        ("00:00:00:00", "25/2", "whole-number"),
    ],
)
def test_impossible_timecodes(tc, rate, message):
    with pytest.raises(TimecodeError, match=message):
        tb.from_timecode(tc, R(rate))


def test_tenth_minute_keeps_its_first_frames():
    fps = R("29.97df")
    assert tb.from_timecode("00:10:00;00", fps) == 17982
    assert tb.from_timecode("00:10:00:00", fps) == 17982  # ':' is accepted at a drop-frame rate


def test_24h_wrap_is_an_error():
    fps = R("24")
    assert tb.to_timecode(24 * 86400 - 1, fps) == "23:59:59:23"
    with pytest.raises(TimecodeError, match="24 hours"):
        tb.to_timecode(24 * 86400, fps)
    with pytest.raises(TimecodeError, match="24 hours"):
        tb.to_timecode(10, fps, start=24 * 86400 - 5)


def test_start_offset():
    fps = R("25")
    start = tb.from_timecode("10:00:00:00", fps)
    assert tb.to_timecode(25, fps, start) == "10:00:01:00"
    assert tb.from_timecode("10:00:01:00", fps, start) == 25


@pytest.mark.parametrize(("frames", "gauge", "text"), [(100, "35mm", "6+04"), (1440, "35mm", "90+00"),
                                                       (0, "35mm", "0+00"), (41, "16mm", "1+01"), (15, "35mm", "0+15")])
def test_feet(frames, gauge, text):
    assert tb.to_feet(frames, gauge) == text
    assert tb.from_feet(text, gauge) == frames


@pytest.mark.parametrize("bad", ["90+16", "1+", "abc", "-1+00"])
def test_bad_feet(bad):
    with pytest.raises(TimecodeError):
        tb.from_feet(bad)


@pytest.mark.parametrize("rate", ["23.976", "24", "25", "29.97df", "30", "59.94", "25/2"])
def test_frame_seconds_round_trip(rate):
    fps = R(rate)
    frames = np.arange(0, 200000, 7)
    starts = np.array([tb.frame_start(int(f), fps) for f in frames])
    assert np.array_equal(tb.frames_of(starts, fps), frames)
    assert all(tb.frame_of(float(s), fps) == f for s, f in zip(starts[:500], frames[:500], strict=True))
    # just before a frame starts is still the previous frame
    assert np.array_equal(tb.frames_of(starts[1:] - 1e-6, fps), frames[1:] - 1)


def test_event_rule_floor_and_lead():
    fps = R("24")
    assert tb.frame_of(0.0, fps) == 0
    assert tb.frame_of(1 / 24 - 0.001, fps) == 0  # still on screen: frame 0
    assert tb.frame_of(0.5, fps) == 12
    assert tb.frame_of(0.5, fps, lead=2) == 10
    assert tb.frame_of(0.01, fps, lead=3) == 0  # never before frame 0
    assert list(tb.frames_of([0.5, 0.52], fps, lead=1)) == [11, 11]


@pytest.mark.parametrize("sr", [8000, 44100, 48000, 96000, 192000])
@pytest.mark.parametrize("rate", ["23.976", "24", "29.97"])
def test_samples_and_frames(sr, rate):
    fps = R(rate)
    for frame in (0, 1, 2, 1000, 86399):
        s = tb.first_sample(frame, sr, fps)
        assert tb.frame_of_sample(s, sr, fps) == frame
        assert tb.frame_of_sample(s - 1, sr, fps) == frame - 1 if frame else True
    assert tb.first_sample(1, 48000, R("23.976")) == 2002  # 48000 * 1001 / 24000


def test_huge_times_do_not_overflow():
    fps = R("120000/1001")
    t = np.array([86000.0, 86399.9])
    assert list(tb.frames_of(t, fps)) == [tb.frame_of(float(x), fps) for x in t]


def test_non_finite_times_are_errors():
    with pytest.raises(TimecodeError):
        tb.frame_of(float("nan"), R("24"))
    with pytest.raises(TimecodeError):
        tb.frames_of(np.array([0.0, np.inf]), R("24"))
