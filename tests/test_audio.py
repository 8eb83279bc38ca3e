import numpy as np
import pytest
import soundfile as sf

from syncsheet import audio
from syncsheet.errors import (
    AudioDecodeError,
    AudioNotFoundError,
    AudioTruncatedError,
    EmptyAudioError,
    SyncsheetError,
)


def tone(sr=44100, seconds=1.0, channels=1):
    t = np.arange(int(sr * seconds)) / sr
    y = 0.5 * np.sin(2 * np.pi * 440 * t)
    return np.repeat(y[:, None], channels, axis=1) if channels > 1 else y


@pytest.mark.parametrize(
    ("name", "fmt", "subtype"),
    [("a.wav", "WAV", "PCM_16"), ("a.aiff", "AIFF", "PCM_24"), ("a.flac", "FLAC", "PCM_16"),
     ("a.ogg", "OGG", "VORBIS"), ("a.mp3", "MP3", "MPEG_LAYER_III"), ("f.wav", "WAV", "FLOAT"),
     ("a.caf", "CAF", "ALAC_16"), ("take.bwf", "WAV", "PCM_24"), ("a.opus", "OGG", "OPUS")],
)
def test_formats_decode(tmp_path, name, fmt, subtype):
    path = tmp_path / name
    rate = 48000 if subtype == "OPUS" else 44100  # Opus runs at 48 kHz
    sf.write(path, tone(rate), rate, format=fmt, subtype=subtype)
    assert path.suffix in audio.SUFFIXES  # offered in the open dialogs and found by batch runs
    info = audio.probe(path)
    assert info.sample_rate == rate and info.channels == 1
    y, sr = audio.read_mono(path)
    assert sr == rate
    # lossy codecs add padding: the length is right within 50 ms
    assert abs(len(y) - rate) < 0.05 * rate
    assert 0.3 < np.max(np.abs(y)) < 0.7


@pytest.mark.parametrize("channels", [1, 2, 6])
def test_any_channel_count_mixes_to_mono(write_audio, channels):
    y = tone(channels=channels)
    if channels > 1:
        y[:, 1:] = 0.0  # only the first channel sounds: the mono mix is its mean
    path = write_audio(f"c{channels}.wav", y, 44100)
    info = audio.probe(path)
    assert info.channels == channels
    mono, _ = audio.read_mono(path)
    assert mono.ndim == 1
    assert np.max(np.abs(mono)) == pytest.approx(0.5 / channels, rel=0.01)


def test_blocks_stream_everything_in_order(write_audio):
    y = np.linspace(-1, 1, 100_003).astype(np.float32)
    path = write_audio("ramp.wav", y, 8000, subtype="FLOAT")
    parts = list(audio.blocks(path, blocksize=4096))
    assert all(len(p) == 4096 for p in parts[:-1])
    assert np.array_equal(np.concatenate(parts), y)


def test_progress_reaches_one_and_can_cancel(write_audio):
    from syncsheet.errors import Cancelled

    path = write_audio("p.wav", tone(seconds=3), 44100)
    seen = []
    list(audio.blocks(path, blocksize=8192, progress=lambda f, s: seen.append(f)))
    assert seen[-1] == 1.0 and seen == sorted(seen)

    def cancel(fraction, stage):
        if fraction > 0.3:
            raise Cancelled("stop")

    with pytest.raises(Cancelled):
        list(audio.blocks(path, blocksize=8192, progress=cancel))


def test_missing_file(tmp_path):
    with pytest.raises(AudioNotFoundError, match="no such file") as e:
        audio.probe(tmp_path / "nope.wav")
    assert "nope.wav" in str(e.value)


def test_directory(tmp_path):
    with pytest.raises(AudioDecodeError, match="folder"):
        audio.probe(tmp_path)


def test_empty_file(tmp_path):
    p = tmp_path / "empty.wav"
    p.write_bytes(b"")
    with pytest.raises(EmptyAudioError, match="empty"):
        audio.probe(p)


@pytest.mark.parametrize("name", ["noise.wav", "notes.mp3", "x.flac"])
def test_not_audio(tmp_path, rng, name):
    p = tmp_path / name
    p.write_bytes(rng.bytes(5000) if name != "notes.mp3" else b"this is a text file\n" * 50)
    with pytest.raises(AudioDecodeError, match="not an audio file") as e:
        audio.probe(p)
    assert name in str(e.value)
    # the path once, and never libsndfile's "does not exist" for a file that is there
    assert str(e.value).count(name) == 1 and "does not exist" not in str(e.value)


@pytest.mark.parametrize(("name", "head", "kind"), [
    ("animatic.mov", b"\x00\x00\x00\x14ftypqt  \x00\x00\x02\x00qt  ", "QuickTime"),
    ("temp.m4a", b"\x00\x00\x00\x20ftypM4A \x00\x00\x02\x00M4A isomiso2", "M4A"),
    ("old.mov", b"\x00\x00\x01\x00moov", "QuickTime movie"),
    ("score.wma", bytes.fromhex("3026b2758e66cf11a6d900aa0062ce6c"), "Windows Media"),
    ("clip.webm", bytes.fromhex("1a45dfa3a3428286"), "Matroska"),
    ("memo.amr", b"#!AMR\n", "AMR"),
    ("mix.ac3", bytes.fromhex("0b77a1b2"), "AC-3"),
    ("ref.avi", b"RIFF\x00\x10\x00\x00AVI LIST", "AVI"),
    ("stem.aac", bytes.fromhex("fff15080"), "AAC"),
])
def test_a_container_it_cannot_decode_is_named(tmp_path, rng, name, head, kind):
    """A movie or an AAC file is what a production often hands over: say what it is and what to do."""
    p = tmp_path / name
    p.write_bytes(head + rng.bytes(4000))
    with pytest.raises(AudioDecodeError, match="export the sound as WAV") as e:
        audio.probe(p)
    assert kind in str(e.value) and name in str(e.value) and "\n" not in str(e.value)


