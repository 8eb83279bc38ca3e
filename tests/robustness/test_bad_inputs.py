"""The bad-input sweep: every odd file a studio can hand syncsheet, through the CLI.

Each input gives either a sensible result or exactly one line ``syncsheet: error: ...`` with a
non-zero exit: no traceback, and no file (partial or temporary) left in the output folder.
Inputs are made at test time and are tiny.
"""

from __future__ import annotations

import errno
import io
import json
import math
import os
import subprocess
import types
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from robustness.checks import assert_one_error, files_in, run_cli

from syncsheet import exporters, fileio, project
from syncsheet.errors import ProjectError, SyncsheetError
from syncsheet.timebase import frames_of, parse_rate

SR = 44100
RNG_SEED = 20240607


def _noise(seconds: float, sr: int = SR, channels: int = 1) -> np.ndarray:
    rng = np.random.default_rng(RNG_SEED)
    shape = (int(seconds * sr), channels) if channels > 1 else (int(seconds * sr),)
    return (0.2 * rng.standard_normal(shape)).astype(np.float32)


def _pulses(seconds: float, sr: int = SR, bpm: float = 120.0) -> np.ndarray:
    """Noise bursts on a beat: something with beats, at any sample rate."""
    y = np.zeros(int(seconds * sr), np.float32)
    n = int(0.03 * sr)
    burst = _noise(0.03, sr)[:n] * np.exp(-np.arange(n) / (0.006 * sr)).astype(np.float32)
    for t in np.arange(0.1, seconds - 0.05, 60.0 / bpm):
        s = int(t * sr)
        y[s: s + n] += 3 * burst[: len(y) - s]
    return y


def _wav(y: np.ndarray, sr: int = SR, **kw) -> Callable[[Path], bytes]:
    def make(path: Path) -> None:
        sf.write(path, y, sr, format="WAV", **kw)
    return make


def _truncated_wav(path: Path) -> None:
    buf = io.BytesIO()
    sf.write(buf, _noise(1.0), SR, format="WAV")
    path.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])


def _square(path: Path) -> None:
    t = np.arange(2 * SR) / SR
    sf.write(path, np.clip(1.6 * np.sign(np.sin(2 * np.pi * 110 * t)), -1, 1).astype(np.float32), SR)


# name -> (file name, how to make it or None for "does not exist", "ok" or "error")
AUDIO_CASES: dict[str, tuple[str, Callable[[Path], None] | None, str]] = {
    "missing path": ("nowhere.wav", None, "error"),
    "directory": ("folder.wav", lambda p: p.mkdir(), "error"),
    "empty file": ("empty.wav", lambda p: p.write_bytes(b""), "error"),
    "random bytes named .wav": ("noise.wav", lambda p: p.write_bytes(
        np.random.default_rng(RNG_SEED).integers(0, 256, 4096, dtype=np.uint8).tobytes()), "error"),
    "truncated WAV": ("cut.wav", _truncated_wav, "error"),
    "WAV header only": ("header.wav", lambda p: (_wav(_noise(0.1))(p), p.write_bytes(p.read_bytes()[:40])), "error"),
    "text named .mp3": ("notes.mp3", lambda p: p.write_text("Cue 1M1 - spotting notes\n" * 40), "error"),
    "float NaN samples": ("nan.wav", _wav(np.full(SR, np.nan, np.float32), subtype="FLOAT"), "error"),
    "0 samples": ("zero.wav", _wav(np.zeros(0, np.float32)), "any"),
    "1 sample": ("one.wav", _wav(np.array([0.5], np.float32)), "ok"),
    "5 ms of sound": ("blip.wav", _wav(_noise(0.005)), "ok"),  # shorter than one spectral row
    "10 s of silence": ("silence.wav", _wav(np.zeros(10 * SR, np.float32)), "ok"),
    "DC only": ("dc.wav", _wav(np.full(2 * SR, 0.5, np.float32)), "ok"),
    "clipped square wave": ("square.wav", _square, "ok"),
    "5.1 audio": ("surround.wav", _wav(_noise(2.0, channels=6)), "ok"),
    "8 kHz": ("phone.wav", _wav(_pulses(2.0, 8000), 8000), "ok"),
    "192 kHz": ("hires.wav", _wav(_pulses(1.0, 192000), 192000), "ok"),
    "24-bit WAV": ("pcm24.wav", _wav(_pulses(2.0), subtype="PCM_24"), "ok"),
    "float WAV": ("float.wav", _wav(_pulses(2.0), subtype="FLOAT"), "ok"),
    "non-ASCII name": ("Überfall – 音楽 №1.wav", _wav(_pulses(2.0)), "ok"),
}


