"""SMPTE linear timecode on a channel: read at every LTC rate, never found in music, left out of the
analysis and the waveform, and the file's place on its timeline where it has no BWF reference."""

import json
import warnings

import numpy as np
import pytest
import scipy.signal as ss
import soundfile as sf
from helpers import click_track, write_bwf

from syncsheet import audio, ltc
from syncsheet import timebase as tb
from syncsheet.analysis import analyze, analyze_samples
from syncsheet.cli import main
from syncsheet.waveform import compute_peaks, read_span


def _code(rate: str, label: str, sr: int, seconds: float = 3.0, lead: float = 0.0104, **kw):
    fps = tb.parse_rate(rate)
    first = tb.from_timecode(label, fps)
    # the file's first sample is *lead* seconds before the labelled frame starts
    return ltc.encode(seconds, sr, fps, first, lead=lead, **kw), round(first * sr / float(fps.rate) - lead * sr)


@pytest.mark.parametrize("sr", [16000, 44100, 48000, 96000])
@pytest.mark.parametrize(("rate", "label"), [("23.976", "00:59:59:20"), ("24", "01:00:00:00"),
                                             ("25", "10:00:00:00"), ("29.97", "00:10:00:00"),
                                             ("29.97df", "00:10:00;00"), ("30", "23:00:00:00")])
def test_each_ltc_rate_is_read_with_the_file_s_place(rate, label, sr):
    y, reference = _code(rate, label, sr)
    code = ltc.find(y, sr)
    assert code is not None and code.channels == (0,) and code.rate.name == rate
    assert abs(code.time_reference - reference) <= 2  # samples
    assert code.start == label  # 0.0104 s is under half a frame at every rate


def test_a_drop_frame_minute_is_followed_across_its_skipped_labels():
    y, reference = _code("29.97df", "00:00:59;20", 48000)  # 00:00:59;29 is followed by 00:01:00;02
    code = ltc.find(y, 48000)
    assert code.rate.name == "29.97df" and abs(code.time_reference - reference) <= 2


@pytest.mark.parametrize("harm", ["high-pass 300 Hz", "band 100-5000 Hz", "low-pass 3 kHz", "-30 dB over a hiss",
                                  "inverted", "clipped"])
def test_timecode_recorded_through_a_camera_s_input_is_still_read(harm):
    sr = 48000
    y, reference = _code("25", "01:02:03:04", sr)
    rng = np.random.default_rng(1)
    x = {"high-pass 300 Hz": lambda: ss.sosfilt(ss.butter(2, 300, "hp", fs=sr, output="sos"), y),
         "band 100-5000 Hz": lambda: ss.sosfilt(ss.butter(2, [100, 5000], "bp", fs=sr, output="sos"), y),
         "low-pass 3 kHz": lambda: ss.sosfilt(ss.butter(4, 3000, "lp", fs=sr, output="sos"), y),
         "-30 dB over a hiss": lambda: 0.06 * y + 0.0005 * rng.standard_normal(len(y)),
         "inverted": lambda: -y,
         "clipped": lambda: np.clip(3 * y, -0.9, 0.9)}[harm]()
    code = ltc.find(x.astype(np.float32), sr)
    assert code is not None and code.rate.name == "25" and abs(code.time_reference - reference) <= 20
    assert code.channels == (0,) and code.mixed == ()  # the code alone: left out


def _not_timecode(sr: int = 48000) -> dict[str, np.ndarray]:
    t = np.arange(2 * sr) / sr
    rng = np.random.default_rng(0)
    out = {"white noise": rng.standard_normal(len(t)), "1 kHz tone": np.sin(2 * np.pi * 1000 * t)}
    for hz in (960, 1000, 1200, 1920, 2000, 2400):  # squares at LTC's half and whole bit rates
        out[f"square {hz} Hz"] = np.sign(np.sin(2 * np.pi * hz * t))
    out["click track"] = click_track(180, 2.0, sr=sr)[0]
    out["a bar of the demo score"] = sf.read(audio.Path(__file__).parents[1] / "syncsheet" / "data" / "demo_score.ogg",
                                             frames=2 * 44100, dtype="float32", always_2d=True)[0][:, 0]
    return out


@pytest.mark.parametrize("name", list(_not_timecode()))
def test_music_noise_tones_and_clicks_are_no_timecode(name):
    assert ltc.find(_not_timecode()[name].astype(np.float32), 48000) is None


@pytest.mark.parametrize("odd", ["no samples", "one sample", "NaN", "infinity", "DC", "near silence"])
def test_odd_blocks_are_no_timecode_and_warn_of_nothing(odd):
    x = {"no samples": np.zeros((0, 2)), "one sample": np.ones((1, 2)), "NaN": np.full((4000, 1), np.nan),
         "infinity": np.full((96000, 1), np.inf), "DC": np.ones((96000, 2)), "near silence": np.full(100, 1e-9)}[odd]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ltc.find(x.astype(np.float32), 48000) is None


