"""No lost work: every file is written atomically, and a save killed half-way loses nothing.

* An audit of the source: nothing in syncsheet (or its UI) opens a file for writing except
  :mod:`syncsheet.fileio`, which writes a temporary file and renames it.
* A watch at run time: writing every registered format and a project opens no output path
  directly (only temporary files that are then renamed), so third-party writers are covered too.
* The kill test: a process saves a big project over and over; it is SIGKILLed at random moments,
  mostly in the middle of a save, and each time the project on disk is a whole earlier version.
"""

from __future__ import annotations

import ast
import builtins
import io
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from robustness.checks import files_in, run_cli

import syncsheet
from syncsheet import exporters, project

ROOT = Path(syncsheet.__file__).resolve().parent
SOURCE_DIRS = [ROOT, ROOT.parent / "ui"]
# (owner, name) of calls that write; owner "*" is any object (Path.write_text...)
WRITE_CALLS = {("*", "write_text"), ("*", "write_bytes"), ("tempfile", "mkstemp"), ("tempfile", "NamedTemporaryFile"),
               ("shutil", "copyfile"), ("shutil", "copy"), ("shutil", "copy2"), ("shutil", "move"), ("os", "open"),
               ("sf", "write"), ("soundfile", "write")}


def _writes_in(path: Path) -> list[str]:
    """Calls in a module that could write a file directly, as ``file:line what``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        owner = func.value.id if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) else ""
        if name == "open" and owner in ("", "io", "builtins", "codecs"):
            mode = next((k.value for k in node.keywords if k.arg == "mode"), None)
            mode = node.args[1] if len(node.args) > 1 else mode
            text = mode.value if isinstance(mode, ast.Constant) and isinstance(mode.value, str) else "r"
            if not isinstance(mode, (ast.Constant, type(None))) or set(text) & set("wax+"):
                found.append(f"{path.name}:{node.lineno} open(..., {ast.unparse(mode) if mode else ''})")
        elif ("*", name) in WRITE_CALLS or (owner, name) in WRITE_CALLS:
            found.append(f"{path.name}:{node.lineno} {ast.unparse(func)}(...)")
    return found


def test_only_fileio_writes_files():
    modules = [p for d in SOURCE_DIRS if d.is_dir() for p in sorted(d.rglob("*.py"))]
    assert any(p.name == "fileio.py" for p in modules)
    offenders = [w for p in modules if p != ROOT / "fileio.py" for w in _writes_in(p)]
    assert offenders == [], "write these through syncsheet.fileio.atomic_write: " + "; ".join(offenders)


def test_the_audit_sees_a_direct_write(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from pathlib import Path\nopen('x.txt', 'w').write('a')\nPath('y').write_bytes(b'')\n"
                   "import soundfile as sf\nsf.write('z.wav', [], 44100)\nwith open('r.txt') as f: pass\n"
                   "import numpy as np\nnp.zeros(3).copy()\n")
    assert sorted(w.split()[0] for w in _writes_in(bad)) == ["bad.py:2", "bad.py:3", "bad.py:5"]


def test_no_output_is_opened_in_place(tmp_path, capsys, monkeypatch):
    """Write every format and a project; only temporary files may be opened for writing."""
    audio = tmp_path / "take.wav"
    rng = np.random.default_rng(5)
    sf.write(audio, (0.2 * rng.standard_normal(44100)).astype(np.float32), 44100)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    direct: list[str] = []

    def watch(path, writing: bool) -> None:
        p = Path(os.fsdecode(path)) if isinstance(path, (str, bytes, os.PathLike)) else None
        temporary = p is not None and p.name.startswith(".") and p.name.endswith(".tmp")
        if writing and p is not None and out_dir in p.absolute().parents and not temporary:
            direct.append(str(p))

    real_open, real_os_open = builtins.open, os.open

    def spy_open(file, mode="r", *args, **kwargs):
        watch(file, isinstance(mode, str) and bool(set(mode) & set("wax+")))
        return real_open(file, mode, *args, **kwargs)

    def spy_os_open(path, flags, *args, **kwargs):
        watch(path, bool(flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT)))
        return real_os_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", spy_open)
    monkeypatch.setattr(io, "open", spy_open)
    monkeypatch.setattr(os, "open", spy_os_open)
    rc, _, err = run_cli(["analyze", audio, "-o", out_dir, "-q"], capsys)
    assert rc == 0, err
    sheet_analysis = exporters.read_file(out_dir / "take.json")
    project.save(project.Project(str(audio), analysis=sheet_analysis), out_dir / "take.syncsheet")
    monkeypatch.undo()
    assert direct == []
    expected = {exporters.default_name(m, "take") for m in exporters.all_formats()} | {"take.syncsheet"}
    assert set(files_in(out_dir)) == expected  # and no temporary file left


CHILD = r"""
import sys, time
import numpy as np
from syncsheet import fileio, project
from syncsheet.model import Analysis, Beat, Levels, Onset, TempoMap

