"""The ``hits`` and ``tempos`` commands."""

from __future__ import annotations

import pytest

from syncsheet.cli import main


def test_tempos_table(capsys):
    assert main(["tempos", "--fps", "24", "--bpm-min", "110", "--bpm-max", "126"]) == 0
    out = capsys.readouterr().out.splitlines()
    rows = {line.split()[0]: line.split()[1:] for line in out[1:]}
    assert rows["12"] == ["120.000", "12"]
    half = "12½" if "12½" in rows else "12+1/2"  # ASCII when stdout cannot print ½
    assert rows[half] == ["115.200", "12-13"]
    assert rows[half.replace("12", "11", 1)][0] == "~125.217"  # rounded for display, and marked so


def test_hits_lists_the_hand_calculated_tempos(capsys):
    assert main(["hits", "--fps", "24", "0", "48", "96", "144", "--tolerance", "0",
                 "--bpm-min", "50", "--bpm-max", "130"]) == 0
    out = capsys.readouterr().out
    lines = [line.split() for line in out.splitlines()[2:]]
    assert [line[0] for line in lines] == ["60.000", "90.000", "120.000"]
    assert lines[2][1:3] == ["12", "0.00"] and lines[2][-4:] == ["1", "5", "9", "13"]


def test_hits_accept_timecode_and_an_offset(capsys):
    # 00:00:01:00 and 00:00:02:00 at 24 fps are frames 24 and 48; from an offset of 0: 60 BPM hits beats 2 and 3
    assert main(["hits", "--fps", "24", "00:00:01:00", "00:00:02:00", "--offset", "0", "--tolerance", "0",
                 "--bpm-min", "55", "--bpm-max", "65"]) == 0
    out = capsys.readouterr().out
    assert "60.000" in out and out.splitlines()[-1].split()[-2:] == ["2", "3"]


def test_hits_help_explains_the_ranking(capsys):
    with pytest.raises(SystemExit):
        main(["hits", "--help"])
    assert "WORST error" in capsys.readouterr().out


def test_no_tempo_found_is_said_plainly(capsys):
    assert main(["hits", "--fps", "24", "0", "13", "--tolerance", "0", "--bpm-min", "100", "--bpm-max", "101"]) == 1
    assert "no tempo between 100 and 101 BPM" in capsys.readouterr().out


def test_bad_input_is_one_line(capsys):
    assert main(["hits", "--fps", "24", "0", "zzz"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "zzz" in err
    assert main(["hits", "--fps", "24", "0", "10", "--bpm-min", "300", "--bpm-max", "100"]) == 1
    assert "BPM range" in capsys.readouterr().err