@pytest.mark.parametrize(("leader", "found"), [(5.0, True), (ltc.LEADER_SECONDS + 2, False)])
def test_a_code_after_a_blank_leader_is_found_while_its_channel_was_silent(tmp_path, leader, found):
    # a tape transfer: its timecode track starts after a silent leader; the music runs from the start
    sr = 48000
    music, _ = click_track(100, leader + 4.0, sr=sr)
    code, _ = _code("25", "10:00:00:00", sr, seconds=4.0, lead=0.0)
    y = np.zeros((len(music), 2), np.float32)
    y[:, 0] = music
    y[-len(code):, 1] = code
    sf.write(tmp_path / "transfer.wav", y, sr, subtype="FLOAT")
    info = audio.probe(tmp_path / "transfer.wav")
    if not found:
        assert info.timecode is None
        return
    # the file's first sample is the leader's length before 10:00:00:00
    assert info.timecode.channels == (1,) and info.start_timecode(tb.parse_rate("25")) == "09:59:55:00"
    assert ltc.search([y[i : i + 2 * sr] for i in range(0, len(y), 2 * sr)], sr).start == "09:59:55:00"


def test_after_a_leader_only_the_silent_channels_are_read_and_named_in_the_file():
    # four tracks: music, an empty track, the code after a 5 s leader, music
    sr = 48000
    music, _ = click_track(100, 9.0, sr=sr)
    code, _ = _code("24", "01:00:00:00", sr, seconds=4.0, lead=0.0)
    y = np.zeros((len(music), 4), np.float32)
    y[:, 0], y[:, 3] = music, 0.5 * music
    y[-len(code):, 2] = code
    blocks = [y[i : i + 2 * sr] for i in range(0, len(y), 2 * sr)]
    found = ltc.search(blocks, sr)
    assert found.channels == (2,) and found.mixed == () and found.start == "00:59:55:00"


def test_music_after_silence_is_searched_no_further_than_its_sound():
    sr = 48000
    music, _ = click_track(100, 6.0, sr=sr)
    y = np.concatenate([np.zeros(3 * sr, np.float32), music])
    reads = []

    def blocks():
        for i in range(0, len(y), 2 * sr):
            reads.append(i)
            yield y[i : i + 2 * sr]

    assert ltc.search(blocks(), sr) is None and len(reads) == 2  # the silence, then the music: no code


def test_timecode_is_not_read_below_16_khz():
    # a half bit is under three samples: left in the mix, as any other sound
    y, _ = _code("24", "01:00:00:00", 8000)
    assert ltc.find(y, 8000) is None


def _stereo(tmp_path, code_channel: int = 1, rate: str = "25", label: str = "10:00:00:00"):
    music, beats = click_track(120, 8.0, sr=48000)
    code, _ = _code(rate, label, 48000, seconds=8.0, lead=0.0)
    y = np.zeros((len(music), 2), np.float32)
    y[:, 1 - code_channel], y[:, code_channel] = music, code[: len(music)]
    sf.write(tmp_path / "take.wav", y, 48000, subtype="PCM_24")
    sf.write(tmp_path / "music.wav", music, 48000, subtype="PCM_24")
    return tmp_path / "take.wav", tmp_path / "music.wav", beats


@pytest.mark.parametrize("channel", [0, 1])
def test_a_channel_of_timecode_is_left_out_of_the_analysis(tmp_path, channel):
    take, music, _ = _stereo(tmp_path, channel)
    info = audio.probe(take)
    assert info.timecode.channels == (channel,) and info.start_timecode(tb.parse_rate("25")) == "10:00:00:00"
    assert info.timeline_source == f"LTC timecode on channel {channel + 1} (25 fps)"
    with_code, alone = analyze(take), analyze(music)
    assert [b.time for b in with_code.beats] == [b.time for b in alone.beats] and len(alone.beats) >= 14
    assert [c.time for c in with_code.cues] == [c.time for c in alone.cues]
    assert np.array_equal(with_code.levels.db, alone.levels.db)
    assert with_code.warnings[-1] == (f"channel {channel + 1} is SMPTE timecode (LTC at 25 fps, 10:00:00:00 at the "
                                      "file's start): left out of the analysis")
    # samples in memory alike
    y, sr = sf.read(take, dtype="float32")
    assert [b.time for b in analyze_samples(y, sr).beats] == [b.time for b in alone.beats]


def _demo_music(seconds: float) -> np.ndarray:
    """The demo score's first seconds, mono at 44.1 kHz: music with a bass, as most music has."""
    y, _ = sf.read(audio.Path(__file__).parents[1] / "syncsheet" / "data" / "demo_score.ogg",
                   frames=int(seconds * 44100), dtype="float32", always_2d=True)
    return y.mean(axis=1)