path, first, once = sys.argv[1], int(sys.argv[2]), sys.argv[3:] == ["once"]
rng = np.random.default_rng(3)
beats = tuple(Beat(0.5 * i, i // 4 + 1, i % 4 + 1, 0.5) for i in range(7200))
onsets = tuple(Onset(float(t), 0.5) for t in np.sort(rng.uniform(0, 3600, 40000)))
levels = Levels(0.01, rng.uniform(-80, 0, 360000).astype(np.float32))
analysis = Analysis(3600.0, 48000, beats=beats, onsets=onsets, tempo=TempoMap.from_beats(beats[:8]), levels=levels)
base = project.Project("/audio/reel1.wav", "0" * 64, analysis=analysis)


def slow_disk(target, data):
    # project.save's own bytes through the real atomic_write, fed in 64 KiB pieces as to a slow
    # network share, so that a kill can land inside the write as well as inside the encoding
    def write(stream):
        print("writing", flush=True)
        for i in range(0, len(data), 1 << 16):
            stream.write(data[i: i + (1 << 16)])
            time.sleep(0.003)
    return fileio.atomic_write(target, write)


project.atomic_write_bytes = slow_disk
gen = first if once else first + 1
while True:
    print(f"saving {gen}", flush=True)
    project.save(base.with_edit(project.Edit("add", "cue", 1.0, label=f"gen {gen}")), path)
    print(f"saved {gen}", flush=True)
    if once:
        break
    gen += 1
"""


def _generation(path: Path) -> int:
    p = project.load(path)  # raises if the file is not a whole project
    assert len(p.analysis.onsets) == 40000 and len(p.analysis.beats) == 7200
    (edit,) = p.edits
    return int(edit.label.split()[1])


@pytest.mark.slow
def test_sigkill_during_save_keeps_the_previous_project(tmp_path):
    path = tmp_path / "reel1.syncsheet"
    subprocess.run([sys.executable, "-c", CHILD, str(path), "0", "once"], check=True, capture_output=True, timeout=120)
    assert _generation(path) == 0
    size = path.stat().st_size
    rnd = random.Random(11)
    generation, in_write, kills = 0, 0, 8
    for trial in range(kills):
        # even trials: a random moment of the whole save; odd trials: a random moment of the write
        wait_for = "saving" if trial % 2 == 0 else "writing"
        window = 0.45 if wait_for == "saving" else 0.15
        temps_before = len(list(tmp_path.glob(".*.tmp")))
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(path), str(generation)],
                                 stdout=subprocess.PIPE, text=True)
        lines: list[list[str]] = []
        try:
            while not lines or lines[-1][0] != wait_for:
                line = child.stdout.readline()
                assert line, "the saving process stopped by itself"
                lines.append(line.split())
            time.sleep(rnd.uniform(0.0, window))
            os.kill(child.pid, signal.SIGKILL)
            rest = child.stdout.read().split("\n")
        finally:
            child.kill()
            child.wait(timeout=30)
            child.stdout.close()
        assert child.returncode == -signal.SIGKILL
        lines += [line.split() for line in rest if line.strip()]
        saved = max([generation] + [int(x[1]) for x in lines if x[0] == "saved"])
        begun = max(int(x[1]) for x in lines if x[0] == "saving")
        on_disk = _generation(path)
        # the last whole save, or the one being made if the kill came just after its rename
        assert on_disk in (saved, begun), (trial, saved, begun, on_disk)
        assert path.stat().st_size >= size * 0.9
        in_write += len(list(tmp_path.glob(".*.tmp"))) > temps_before  # killed between temp file and rename
        generation = on_disk
    # a SIGKILL leaves its temporary file (nothing can run after it); it never replaces the project
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != path.name]
    assert all(n.startswith(f".{path.name}.") and n.endswith(".tmp") for n in leftovers)
    print(f"{in_write} of {kills} kills landed inside the write of the file")
    assert in_write >= 2