def test_truncated_wav(write_audio):
    path = write_audio("t.wav", tone(seconds=2), 44100)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(AudioTruncatedError, match="truncated") as e:
        audio.probe(path)
    assert "t.wav" in str(e.value)


def test_a_wav_cut_short_while_it_is_read_is_an_error(write_audio):
    # a copy still running, or a recording still being written: the sheet would silently end early
    path = write_audio("growing.wav", tone(seconds=4), 44100)
    info = audio.probe(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # cut after it was opened and its header read
    with pytest.raises(AudioTruncatedError, match=r"ended at 2\.00 s though its header says 4\.00 s") as e:
        list(audio.blocks(path, info=info, blocksize=4096))
    assert "growing.wav" in str(e.value) and "\n" not in str(e.value)


def test_a_broadcast_wav_s_time_reference_gives_its_start_timecode(tmp_path):
    from helpers import write_bwf

    from syncsheet.timebase import parse_rate

    path = tmp_path / "bounce.wav"
    write_bwf(path, tone(seconds=1), 48000, 3600 * 48000)  # a session at 01:00:00:00
    info = audio.probe(path)
    assert info.time_reference == 3600 * 48000 and info.samples == len(tone(seconds=1))
    assert info.start_timecode(parse_rate("24")) == "01:00:00:00"
    # a 29.97 session's 01:00:00;00 is 3,596.4 s after midnight, rounded to a sample; 20 h at 96 kHz
    # needs the high word
    write_bwf(path, tone(seconds=1), 48000, round(107892 * 1001 / 30000 * 48000))
    assert audio.probe(path).start_timecode(parse_rate("29.97df")) == "01:00:00;00"
    write_bwf(path, tone(seconds=1), 96000, 20 * 3600 * 96000)
    assert audio.probe(path).time_reference == 20 * 3600 * 96000 > 2**32
    assert audio.probe(path).start_timecode(parse_rate("25")) == "20:00:00:00"
    assert audio.probe(path).start_timecode(parse_rate("25/2")) is None  # no timecode at 12.5 fps
    write_bwf(path, tone(seconds=1), 48000, 3600 * 48000, last=True)  # the chunk after the audio
    assert audio.probe(path).time_reference == 3600 * 48000
    assert len(audio.read_mono(path)[0]) == len(tone(seconds=1))
    # a chunk too short to hold it, and a plain WAV, have none
    write_bwf(path, tone(seconds=1), 48000, 3600 * 48000, bext_size=300)
    assert audio.probe(path).time_reference is None
    plain = tmp_path / "plain.wav"
    sf.write(plain, tone(seconds=1), 48000)
    assert audio.probe(plain).time_reference is None and audio.probe(plain).start_timecode(parse_rate("24")) is None


def test_truncated_flac_is_an_error_or_shorter(write_audio):
    path = write_audio("t.flac", tone(seconds=3), 44100)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    try:
        y, _ = audio.read_mono(path)
    except SyncsheetError as exc:
        assert "t.flac" in str(exc)
    else:
        assert len(y) < 3 * 44100


def test_header_only_wav_has_no_samples(write_audio):
    path = write_audio("zero.wav", np.zeros(0), 44100)
    with pytest.raises(EmptyAudioError, match="no samples"):
        audio.probe(path)


def test_one_sample(write_audio):
    path = write_audio("one.wav", np.array([0.5]), 44100)
    y, sr = audio.read_mono(path)
    assert len(y) == 1


def test_every_error_is_one_line(tmp_path, rng):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(rng.bytes(300))
    for target in (tmp_path / "missing.wav", tmp_path, bad):
        with pytest.raises(SyncsheetError) as e:
            audio.probe(target)
        assert "\n" not in str(e.value)


@pytest.mark.parametrize("rate", [1, 999, 768_001, 2**31 - 1])
def test_a_header_rate_no_audio_has_is_refused(tmp_path, rng, rate):
    # 1 Hz made 44,100 samples 12 h long (7.8 GB after 5 minutes); 2^31 - 1 asked for a 256 GB filter
    p = tmp_path / "damaged.wav"
    sf.write(p, (rng.standard_normal(44100) * 0.1).astype(np.float32), 44100, subtype="PCM_16")
    head = bytearray(p.read_bytes())
    head[24:28] = rate.to_bytes(4, "little")  # the fmt chunk's sample rate
    p.write_bytes(bytes(head))
    with pytest.raises(AudioDecodeError, match="not a sample rate syncsheet analyses") as e:
        audio.probe(p)
    assert "damaged.wav" in str(e.value) and "\n" not in str(e.value)


def test_the_analysis_refuses_such_a_rate_too():
    from syncsheet.analysis import analyze_samples
    from syncsheet.errors import AnalysisError

    with pytest.raises(AnalysisError, match="1 Hz"):
        analyze_samples(np.zeros(100, np.float32), 1)
    assert analyze_samples(np.zeros(1000, np.float32), audio.MIN_RATE).duration == pytest.approx(1.0)
