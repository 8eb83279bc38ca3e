"""The CLI in-process (main(argv)) and as the installed console script."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import click_track

from syncsheet.cli import main

CONVERT_EXAMPLES = [
    (["17982", "--fps", "29.97df", "--to", "timecode"], "00:10:00;00"),
    (["00:01:00;02", "--fps", "29.97df", "--to", "frames"], "1800"),
    (["100", "--fps", "24", "--to", "feet"], "6+04"),
    (["90+00", "--fps", "24", "--to", "frames"], "1440"),
    (["60s", "--fps", "24", "--to", "frames"], "1440"),
    (["2.5s", "--fps", "25", "--to", "timecode"], "00:00:02:12"),
    (["01:00:00:00", "--fps", "23.976", "--to", "frames"], "86400"),
    (["86400", "--fps", "23.976", "--to", "seconds"], "3603.6"),
    (["1440", "--fps", "24", "--to", "seconds"], "60"),
]


@pytest.mark.parametrize(("argv", "expected"), CONVERT_EXAMPLES)
def test_convert_prints_only_the_result(capsys, argv, expected):
    assert main(["convert", *argv]) == 0
    out = capsys.readouterr()
    assert out.out == expected + "\n" and out.err == ""


@pytest.mark.parametrize(
    "argv",
    [
        ["00:01:00;00", "--fps", "29.97df", "--to", "frames"],
        ["00:00:00:30", "--fps", "30", "--to", "frames"],
        ["12+16", "--fps", "24", "--to", "frames"],
        ["banana", "--fps", "24", "--to", "frames"],
        ["3000000", "--fps", "24", "--to", "timecode"],
    ],
)
def test_convert_impossible_values(capsys, argv):
    assert main(["convert", *argv]) == 1
    err = capsys.readouterr().err
    assert err.startswith("syncsheet: error: ") and err.count("\n") == 1


@pytest.mark.parametrize("fps", ["0", "abc", "24df", "-5"])
def test_bad_rate_is_a_one_line_usage_error(capsys, fps):
    with pytest.raises(SystemExit) as e:
        main(["convert", "10", "--fps", fps, "--to", "frames"])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("syncsheet: error: ") and err.count("\n") == 1


def test_analyze_missing_file(capsys, tmp_path):
    assert main(["analyze", str(tmp_path / "nope.wav"), "--json", str(tmp_path / "x.json")]) == 1
    err = capsys.readouterr().err
    assert "nope.wav" in err and err.count("\n") == 1
    assert not (tmp_path / "x.json").exists()


def test_a_start_timecode_the_audio_runs_past_midnight_from_is_said_before_the_analysis(
        capsys, tmp_path, write_audio, monkeypatch):
    # the header's duration says it: a 2 h reel was analysed for 80 s before this error
    from syncsheet.commands import analyze as command

    y, _ = click_track(120, 6.0)
    wav = write_audio("clicks.wav", y)

    def never(*args, **kwargs):
        raise AssertionError("analysed")

    monkeypatch.setattr(command, "analyze", never)
    out = tmp_path / "a.json"
    assert main(["analyze", str(wav), "--fps", "24", "--start-tc", "23:59:55:00", "--json", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "23:59:55:00 plus 144 frames runs past 24:00:00:00" in err
    assert not out.exists()


@pytest.mark.parametrize("where", ["missing/a.json", "folder"])
def test_an_output_that_cannot_be_written_is_said_before_the_analysis(
        capsys, tmp_path, write_audio, monkeypatch, where):
    from syncsheet.commands import analyze as command

    y, _ = click_track(120, 3.0)
    wav = write_audio("clicks.wav", y)
    (tmp_path / "folder").mkdir()
    (tmp_path / "kept.csv").write_text("an earlier sheet")

    def never(*args, **kwargs):
        raise AssertionError("analysed")

    monkeypatch.setattr(command, "analyze", never)
    argv = ["analyze", str(wav), "--csv", str(tmp_path / "kept.csv"), "--json", str(tmp_path / where)]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and ("does not exist" in err or "is a folder" in err)
    assert (tmp_path / "kept.csv").read_text() == "an earlier sheet"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clicks.wav", "folder", "kept.csv"]  # no temporary left


def test_a_broadcast_wav_starts_the_sheet_at_its_own_timecode(capsys, tmp_path):
    # a bounce from a DAW session at 01:00:00:00: the sheet, the EDL and the MIDI offset sit there
    from helpers import write_bwf

    y, _ = click_track(120, 4.0, sr=48000)
    wav = tmp_path / "bounce.wav"
    write_bwf(wav, y, 48000, 3600 * 48000)
    out = tmp_path / "a.json"
    assert main(["analyze", str(wav), "--fps", "24", "--json", str(out), "--edl", str(tmp_path / "a.edl")]) == 0
    assert "start timecode 01:00:00:00, from the file's BWF time reference" in capsys.readouterr().out
    assert json.loads(out.read_text())["start_timecode"] == "01:00:00:00"
    events = [line.split() for line in (tmp_path / "a.edl").read_text().splitlines() if line[:3].isdigit()]
    assert events and all(e[-1].startswith("01:00:0") for e in events)  # record times from 01:00:00:00
    # --start-tc says otherwise
    assert main(["analyze", str(wav), "--start-tc", "00:00:00:00", "--json", str(out), "-q"]) == 0
    assert json.loads(out.read_text())["start_timecode"] == "00:00:00:00"
    # a reference the audio would run past midnight from is not used, and the CLI says so
    write_bwf(wav, y, 48000, (24 * 3600 - 2) * 48000)
    assert main(["analyze", str(wav), "--json", str(out)]) == 0
    assert "23:59:58:00, is not used: the audio would run past midnight" in capsys.readouterr().out
    assert json.loads(out.read_text())["start_timecode"] in (None, "00:00:00:00")


def test_analyze_writes_json_and_csv(capsys, tmp_path, write_audio):
    y, _ = click_track(120, 6.0)
    wav = write_audio("clicks.wav", y)
    out_json, out_csv = tmp_path / "a.json", tmp_path / "a.csv"
    assert main(["analyze", str(wav), "--fps", "24", "--json", str(out_json), "--csv", str(out_csv), "-q"]) == 0
    doc = json.loads(out_json.read_text())
    assert doc["fps"] == "24" and doc["frames"] == 144 and doc["duration_s"] == pytest.approx(6.0)
    for key in ("beats", "downbeats", "onsets", "cues"):
        assert isinstance(doc[key], list)
    assert len(doc["beats"]) >= 8
    for b in doc["beats"]:
        assert set(b) >= {"time", "frame", "bar", "beat", "strength"} and b["bar"] >= 1 and b["beat"] >= 1
        assert b["frame"] == int(np.floor(b["time"] * 24 + 1e-9))
    rows = out_csv.read_text().splitlines()
    assert len(rows) == 1 + doc["frames"]


def test_offbeat_flag_moves_the_beats_half_a_beat(tmp_path, write_audio):
    y, clicks = click_track(120, 6.0)
    wav = write_audio("clicks.wav", y)
    for flag, name in (([], "on.json"), (["--offbeat"], "off.json")):
        assert main(["analyze", str(wav), "--json", str(tmp_path / name), "-q", *flag]) == 0
    on, off = ([b["time"] for b in json.loads((tmp_path / n).read_text())["beats"]] for n in ("on.json", "off.json"))
    inner = [t for t in off if 0.5 < t < 5.5]
    assert inner and all(abs((t - clicks[0]) / 0.5 % 1 - 0.5) < 0.05 for t in inner)  # between the clicks
    assert all(abs((t - clicks[0]) / 0.5 % 1 - 0.5) > 0.4 for t in on if 0.5 < t < 5.5)  # on them without it


def test_bar_start_flag_moves_the_bars(capsys, tmp_path, write_audio):
    y, clicks = click_track(120, 8.0)  # accented every 4th beat: bars start on clicks 0, 4, 8...
    wav = write_audio("clicks.wav", y)
    out = tmp_path / "a.json"
    assert main(["analyze", str(wav), "--json", str(out), "-q", "--bar-start", f"{clicks[5]:.3f}s"]) == 0
    down = [b["time"] for b in json.loads(out.read_text())["beats"] if b["beat"] == 1]
    assert any(abs(t - clicks[5]) < 0.03 for t in down) and all(abs(t - clicks[4]) > 0.1 for t in down)
    with pytest.raises(SystemExit) as e:  # argparse's usage error
        main(["analyze", str(wav), "--bar-start", "soon"])
    assert e.value.code == 2 and "not a time in seconds" in capsys.readouterr().err


def test_analyze_out_dir_writes_every_format(tmp_path, write_audio):
    y, _ = click_track(100, 4.0)
    wav = write_audio("song.wav", y)
    out = tmp_path / "out"
    assert main(["analyze", str(wav), "-o", str(out), "-q"]) == 0
    from syncsheet import exporters

    for mod in exporters.all_formats():
        assert (out / exporters.default_name(mod, "song")).is_file(), mod.NAME


def test_unwritable_output_is_one_line(capsys, tmp_path, write_audio):
    y, _ = click_track(100, 3.0)
    wav = write_audio("song.wav", y)
    assert main(["analyze", str(wav), "--json", str(tmp_path / "no" / "such" / "dir.json")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("syncsheet: error: ") and "does not exist" in err


def _script() -> str:
    found = Path(sys.executable).with_name("syncsheet")
    return str(found) if found.exists() else (shutil.which("syncsheet") or "")


@pytest.mark.skipif(not _script(), reason="syncsheet console script not installed")
def test_installed_script_convert_and_errors():
    run = subprocess.run([_script(), "convert", "17982", "--fps", "29.97df", "--to", "timecode"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and run.stdout == "00:10:00;00\n"
    run = subprocess.run([_script(), "analyze", "/nonexistent/a.wav"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert run.stderr.strip().startswith("syncsheet: error:") and len(run.stderr.strip().splitlines()) == 1


def test_starting_up_loads_no_writer_or_pool_it_does_not_use():
    """Every command builds the whole parser; the PDF, MIDI and process-pool libraries load only
    when a file of theirs is written or a batch runs (they are a tenth of a second of each start)."""
    code = ("import sys; from syncsheet.cli import build_parser; build_parser(); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in {'mido', 'PIL', 'multiprocessing'} "
            "or m.startswith(('reportlab.pdfgen', 'reportlab.pdfbase', 'syncsheet.batch', 'syncsheet.cluster'))))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"


def test_terminal_bar_draws_only_on_a_terminal_and_clears_after():
    import io

    from syncsheet.progress import TerminalBar

    class Tty(io.StringIO):
        def isatty(self):
            return True

    quiet = io.StringIO()
    bar = TerminalBar("x", stream=quiet)
    bar(0.5, "decoding")
    bar.close()
    assert quiet.getvalue() == ""  # a pipe or file gets no progress bar
    tty = Tty()
    bar = TerminalBar("song.wav", stream=tty)
    bar.close()
    assert tty.getvalue() == ""  # nothing drawn, nothing to clear
    bar(0.25, "beats")
    bar(1.0, "done")
    assert "song.wav" in tty.getvalue() and "100.0%" in tty.getvalue()
    bar.close()
    assert tty.getvalue().endswith("\r")


@pytest.mark.parametrize("columns", [80, 40, 12])
def test_terminal_bar_fits_the_terminal_whatever_the_file_name(monkeypatch, columns):
    # a line longer than the terminal wraps, and every redraw then scrolls a new line
    import io

    from syncsheet.progress import TerminalBar

    class Tty(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setenv("COLUMNS", str(columns))
    tty = Tty()
    name = "Reel 3 scene 42 take 7, the final mix for the dub stage, version 12 FINAL.flac"
    bar = TerminalBar(name, stream=tty)
    for k, stage in enumerate(["spectrum", "beat activation", "cues", "done"]):
        bar(k / 3, stage)
        bar._last = 0.0  # as if a tenth of a second had gone by
    lines = tty.getvalue().split("\r")[1:]
    assert len(lines) == 4 and all(len(line) <= columns - 1 for line in lines)
    if columns >= 40:  # the name's start and end, and the figure
        assert lines[-1].startswith("Ree") and "flac" in lines[-1] and "100.0%" in lines[-1]
    if columns >= 80:
        assert lines[-1].startswith("Reel 3 scene") and "FINAL.flac [" in lines[-1]
    bar.close()
    assert tty.getvalue().endswith("\r")


@pytest.mark.skipif(not _script(), reason="syncsheet console script not installed")
@pytest.mark.parametrize("delay", [0.15, 0.35])
def test_ctrl_c_while_starting_up_is_quiet(tmp_path, delay):
    """Ctrl+C while the CLI still imports its commands ends with one line and 130, no traceback.

    The commands' imports (numpy, scipy...) take about 0.5 s after the interpreter's own start-up
    (25-50 ms, more on a loaded machine), during which a Ctrl+C is Python's, not the CLI's: the
    delays land inside the imports (at 0.05 s the signal sometimes came before the CLI ran)."""
    import os
    import signal
    import time

    from syncsheet import demo

    proc = subprocess.Popen([_script(), "analyze", str(demo.score_path()), "-o", str(tmp_path / "o")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    time.sleep(delay)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert "Traceback" not in err
    assert proc.returncode in (0, 130)  # 0 only if it finished first
    if proc.returncode == 130:
        assert err.strip().splitlines()[-1] == "syncsheet: interrupted"