@pytest.mark.parametrize("under_db", [0, 10])
def test_timecode_mixed_into_the_music_keeps_the_music(under_db):
    # a mono mix of the music and the code: the code is read, but the channel is not left out
    sr = 44100
    music = _demo_music(8.0)
    code, _ = _code("25", "10:00:00:00", sr, seconds=8.0, lead=0.0)
    mono = music * np.sqrt(np.mean(code**2) / np.mean(music**2)) * 10 ** (-under_db / 20) + code
    found = ltc.find(mono[: 2 * sr], sr)
    # as loud as the code, the music breaks it up; 10 dB under, the code is read and kept with it
    assert (found is None) if under_db == 0 else (found.channels == () and found.mixed == (0,))
    result = analyze_samples(mono, sr)
    assert result.beats
    if found is not None:
        assert found.start == "10:00:00:00"
        assert "mixed with other sound: kept for that sound" in result.warnings[-1]


def test_what_the_code_leaves_unexplained_parts_code_from_code_with_music():
    sr = 44100
    code, _ = _code("30", "01:00:00:00", sr)
    assert ltc.unexplained_db(code, ltc._edges(code), sr) < -60
    music = _demo_music(3.0)
    music *= np.sqrt(np.mean(code**2) / np.mean(music**2))
    for db in (10, 20):  # the music's power this far under the code's
        x = code + music * 10 ** (-db / 20)
        assert ltc.unexplained_db(x, ltc._edges(x), sr) > ltc.ALONE_DB + 3


@pytest.mark.parametrize(("kind", "subtype"), [("MP3", "MPEG_LAYER_III"), ("OGG", "VORBIS")])
@pytest.mark.parametrize("quality", [0.1, 0.9])
def test_timecode_through_a_lossy_codec_is_still_the_code_alone(tmp_path, kind, subtype, quality):
    # a camera's audio is compressed: the codec's noise lies with the code's own energy, above 1 kHz
    sr = 44100
    code, reference = _code("25", "01:02:03:04", sr, seconds=3.0)
    path = tmp_path / f"code.{kind.lower()}"
    sf.write(path, np.stack([code, code], axis=1), sr, format=kind, subtype=subtype, compression_level=quality)
    y, _ = sf.read(path, dtype="float32", always_2d=True)
    found = ltc.find(y[: 2 * sr], sr)
    assert found is not None and found.channels == (0, 1) and found.start == "01:02:03:04"


def test_a_file_of_timecode_alone_says_so_and_is_not_silent(tmp_path):
    code, _ = _code("24", "01:00:00:00", 48000, seconds=4.0, lead=0.0)
    for name, y in (("mono.wav", code), ("copied.wav", np.stack([code, code], 1))):
        sf.write(tmp_path / name, y, 48000)
        result = analyze(tmp_path / name)
        assert not result.beats and not result.cues
        assert result.warnings == ("the audio is SMPTE timecode (LTC at 24 fps, 01:00:00:00 at the file's start) "
                                   "and nothing else: there is no music to analyse",)


def test_a_broadcast_wav_s_reference_is_taken_before_its_timecode_channel(tmp_path):
    take, _, _ = _stereo(tmp_path)
    y, sr = sf.read(take, dtype="float32")
    write_bwf(tmp_path / "bwf.wav", y, sr, 3600 * sr)
    info = audio.probe(tmp_path / "bwf.wav")
    assert info.timecode is not None and info.timeline_source == "BWF time reference"
    assert info.start_timecode(tb.parse_rate("25")) == "01:00:00:00"


def test_the_waveform_leaves_the_timecode_out(tmp_path):
    take, music, _ = _stereo(tmp_path)
    peaks, alone = compute_peaks(take), compute_peaks(music)
    assert peaks.without == (1,) and alone.without == ()
    for a, b in zip(peaks.levels, alone.levels, strict=True):
        assert np.allclose(a.maxs, b.maxs, atol=1e-6) and np.allclose(a.rms, b.rms, atol=1e-6)
    span = read_span(take, 1000, 3000, without=peaks.without)
    assert np.allclose(span, read_span(music, 1000, 3000), atol=1e-6)


def test_the_cli_starts_the_sheet_at_the_timecode_channel_s_time(capsys, tmp_path):
    take, _, _ = _stereo(tmp_path, rate="25", label="10:00:00:00")
    out = tmp_path / "a.json"
    assert main(["analyze", str(take), "--fps", "25", "--json", str(out)]) == 0
    said = capsys.readouterr().out
    assert "start timecode 10:00:00:00, from the file's LTC timecode on channel 2 (25 fps)" in said
    assert "warning: channel 2 is SMPTE timecode" in said
    assert json.loads(out.read_text())["start_timecode"] == "10:00:00:00"
    assert "--fps 25 numbers the sheet" not in said
    # a 24 fps sheet beside the 25 fps code: the start converted, and the code's rate said
    assert main(["analyze", str(take), "--fps", "24", "--json", str(out)]) == 0
    said = capsys.readouterr().out
    assert "start timecode 10:00:00:00, from the file's LTC timecode on channel 2 (25 fps)" in said
    assert ("the file's timecode counts 25 fps and the sheet 24 fps: --fps 25 numbers the sheet in the code's "
            "frames") in said
