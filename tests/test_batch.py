"""Batch analysis: planning and skipping, failures, worker pools and a Dask cluster on loopback."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from helpers import click_track

from syncsheet import batch, cluster
from syncsheet.cli import build_parser, main
from syncsheet.commands import batch as batch_command
from syncsheet.errors import ClusterError, OutputError
from syncsheet.timebase import parse_rate

BPMS = (90, 105, 120, 140)


def make_inputs(folder: Path, seconds: float = 2.5) -> list[Path]:
    """Four short click tracks at different tempi, two of them in a subfolder."""
    paths = []
    for i, bpm in enumerate(BPMS):
        y, _ = click_track(bpm, seconds)
        path = folder / ("sub" if i % 2 else "") / f"take{i}.wav"
        path.parent.mkdir(parents=True, exist_ok=True)
        sf.write(path, y, 44100)
        paths.append(path)
    return paths


def outputs_of(folder: Path) -> dict[str, bytes]:
    """Every output file under *folder* (not the manifest), by relative path."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != batch.MANIFEST}


def recipe(fps: str = "24", formats=("json", "csv")) -> batch.Recipe:
    return batch.Recipe(parse_rate(fps), formats=formats)


def cli_recipe(argv: list[str]) -> batch.Recipe:
    """The recipe ``syncsheet ARGV`` runs with (format options included)."""
    return batch_command.recipe_from(build_parser().parse_args(argv))


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("audio")
    make_inputs(folder)
    return folder


@pytest.fixture(scope="module")
def reference(inputs, tmp_path_factory) -> dict[str, bytes]:
    """Outputs of the whole batch run in this process (--jobs 1), the yardstick for the others."""
    out = tmp_path_factory.mktemp("ref")
    assert main(["batch", str(inputs), "-o", str(out), "--jobs", "1", "--formats", "json,csv", "-q"]) == 0
    return outputs_of(out)


def test_reference_run_writes_every_format_in_the_input_layout(reference):
    names = {f"{'sub/' if i % 2 else ''}take{i}.{ext}" for i in range(len(BPMS)) for ext in ("json", "csv")}
    assert set(reference) == names
    for name, data in reference.items():
        if name.endswith(".json"):
            doc = json.loads(data)
            assert doc["source"] == Path(name).stem + ".wav" and doc["frames"] == 60 and doc["beats"]


def test_up_to_date_files_are_skipped_by_content_and_settings(inputs, tmp_path):
    out = tmp_path / "out"
    first = batch.plan([inputs], out, recipe())
    assert len(first.jobs) == len(BPMS) and not first.skipped
    key = recipe().key()
    for job, result in zip(first.jobs, batch.execute(first.jobs), strict=True):
        assert result.status == "done", result.error
        first.manifest.record(job, result, key)
    first.manifest.save()

    again = batch.plan([inputs], out, recipe())
    assert not again.jobs and len(again.skipped) == len(BPMS)

    # same content, new time stamp: still up to date (found by hash, not by date)
    take0 = inputs / "take0.wav"
    os.utime(take0, ns=(1, 1))
    assert not batch.plan([inputs], out, recipe()).jobs
    # other settings: everything again; --force: everything again
    assert len(batch.plan([inputs], out, recipe(fps="25")).jobs) == len(BPMS)
    assert len(batch.plan([inputs], out, recipe(formats=("json",))).jobs) == len(BPMS)
    assert len(batch.plan([inputs], out, recipe(), force=True).jobs) == len(BPMS)
    # an output deleted: that file again
    (out / "sub" / "take1.csv").unlink()
    assert [j.name for j in batch.plan([inputs], out, recipe()).jobs] == ["sub/take1"]


