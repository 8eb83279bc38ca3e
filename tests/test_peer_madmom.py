"""The peer benchmark that scores madmom beside syncsheet (benchmarks/peer_madmom.py), without madmom:
a stand-in interpreter writes the beats madmom would."""

import json
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import peer_madmom  # noqa: E402

pytest.importorskip("mir_eval")

BEATS = np.arange(1.0, 31.0, 0.5)  # 120 BPM, trimmed to the beats after 5 s by mir_eval


def test_half_the_tempo_scores_two_thirds_and_a_late_grid_no_half_frames():
    f, half = peer_madmom.scores(BEATS, BEATS[::2])
    assert f == pytest.approx(2 / 3, abs=0.02)
    assert half == pytest.approx(0.5, abs=0.02)
    f, half = peer_madmom.scores(BEATS, BEATS + 0.03)  # inside ±70 ms, outside ±½ frame (20.8 ms)
    assert f == pytest.approx(1.0)
    assert half == 0.0
    assert peer_madmom.scores(BEATS, np.zeros(0)) == (0.0, 0.0)


def _fake_python(tmp_path: Path) -> Path:
    """An interpreter stand-in: `-c CODE wav out ...` writes each wav's sidecar beats to its out,
    and counts its calls."""
    script = tmp_path / "fake-python"
    script.write_text(
        "#!/bin/sh\n"
        f"echo x >> {tmp_path / 'calls'}\n"
        "shift 2\n"
        'while [ $# -gt 0 ]; do cp "${1%.wav}.madmom" "$2"; shift 2; done\n'
    )
    script.chmod(0o755)
    return script


def _make_set(root: Path) -> Path:
    s = root / "tiny"
    s.mkdir()
    excerpts = []
    for i, (subset, est) in enumerate((("main", BEATS), ("main", BEATS[::2]), ("tempo", BEATS))):
        np.savetxt(s / f"x{i}.beats", BEATS)
        np.savetxt(s / f"x{i}.madmom", est)
        (s / f"x{i}.wav").write_bytes(b"")
        excerpts.append({"id": f"x{i}", "subset": subset, "audio": f"x{i}.wav", "beats": f"x{i}.beats"})
    (s / "manifest.json").write_text(json.dumps({"excerpts": excerpts}))
    ours = root / "ours" / "tiny" / "est-syncsheet"
    ours.mkdir(parents=True)
    for i in range(3):
        (ours / f"x{i}.json").write_text(json.dumps({"beats": [{"time": float(t)} for t in BEATS + 0.03]}))
    return s


def test_runs_the_peer_once_and_prints_both_trackers(tmp_path, monkeypatch, capsys):
    s = _make_set(tmp_path)
    argv = ["peer_madmom.py", "--madmom-python", str(_fake_python(tmp_path)), "--set", str(s),
            "--work", str(tmp_path / "work"), "--ours", str(tmp_path / "ours"), "--jobs", "2"]
    monkeypatch.setattr(sys, "argv", argv)
    peer_madmom.main()
    rows = {line.split()[1]: line.split()[2:] for line in capsys.readouterr().out.splitlines()[1:]}
    steady, tempo, half = (float(x) for x in rows["madmom"])
    assert steady == pytest.approx((1 + 2 / 3) / 2, abs=0.02)  # one right, one at half the tempo
    assert tempo == pytest.approx(1.0)
    assert half == pytest.approx((1 + 0.5 + 1) / 3, abs=0.02)
    assert [float(x) for x in rows["syncsheet"]] == [1.0, 1.0, 0.0]  # 30 ms late: right, but not within ½ frame
    calls = len((tmp_path / "calls").read_text().splitlines())
    assert calls == 2  # one child per worker
    peer_madmom.main()  # the beats are cached: no child runs again
    assert len((tmp_path / "calls").read_text().splitlines()) == calls
