"""The encoder-delay header of MP3 files: found where decoders remove the delay, missed where they
leave it in, and an analysis of an untagged file says so."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from syncsheet.analysis import analyze
from syncsheet.mp3info import DECODER_DELAY, ENCODER_DELAY, gapless_info

SR = 44100


def _clicks(sr: int = SR, seconds: float = 3.0) -> np.ndarray:
    x = np.zeros(int(sr * seconds), np.float32)
    for t in (0.5, 1.25, 2.0):
        i = int(t * sr)
        x[i : i + 64] = 0.8 * np.hanning(64)
    return x


def _write(path, x, sr: int, *, tagged: bool) -> None:
    # libsndfile's LAME writes the Info header in VBR mode; at its lowest CBR rate the first frame is
    # too small to hold it, so there is none
    mode, level = ("VARIABLE", 0.5) if tagged else ("CONSTANT", 0.99)
    sf.write(path, x, sr, format="MP3", subtype="MPEG_LAYER_III", compression_level=level, bitrate_mode=mode)


def _lag(x: np.ndarray, path, sr: int) -> int:
    """Samples by which the decoded file lags *x*, by cross-correlation around the first click."""
    y, _ = sf.read(path, dtype="float32")
    a, n = int(0.3 * sr), int(0.5 * sr)
    return max(range(-200, 3000), key=lambda k: float(np.dot(x[a : a + n], y[a + k : a + k + n])))


@pytest.mark.parametrize("sr", [SR, 48000, 22050])
def test_the_header_says_whether_the_decoder_removes_the_delay(tmp_path, sr):
    x = _clicks(sr)
    tagged, bare = tmp_path / "tagged.mp3", tmp_path / "bare.mp3"
    _write(tagged, x, sr, tagged=True)
    _write(bare, x, sr, tagged=False)
    info = gapless_info(tagged)
    assert info is not None and info.tagged and info.delay == ENCODER_DELAY and info.sample_rate == sr
    assert info.late == 0 and abs(_lag(x, tagged, sr)) <= 2
    info = gapless_info(bare)
    assert info is not None and not info.tagged and not info.header and info.delay is None
    assert abs(_lag(x, bare, sr) - info.late) <= 2 and info.late == ENCODER_DELAY + DECODER_DELAY


@pytest.mark.parametrize(("change", "late"), [
    (lambda ext: b"\0" * 36, ENCODER_DELAY),  # a Xing header alone: the decoder removes its own delay only
    (lambda ext: b"\0" * 9 + ext[9:], ENCODER_DELAY),  # no encoder name: the extension is not read
    (lambda ext: b"L3.99r\0\0\0" + ext[9:], 0),  # an old LAME's name
    (lambda ext: b"Lavc58.54" + ext[9:], 0),  # ffmpeg's
])
def test_the_verdict_follows_the_decoder_header_by_header(tmp_path, change, late):
    x = _clicks()
    p = tmp_path / "a.mp3"
    _write(p, x, SR, tagged=True)
    b = bytearray(p.read_bytes())
    at = max(b.find(b"Xing"), b.find(b"Info"))
    flags = int.from_bytes(b[at + 4 : at + 8], "big")
    ext = at + 8 + 4 * bool(flags & 1) + 4 * bool(flags & 2) + 100 * bool(flags & 4) + 4 * bool(flags & 8)
    b[ext : ext + 36] = change(bytes(b[ext : ext + 36]))
    p.write_bytes(bytes(b))
    info = gapless_info(p)
    assert info is not None and info.header and info.late == late
    assert abs(_lag(x, p, SR) - late) <= 2


def test_an_id3_tag_in_front_is_skipped(tmp_path):
    x = _clicks()
    _write(tmp_path / "a.mp3", x, SR, tagged=True)
    frame = b"TIT2" + (8).to_bytes(4, "big") + b"\x00\x00" + b"\x00cue 1M1"
    body = frame + bytes(300)  # ID3 padding
    size = len(body)
    syncsafe = bytes([(size >> 21) & 0x7F, (size >> 14) & 0x7F, (size >> 7) & 0x7F, size & 0x7F])
    p = tmp_path / "id3.mp3"
    p.write_bytes(b"ID3\x03\x00\x00" + syncsafe + body + (tmp_path / "a.mp3").read_bytes())
    info = gapless_info(p)
    assert info is not None and info.tagged and info.delay == 576


def test_files_without_mpeg_frames_give_none(tmp_path):
    w = tmp_path / "a.wav"
    sf.write(w, _clicks(), SR)
    assert gapless_info(w) is None
    t = tmp_path / "t.mp3"
    t.write_bytes(b"\xff\xfb" * 3)  # a cut-off header: nothing to read, no error
    assert gapless_info(t) is None


def test_analysis_warns_of_an_untagged_mp3_only(tmp_path):
    rng = np.random.default_rng(3)
    t = np.arange(int(SR * 6)) / SR
    x = (0.3 * np.sin(2 * np.pi * 220 * t) * (np.mod(t, 0.5) < 0.1) + 0.01 * rng.standard_normal(len(t)))
    x = x.astype(np.float32)
    _write(tmp_path / "tagged.mp3", x, SR, tagged=True)
    _write(tmp_path / "bare.mp3", x, SR, tagged=False)
    sf.write(tmp_path / "mix.wav", x, SR)
    bare = [w for w in analyze(tmp_path / "bare.mp3").warnings if "encoder delay" in w]
    assert len(bare) == 1 and "25 ms" in bare[0]
    assert not [w for w in analyze(tmp_path / "tagged.mp3").warnings if "encoder delay" in w]
    assert not [w for w in analyze(tmp_path / "mix.wav").warnings if "encoder delay" in w]


@pytest.mark.parametrize("sr", [SR, 48000, 22050])
def test_an_mp3_whose_header_counts_its_frames_and_is_cut_short_is_an_error(tmp_path, sr):
    # its header says the whole file's length, so a copy cut short decodes short of it (a 5-minute
    # MP3 cut to half gave a 154 s sheet and no word); an untagged one's length is an estimate
    from syncsheet import audio
    from syncsheet.errors import AudioTruncatedError

    x = np.tile(_clicks(sr), 4)
    tagged, bare = tmp_path / "tagged.mp3", tmp_path / "bare.mp3"
    _write(tagged, x, sr, tagged=True)
    _write(bare, x, sr, tagged=False)
    assert gapless_info(tagged).counted and not gapless_info(bare).counted
    assert len(audio.read_mono(tagged)[0]) == audio.probe(tagged).samples  # the count is exact
    # an untagged one's count is estimated from its size (2,503 samples more than it decodes at
    # 44.1 kHz), which is no error
    assert 0 <= audio.probe(bare).samples - len(audio.read_mono(bare)[0]) < 3 * 1152
    cut = tmp_path / "cut.mp3"
    cut.write_bytes(tagged.read_bytes()[: tagged.stat().st_size // 2])
    with pytest.raises(AudioTruncatedError, match=r"cut\.mp3: ended at .* though its header says 12\.00 s"):
        audio.read_mono(cut)
    cut.write_bytes(bare.read_bytes()[: bare.stat().st_size // 2])
    assert len(audio.read_mono(cut)[0]) < len(x)  # shorter, with no count to tell