def _check_sensible(out_dir: Path, stem: str, audio: Path) -> dict:
    """Every format was written whole, and the JSON agrees with the audio."""
    names = {exporters.default_name(m, stem) for m in exporters.all_formats()}
    assert set(files_in(out_dir)) == names
    doc = json.loads((out_dir / f"{stem}.json").read_text("utf-8"))
    info = sf.info(str(audio))
    duration = info.frames / info.samplerate
    assert doc["duration_s"] == pytest.approx(duration, abs=1e-6)
    assert doc["sample_rate"] == info.samplerate
    assert doc["frames"] == max(1, math.ceil(duration * 24 - 1e-9))
    assert len(doc["levels_db"]) == doc["frames"]
    for b in doc["beats"]:
        assert 0 <= b["time"] <= duration and b["frame"] == int(frames_of([b["time"]], parse_rate("24"))[0])
    return doc


@pytest.mark.parametrize("case", list(AUDIO_CASES))
def test_analyze_bad_and_odd_audio(case, tmp_path, capsys):
    name, make, expect = AUDIO_CASES[case]
    audio = tmp_path / "in" / name
    audio.parent.mkdir()
    if make is not None:
        make(audio)
    out_dir = tmp_path / "out"
    rc, _, err = run_cli(["analyze", audio, "-o", out_dir, "-q"], capsys)
    if rc != 0 or expect == "error":
        assert expect != "ok", err
        assert_one_error(rc, err, name)
        assert files_in(out_dir) == []
        return
    doc = _check_sensible(out_dir, audio.stem, audio)
    if case == "10 s of silence":  # nothing to find, and the user is told why
        assert doc["beats"] == [] and doc["onsets"] == [] and doc["cues"] == [] and doc["warnings"]
    if case == "DC only":  # a constant offset has no beat
        assert doc["beats"] == []


def test_the_whole_sweep_as_one_batch(tmp_path, capsys):
    """Every odd file in one batch: the good ones are written, each bad one is listed, exit 1."""
    from syncsheet import batch

    folder = tmp_path / "in"
    folder.mkdir()
    made = {}
    for case, (name, make, expect) in AUDIO_CASES.items():
        if make is not None and case != "directory":
            make(folder / name)
            made[Path(name).stem] = expect
    out_dir = tmp_path / "out"
    rc, _, err = run_cli(["batch", folder, "-o", out_dir, "--jobs", "1", "--formats", "json", "-q"], capsys)
    assert rc == 1
    lines = err.splitlines()
    failed = [line for line in lines if line.startswith("syncsheet: failed: ")]
    assert lines[-1].startswith(f"syncsheet: error: {len(failed)} of {len(made)} files failed")
    assert len(lines) == len(failed) + 1
    written = {Path(p).stem for p in files_in(out_dir) if p != batch.MANIFEST}
    for stem, expect in made.items():
        if expect == "error":
            assert stem not in written and any(stem in line for line in failed), stem
        elif expect == "ok":
            assert stem in written, stem
    assert len(written) + len(failed) == len(made)