def test_changed_audio_is_analysed_again(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    paths = make_inputs(src)
    out = tmp_path / "out"
    argv = ["batch", str(src), "-o", str(out), "--jobs", "1", "--formats", "json,csv", "-q"]
    assert main(argv) == 0
    assert not batch.plan([src], out, cli_recipe(argv)).jobs
    y, _ = click_track(150, 2.5)
    stat = paths[2].stat()
    sf.write(paths[2], y, 44100)
    os.utime(paths[2], ns=(stat.st_atime_ns, stat.st_mtime_ns))  # even with the old time stamp
    assert [j.name for j in batch.plan([src], out, cli_recipe(argv)).jobs] == ["take2"]


def test_a_bad_file_does_not_stop_the_batch(tmp_path, capsys, rng):
    src = tmp_path / "in"
    src.mkdir()
    make_inputs(src)
    (src / "noise.wav").write_bytes(rng.integers(0, 256, 3000, dtype=np.uint8).tobytes())
    missing = tmp_path / "gone.wav"
    out = tmp_path / "out"
    rc = main(["batch", str(src), str(missing), "-o", str(out), "--jobs", "1", "--formats", "json"])
    captured = capsys.readouterr()
    assert rc == 1
    err = captured.err.strip().splitlines()
    assert err[-1].startswith("syncsheet: error: 2 of 6 files failed")
    failed = [line for line in err if line.startswith("syncsheet: failed: ")]
    assert len(failed) == 2 and any("noise.wav" in f for f in failed) and any("gone.wav" in f for f in failed)
    assert "Traceback" not in captured.err
    written = outputs_of(out)
    assert set(written) == {"take0.json", "sub/take1.json", "take2.json", "sub/take3.json"}
    manifest = json.loads((out / batch.MANIFEST).read_text())
    assert manifest["files"]["noise"]["status"] == "failed" and "noise.wav" in manifest["files"]["noise"]["error"]
    # the failures are tried again next time, the good ones are not
    pending = batch.plan([src, missing], out, cli_recipe(["batch", str(src), "-o", str(out), "--formats", "json"]))
    assert sorted(j.name for j in pending.jobs) == ["gone", "noise"]


def test_a_folder_without_audio_is_reported(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("no audio here")
    assert main(["batch", str(empty), "-o", str(tmp_path / "out"), "-q"]) == 1
    err = capsys.readouterr().err
    assert "no audio files in this folder" in err and "empty" in err


def test_two_inputs_writing_the_same_outputs_is_one_error(tmp_path, capsys):
    for sub in ("a", "b"):
        make_inputs(tmp_path / sub)
    rc = main(["batch", str(tmp_path / "a" / "take0.wav"), str(tmp_path / "b" / "take0.wav"),
               "-o", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert rc == 1 and err.count("\n") == 1 and err.startswith("syncsheet: error: ") and "take0" in err
    assert not (tmp_path / "out" / "take0.json").exists()


def test_output_folder_that_cannot_exist_is_one_error(tmp_path, capsys, inputs):
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    assert main(["batch", str(inputs), "-o", str(blocker / "out")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("syncsheet: error: ") and "file.txt" in err


@pytest.mark.parametrize(
    "argv",
    [["--formats", "json,nope"], ["--jobs", "0"], ["--jobs", "two"], ["--scheduler", "http://x"],
     ["--scheduler", "127.0.0.1"], ["--fps", "24df"]],
)
def test_bad_flags_are_one_line_usage_errors(tmp_path, capsys, argv):
    with pytest.raises(SystemExit) as e:
        main(["batch", str(tmp_path), "-o", str(tmp_path / "out"), *argv])
    err = capsys.readouterr().err
    assert e.value.code == 2 and err.count("\n") == 1 and err.startswith("syncsheet: error: ")


def test_impossible_start_timecode_stops_before_any_work(tmp_path, capsys, inputs):
    rc = main(["batch", str(inputs), "-o", str(tmp_path / "out"), "--fps", "24", "--start-tc", "00:00:00:24"])
    err = capsys.readouterr().err
    assert rc == 1 and err.count("\n") == 1 and "00:00:00:24" in err
    assert not outputs_of(tmp_path / "out") if (tmp_path / "out").exists() else True


def test_a_broadcast_wav_starts_at_its_own_timecode_unless_the_recipe_says(tmp_path):
    from helpers import write_bwf

    from syncsheet.sheet import SheetOptions

    folder = tmp_path / "in"
    folder.mkdir()
    y, _ = click_track(120, 2.5, sr=48000)
    write_bwf(folder / "bounce.wav", y, 48000, 3600 * 48000)
    for given, start in ((None, "01:00:00:00"), ("02:00:00:00", "02:00:00:00")):
        out = tmp_path / start.replace(":", "")
        recipe = batch.Recipe(parse_rate("24"), formats=("json",), sheet_options=SheetOptions(start_timecode=given))
        [result] = batch.execute(batch.plan([folder], out, recipe).jobs)
        assert result.status == "done"
        assert json.loads(Path(result.outputs[0]).read_text())["start_timecode"] == start


def test_a_file_that_runs_past_midnight_fails_before_its_analysis(inputs, tmp_path, monkeypatch):
    from syncsheet.sheet import SheetOptions

    def never(*args, **kwargs):
        raise AssertionError("analysed")

    monkeypatch.setattr(batch, "analyze", never)
    late = batch.Recipe(parse_rate("24"), formats=("json",), sheet_options=SheetOptions(start_timecode="23:59:59:00"))
    results = batch.execute(batch.plan([inputs], tmp_path, late).jobs)  # 2.5 s each: 60 frames, 24 left
    assert [r.status for r in results] == ["failed"] * len(BPMS)
    assert all("23:59:59:00 plus 60 frames runs past 24:00:00:00" in r.error for r in results)
    assert not outputs_of(tmp_path) if tmp_path.exists() else True


def test_overall_progress_counts_files_and_reaches_the_end(inputs, tmp_path):
    todo = batch.plan([inputs], tmp_path, recipe())
    seen: list[tuple[float, str]] = []
    batch.execute(todo.jobs, progress=lambda f, s: seen.append((f, s)), total=todo.total)
    fractions = [f for f, _ in seen]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert all(b >= a for a, b in zip(fractions, fractions[1:], strict=False))
    assert seen[-1][1] == f"{len(BPMS)}/{len(BPMS)} files"
    assert any(0 < f < 1 / len(BPMS) for f in fractions)  # progress inside the first file too


def test_missing_dask_names_the_extra(monkeypatch, inputs, tmp_path):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import fails as if not installed
    todo = batch.plan([inputs], tmp_path, recipe())
    with pytest.raises(ClusterError, match=r"syncsheet\[cluster\]"):
        batch.execute(todo.jobs, scheduler="tcp://127.0.0.1:8786")


def test_unreachable_scheduler_is_a_cluster_error(monkeypatch, inputs, tmp_path):
    pytest.importorskip("distributed")
    import socket

    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT", "2s")
    todo = batch.plan([inputs], tmp_path, recipe())
    with pytest.raises(ClusterError, match=f"127.0.0.1:{port}"):
        batch.execute(todo.jobs, scheduler=f"tcp://127.0.0.1:{port}")


def test_collision_error_is_an_output_error(tmp_path):
    make_inputs(tmp_path / "a")
    make_inputs(tmp_path / "b")
    with pytest.raises(OutputError):
        batch.plan([tmp_path / "a" / "take0.wav", tmp_path / "b" / "take0.wav"], tmp_path / "o", recipe())


@pytest.mark.slow
def test_two_worker_processes_write_the_same_outputs(inputs, reference, tmp_path):
    out = tmp_path / "out"
    assert main(["batch", str(inputs), "-o", str(out), "--jobs", "2", "--formats", "json,csv", "-q"]) == 0
    assert outputs_of(out) == reference


@pytest.fixture(scope="module")
def local_cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as local:
        yield local


@pytest.mark.slow
def test_dask_cluster_writes_the_same_outputs(local_cluster, inputs, reference, tmp_path, capsys):
    out = tmp_path / "out"
    rc = main(["batch", str(inputs), "-o", str(out), "--scheduler", local_cluster.scheduler_address,
               "--formats", "json,csv"])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    assert outputs_of(out) == reference
    assert f"{len(BPMS)} analysed" in captured.out
    # up to date the second time, whichever engine ran the first
    assert not batch.plan([inputs], out, recipe()).jobs


@pytest.mark.slow
def test_dask_workers_must_run_the_same_syncsheet(local_cluster, inputs, tmp_path, monkeypatch):
    monkeypatch.setattr(cluster, "__version__", "99.0")
    todo = batch.plan([inputs], tmp_path, recipe())
    with pytest.raises(ClusterError, match="99.0"):
        batch.execute(todo.jobs, scheduler=local_cluster.scheduler_address)


@pytest.mark.slow
def test_dask_workers_report_a_bad_file_like_the_pool(local_cluster, tmp_path):
    bad = tmp_path / "bad.wav"
    bad.write_text("not audio")
    todo = batch.plan([bad], tmp_path / "out", recipe())
    (result,) = batch.execute(todo.jobs, scheduler=local_cluster.scheduler_address)
    assert result.status == "failed" and "bad.wav" in result.error and result.host
    assert not outputs_of(tmp_path / "out")


def _live_processes_in_group(pgid: int) -> list[int]:
    """Processes of a process group that still run (zombies, dead but not yet reaped, do not count)."""
    if not Path("/proc/self/stat").exists():
        pytest.skip("needs /proc")
    live = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            live.append(int(stat.parent.name))
    return live


@pytest.mark.slow
def test_ctrl_c_stops_the_workers_and_keeps_finished_files(tmp_path):
    import signal
    import subprocess
    import time

    src = tmp_path / "in"
    for k in range(3):
        make_inputs(src / f"reel{k}", seconds=4.0)
    out = tmp_path / "out"
    script = Path(sys.executable).with_name("syncsheet")
    proc = subprocess.Popen([str(script), "batch", str(src), "-o", str(out), "--jobs", "2", "--formats", "json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 120
    while not (out / batch.MANIFEST).exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)  # the manifest appears with the first finished file
    os.killpg(proc.pid, signal.SIGINT)  # as Ctrl+C in a terminal: the whole process group
    _, err = proc.communicate(timeout=60)
    if proc.returncode == 0:
        pytest.skip("the batch finished before Ctrl+C arrived")
    assert proc.returncode == 130 and err.strip().splitlines()[-1] == "syncsheet: interrupted"
    assert "Traceback" not in err
    time.sleep(1.0)
    assert _live_processes_in_group(proc.pid) == []  # no worker outlives the batch
    # what finished is recorded and is not analysed again
    finished = json.loads((out / batch.MANIFEST).read_text())["files"]
    assert finished and all(e["status"] == "done" for e in finished.values())
    pending = batch.plan([src], out, recipe(formats=("json",)))
    assert len(pending.skipped) == len(finished) and len(pending.jobs) == 3 * len(BPMS) - len(finished)


@pytest.mark.slow
def test_a_file_that_kills_its_worker_fails_alone(inputs, reference, tmp_path):
    from batch_runners import crash_on_crash

    src = tmp_path / "in"
    make_inputs(src)
    (src / "crash.wav").write_bytes((src / "take0.wav").read_bytes())
    out = tmp_path / "out"
    todo = batch.plan([src], out, recipe())
    results = batch.execute(todo.jobs, workers=2, runner=crash_on_crash)
    status = {r.name: r for r in results}
    assert len(results) == len(BPMS) + 1
    assert status["crash"].status == "failed" and "died" in status["crash"].error
    assert all(r.status == "done" for name, r in status.items() if name != "crash")
    assert outputs_of(out) == reference


@pytest.fixture(scope="module")
def analysed(inputs, tmp_path_factory) -> Path:
    """An output folder with the inputs analysed and recorded in its manifest."""
    out = tmp_path_factory.mktemp("analysed")
    todo = batch.plan([inputs], out, recipe())
    key = recipe().key()
    for job, result in zip(todo.jobs, batch.execute(todo.jobs), strict=True):
        todo.manifest.record(job, result, key)
    todo.manifest.save()
    return out


@pytest.mark.parametrize("damage", [b"", b"{not json", b'{"format": "syncsheet.batch", "version": 1, "files": []}',
                                    b'{"format": "other", "version": 1, "files": {}}', b"\xff\xfe"])
def test_a_damaged_manifest_means_everything_again(inputs, analysed, tmp_path, damage):
    import shutil

    out = tmp_path / "out"
    shutil.copytree(analysed, out)
    assert not batch.plan([inputs], out, recipe()).jobs  # copied: same content, so still up to date
    (out / batch.MANIFEST).write_bytes(damage)
    assert len(batch.plan([inputs], out, recipe()).jobs) == len(BPMS)