def test_non_ascii_output_folder(tmp_path, capsys):
    audio = tmp_path / "take.wav"
    sf.write(audio, _pulses(2.0), SR)
    out_dir = tmp_path / "Ausgabe – 出力"
    rc, _, err = run_cli(["analyze", audio, "-o", out_dir, "-q"], capsys)
    assert rc == 0, err
    _check_sensible(out_dir, "take", audio)


@pytest.fixture
def short_audio(tmp_path) -> Path:
    audio = tmp_path / "take.wav"
    sf.write(audio, _pulses(2.0), SR)
    return audio


# -- where the output cannot go ----------------------------------------------------------------
def test_output_folder_under_a_file(tmp_path, short_audio, capsys):
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a folder")
    rc, _, err = run_cli(["analyze", short_audio, "-o", blocker / "out", "-q"], capsys)
    assert_one_error(rc, err, "file.txt")
    rc, _, err = run_cli(["analyze", short_audio, "--json", blocker / "out.json", "-q"], capsys)
    assert_one_error(rc, err, "out.json")
    assert blocker.read_text() == "not a folder"


@pytest.mark.slow
def test_read_only_output_folder(tmp_path, short_audio, capsys):
    """A folder the user may not write: chmod where permissions apply, a read-only mount as root."""
    out_dir = tmp_path / "locked"
    out_dir.mkdir()
    if os.geteuid() != 0:
        out_dir.chmod(0o500)
        try:
            rc, _, err = run_cli(["analyze", short_audio, "-o", out_dir, "-q"], capsys)
        finally:
            out_dir.chmod(0o700)
        assert_one_error(rc, err, "locked")
        assert files_in(out_dir) == []
        return
    # root ignores permissions: mount a read-only tmpfs in a private mount namespace
    syncsheet = Path(os.sys.executable).with_name("syncsheet")
    cmd = (f"mount -t tmpfs -o ro,size=64k tmpfs '{out_dir}' && "
           f"'{syncsheet}' analyze '{short_audio}' -o '{out_dir}' -q; echo rc=$?; ls -A '{out_dir}'")
    proc = _in_mount_namespace(cmd)
    err_lines = proc.stderr.splitlines()
    assert len(err_lines) == 1 and err_lines[0].startswith("syncsheet: error: ") and "locked" in err_lines[0]
    assert "permission denied" in err_lines[0] or "read-only" in err_lines[0].lower()
    assert proc.stdout.splitlines() == ["rc=1"]  # and nothing listed in the folder


def _in_mount_namespace(cmd: str) -> subprocess.CompletedProcess:
    try:
        proc = subprocess.run(["unshare", "--mount", "sh", "-c", cmd], capture_output=True, text=True, timeout=120)
    except (FileNotFoundError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"no unshare here ({exc})")
    if "mount:" in proc.stderr or "unshare:" in proc.stderr:
        pytest.skip(f"cannot mount a private tmpfs here: {proc.stderr.strip()[:200]}")
    return proc


class _FullDisk(io.RawIOBase):
    """A stream that takes *room* bytes and then fails as a full disk does."""

    def __init__(self, real, room: int) -> None:
        self.real, self.room = real, room

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        if len(data) > self.room:
            raise OSError(errno.ENOSPC, "No space left on device")
        self.room -= len(data)
        return self.real.write(data)

    def fileno(self) -> int:
        return self.real.fileno()

    def flush(self) -> None:
        self.real.flush()

    def close(self) -> None:
        super().close()  # flushes first
        self.real.close()


@pytest.mark.parametrize("room", [0, 200])
def test_full_disk_leaves_nothing_and_keeps_the_old_file(tmp_path, short_audio, capsys, monkeypatch, room):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    old = out_dir / "take.json"
    old.write_text('{"previous": "sheet"}\n')
    real_fdopen = os.fdopen
    # only fileio's view of os changes: pytest and the rest of the process keep the real one
    fake_os = types.SimpleNamespace(**{k: getattr(os, k) for k in dir(os) if not k.startswith("__")})
    fake_os.fdopen = lambda fd, mode="r", *a, **k: _FullDisk(real_fdopen(fd, mode, *a, **k), room)
    monkeypatch.setattr(fileio, "os", fake_os)
    rc, _, err = run_cli(["analyze", short_audio, "--json", old, "-q"], capsys)
    assert_one_error(rc, err, "take.json", "disk is full")
    assert files_in(out_dir) == ["take.json"] and old.read_text() == '{"previous": "sheet"}\n'
    rc, _, err = run_cli(["analyze", short_audio, "-o", out_dir / "new", "-q"], capsys)
    assert_one_error(rc, err, "disk is full")
    assert files_in(out_dir) == ["take.json"]


@pytest.mark.slow
def test_really_full_disk(tmp_path):
    """The same on a real 16 KiB filesystem (root only; skipped where it cannot be mounted)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tiny tmpfs needs root")
    short_audio = tmp_path / "long.wav"
    sf.write(short_audio, _pulses(12.0), SR)  # its per-frame CSV alone is larger than the disk
    out_dir = tmp_path / "tiny"
    out_dir.mkdir()
    syncsheet = Path(os.sys.executable).with_name("syncsheet")
    cmd = (f"mount -t tmpfs -o size=16k tmpfs '{out_dir}' && "
           f"'{syncsheet}' analyze '{short_audio}' -o '{out_dir}' -q --start-tc 01:00:00:00; "
           f"echo rc=$?; ls -A '{out_dir}'")
    proc = _in_mount_namespace(cmd)
    lines = proc.stdout.splitlines()
    assert lines[0] == "rc=1", proc
    err_lines = proc.stderr.splitlines()
    assert len(err_lines) == 1 and "disk is full" in err_lines[0], proc.stderr
    # whatever fitted is a whole file; nothing half-written or temporary remains
    left = lines[1:]
    assert not [n for n in left if n.endswith(".tmp")]


# -- malformed files syncsheet reads -------------------------------------------------------------
def _readable() -> list:
    return [m for m in exporters.all_formats() if hasattr(m, "read")]


def _small_sheet():
    from syncsheet.model import Analysis, Beat, Cue, Levels, Onset, TempoMap
    from syncsheet.sheet import ExposureSheet

    beats = tuple(Beat(0.5 * i + 0.01, i // 4 + 1, i % 4 + 1, 0.8) for i in range(8))
    analysis = Analysis(4.0, SR, beats=beats, onsets=(Onset(0.26, 0.7),), cues=(Cue(1.3, "impact", "CRASH", 0.9),),
                        tempo=TempoMap.from_beats(beats), levels=Levels(0.01, np.full(400, -20, np.float32)),
                        source="take.wav")
    return ExposureSheet(analysis, parse_rate("24"))


def _own_bytes(mod) -> bytes:
    buf = io.BytesIO()
    mod.write(_small_sheet(), buf)
    return buf.getvalue()


def _flip(data: bytes, i: int) -> bytes:
    return data[:i] + bytes([data[i] ^ 0x5A]) + data[i + 1:] if data else data


GENERIC_PAYLOADS: dict[str, Callable[[bytes], bytes]] = {
    "empty": lambda good: b"",
    "random bytes": lambda good: np.random.default_rng(RNG_SEED).integers(0, 256, 2048, dtype=np.uint8).tobytes(),
    "first half": lambda good: good[: len(good) // 2],
    "first 10 bytes": lambda good: good[:10],
    "one byte changed": lambda good: _flip(good, len(good) // 3),
    "UTF-16 text": lambda good: "frame\tlabel\n1\tx\n".encode("utf-16"),
    "NUL bytes": lambda good: b"\0" * 512,
}


def _read(mod, data: bytes, tmp_path: Path):
    path = tmp_path / ("input" + mod.SUFFIXES[0])
    path.write_bytes(data)
    return exporters.read_file(path, mod.NAME)


@pytest.mark.parametrize("payload", list(GENERIC_PAYLOADS))
@pytest.mark.parametrize("fmt", [m.NAME for m in _readable()])
def test_malformed_files_of_every_readable_format(fmt, payload, tmp_path):
    mod = exporters.get(fmt)
    data = GENERIC_PAYLOADS[payload](_own_bytes(mod))
    try:
        result = _read(mod, data, tmp_path)
    except SyncsheetError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert math.isfinite(result.duration) and result.duration >= 0  # read: then it must make sense


# Malformed payloads for the formats other branches add; each runs once its reader is registered.
SPECIFIC_PAYLOADS: dict[str, list[bytes]] = {
    "midi": [
        b"MThd\x00\x00\x00\x06\x00\x01\x00\x01\x01\xe0",  # a header promising a track that is not there
        b"MThd\x00\x00\x00\x06\x00\x01\x00\x01\x01\xe0MTrk\xff\xff\xff\xff\x00\xff\x51\x03",  # huge track length
        b"MThd\x00\x00\x00\x06\x00\x03\x00\x01\x00\x00MTrk\x00\x00\x00\x04\x00\xff\x2f\x00",  # format 3, division 0
        b"MThd\x00\x00\x00\x06\x00\x00\x00\x01\x00\x60MTrk\x00\x00\x00\x08\x00\xff\x51\x03\x00\x00\x00\x00",  # tempo 0
        # SMPTE division, a marker with bytes that are not text
        b"MThd\x00\x00\x00\x06\x00\x00\x00\x01\xe7\x28MTrk\x00\x00\x00\x07\x00\xff\x06\x05\xff\xfe\xfd",
        b"RIFF\x10\x00\x00\x00RMIDdata",
    ],
    "xdts": [
        b"exchangeDigitalTimeSheet Save Data\n",
        b"exchangeDigitalTimeSheet Save Data\n{\"timeTables\": [",
        b"exchangeDigitalTimeSheet Save Data\n{\"timeTables\": 5, \"version\": 5}",
        b"exchangeDigitalTimeSheet Save Data\n{\"timeTables\": [{\"duration\": -5, \"fields\": [{\"fieldId\": 0, "
        b"\"tracks\": [{\"trackNo\": 0, \"frames\": [{\"frame\": 1e999, \"data\": [{\"id\": 0, "
        b"\"values\": [null]}]}]}]}]}], \"version\": 5}",
        b"{\"header\": {}, \"timeTables\": [], \"version\": 5}",  # no first line
        b"exchangeDigitalTimeSheet Save Data\n" + b"[" * 100000,
    ],
    "labels": [
        b"abc\tdef\tlabel\n",
        b"1.0\t0.5\tends before it starts\n",
        b"nan\tnan\tnot a number\n",
        b"-3\t-2\tnegative\n",
        b"1e999\t1e999\tinfinite\n",
        b"1.0 2.0 spaces not tabs\n",
        b"\\\t0.5\t1.5\n",
        b"\xff\xfe\x00\x01\tbad utf-8\n",
        b"1.0\t2.0\tok\n3.0\n",
    ],
}


def _module_for(kind: str):
    for mod in _readable():
        name, suffixes = mod.NAME.lower(), tuple(s.lower() for s in mod.SUFFIXES)
        if kind == "midi" and (".mid" in suffixes or ".midi" in suffixes):
            return mod
        if kind == "xdts" and ".xdts" in suffixes:
            return mod
        if kind == "labels" and ("audacity" in name or "label" in name):
            return mod
    return None


@pytest.mark.parametrize(("kind", "index"), [(k, i) for k, v in SPECIFIC_PAYLOADS.items() for i in range(len(v))])
def test_malformed_midi_xdts_and_labels(kind, index, tmp_path):
    mod = _module_for(kind)
    if mod is None:
        pytest.skip(f"no {kind} reader is registered on this branch")
    try:
        result = _read(mod, SPECIFIC_PAYLOADS[kind][index], tmp_path)
    except SyncsheetError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert math.isfinite(result.duration) and result.duration >= 0
    for event in (*result.beats, *result.onsets, *result.cues):
        assert math.isfinite(event.time) and event.time >= 0


@pytest.mark.parametrize(("name", "payload"), [
    ("far.labels.txt", b"0.5\t0.5\tbeat\n1e9\t1e9\tyears later\n"),  # asked for an 89 GB sheet
    ("far.json", None),
])
def test_a_file_timed_past_a_day_is_refused(name, payload, tmp_path, capsys):
    src = tmp_path / name
    if payload is None:  # a syncsheet JSON sheet whose duration says 10^9 s
        doc = json.loads(exporters.write_file(_small_sheet(), tmp_path / "sheet.json").read_text("utf-8"))
        doc["duration_s"] = 1e9
        payload = json.dumps(doc).encode()
    src.write_bytes(payload)
    rc, _, err = run_cli(["sheet", "--from", src, "-o", tmp_path / "out", "-q"], capsys)
    assert_one_error(rc, err, name)
    assert "24 h" in err and files_in(tmp_path / "out") == []


def _project_doc() -> dict:
    return project.Project("/audio/take.wav", "0" * 64, analysis=_small_sheet().analysis).to_dict()


PROJECT_PAYLOADS: dict[str, bytes] = {
    "empty": b"",
    "not JSON": b"syncsheet project\n",
    "invalid UTF-8": b'{"format": "\xff\xfe"}',
    "a list": b"[1, 2, 3]",
    "deep nesting": b"[" * 100000 + b"]" * 100000,
    "another format": json.dumps({"format": "something.else", "version": 1}).encode(),
    "newer version": json.dumps({**_project_doc(), "version": 99}).encode(),
    "bad fps": json.dumps({**_project_doc(), "fps": "24df"}).encode(),
    "infinite bar": json.dumps({**_project_doc(), "analysis": {**_project_doc()["analysis"],
                                                              "beats": [[1.0, 1e999, 1, 1.0]]}}).encode(),
    "NaN time": json.dumps({**_project_doc(), "analysis": {**_project_doc()["analysis"],
                                                          "beats": [[float("nan"), 1, 1, 1.0]]}}).encode(),
    "levels not base64": json.dumps({**_project_doc(), "analysis": {**_project_doc()["analysis"],
                                                                   "levels": {"step": 0.01, "db_f16": "!!"}}}).encode(),
    "edit of unknown kind": json.dumps({**_project_doc(), "edits": [{"op": "explode", "layer": "beat"}]}).encode(),
    "settings upside down": json.dumps({**_project_doc(), "settings": {"bpm_min": 300, "bpm_max": 20}}).encode(),
    "a duration of years": json.dumps({**_project_doc(), "analysis": {**_project_doc()["analysis"],
                                                                     "duration": 1e9}}).encode(),
}


@pytest.mark.parametrize("payload", list(PROJECT_PAYLOADS))
def test_malformed_project_files(payload, tmp_path):
    path = tmp_path / "scene.syncsheet"
    path.write_bytes(PROJECT_PAYLOADS[payload])
    with pytest.raises(ProjectError) as e:
        project.load(path)
    assert "scene.syncsheet" in str(e.value) and "\n" not in str(e.value)


# -- impossible rates and timecodes ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("flags", "named"),
    [
        (["--fps", "0"], "0"),
        (["--fps", "-24"], "-24"),
        (["--fps", "24df"], "24"),
        (["--fps", "1e9"], "1e9"),
        (["--fps", "1/0"], "1/0"),
        (["--fps", "99999"], "99999"),
        (["--fps", "24", "--start-tc", "00:00:00:24"], "00:00:00:24"),
        (["--fps", "29.97df", "--start-tc", "00:01:00;00"], "00:01:00;00"),
        (["--fps", "25", "--start-tc", "24:00:00:00"], "24:00:00:00"),
        (["--fps", "24", "--start-tc", "23:59:59:23"], "23:59:59:23"),
        (["--fps", "24", "--start-tc", "1:2:3"], "1:2:3"),
        (["--fps", "12.5", "--start-tc", "00:00:01:00"], "25/2"),
        (["--lead", "-3"], "-3"),
        (["--bpm-min", "300", "--bpm-max", "100"], "300"),
    ],
)
def test_impossible_rates_and_timecodes(flags, named, short_audio, tmp_path, capsys):
    out_dir = tmp_path / "out"
    rc, _, err = run_cli(["analyze", short_audio, "-o", out_dir, "-q", *flags], capsys)
    assert_one_error(rc, err, named)
    assert files_in(out_dir) == []


@pytest.mark.parametrize(
    "argv",
    [["00:00:60:00", "--fps", "24"], ["99:00:00:00", "--fps", "24"], ["00:10:00;00", "--fps", "25"],
     ["5+99", "--fps", "24"], ["1" * 5000, "--fps", "24"], ["1" * 5000 + "+00", "--fps", "24"],
     ["1e999s", "--fps", "24"], ["-5", "--fps", "24"], ["", "--fps", "24"]],
)
def test_impossible_values_to_convert(argv, capsys):
    rc, _, err = run_cli(["convert", *argv, "--to", "timecode"], capsys)
    assert_one_error(rc, err)


# -- the installed script, as a user runs it ------------------------------------------------------
@pytest.mark.parametrize("case", ["missing path", "random bytes named .wav", "text named .mp3", "bad fps",
                                  "bad output"])
def test_installed_script(case, script, tmp_path):
    audio = tmp_path / "in.wav"
    argv = [script, "analyze", audio, "-o", tmp_path / "out", "-q"]
    if case == "random bytes named .wav":
        AUDIO_CASES[case][1](audio)
    elif case == "text named .mp3":
        audio = tmp_path / "notes.mp3"
        AUDIO_CASES[case][1](audio)
        argv[2] = audio
    elif case in ("bad fps", "bad output"):
        sf.write(audio, _pulses(1.0), SR)
        if case == "bad fps":
            argv += ["--fps", "23.9x"]
        else:
            (tmp_path / "file.txt").write_text("x")
            argv[4] = tmp_path / "file.txt" / "out"
    proc = subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=120)
    lines = [line for line in proc.stderr.splitlines() if not line.startswith("Note: ")]  # libmpg123's own chatter
    assert proc.returncode in (1, 2) and proc.stdout == ""
    assert len(lines) == 1 and lines[0].startswith("syncsheet: error: "), proc.stderr
    assert files_in(tmp_path / "out") == []


def test_unreadable_file_of_a_readable_format(tmp_path, monkeypatch):
    """A read error (permission denied even for root, a failing disk) is one FormatError."""
    import builtins
    import errno as errnos

    from syncsheet.errors import FormatError

    path = tmp_path / "locked.json"
    path.write_bytes(_own_bytes(exporters.get("json")))
    real_open = builtins.open

    def denied(file, *args, **kwargs):
        if Path(os.fsdecode(file)) == path:
            raise PermissionError(errnos.EACCES, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", denied)
    with pytest.raises(FormatError, match="locked.json.*Permission denied"):
        exporters.read_file(path)


def test_a_beat_added_on_top_of_another(tmp_path):
    """An edit can put two beats at one instant: the tempo map skips the duplicate (no division by zero)."""
    from syncsheet.model import Analysis, Beat

    beats = tuple(Beat(0.5 * i, i // 4 + 1, i % 4 + 1) for i in range(8))
    edited, unmatched = project.apply_edits(Analysis(4.0, beats=beats), [project.Edit("add", "beat", 1.0)])
    assert not unmatched and len(edited.beats) == 9
    assert edited.tempo.segments and all(round(s.bpm, 6) == 120.0 for s in edited.tempo.segments)
