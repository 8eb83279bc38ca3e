"""Batch throughput: files per minute with --jobs 1, --jobs 2 and a local two-worker Dask cluster.

    .venv/bin/python benchmarks/bench_batch.py                 # 20 files of 30 s, every format
    .venv/bin/python benchmarks/bench_batch.py --files 8 --seconds 10 --formats json,csv

Generates the audio (seeded: click tracks with tempo changes, a bass tone and noise hits), then
times the installed ``syncsheet batch`` command as a user runs it, wall clock from start to exit
(Python start-up, worker start-up and the first imports included). The Dask run uses
``distributed.LocalCluster(n_workers=2, threads_per_worker=1)`` on 127.0.0.1, started before the
clock (a studio's cluster is already up). Every run must write the same bytes: the command checks
and says so. Outputs go under benchmarks/out/ (ignored by git).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import soundfile as sf

HERE = Path(__file__).resolve().parent
SR = 44100


def make_audio(path: Path, seconds: float, seed: int) -> None:
    """A click track whose tempo changes half-way, a bass line and a few noise hits."""
    rng = np.random.default_rng(seed)
    n = int(seconds * SR)
    t = np.arange(n) / SR
    y = 0.15 * np.sin(2 * np.pi * rng.uniform(50, 90) * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 0.5 * t))
    click_len = int(0.04 * SR)
    click = rng.standard_normal(click_len) * np.exp(-np.arange(click_len) / (0.006 * SR))
    bpm_a, bpm_b = rng.uniform(80, 150), rng.uniform(80, 150)
    beat, i = 0.05, 0
    while beat < seconds - 0.1:
        s = int(beat * SR)
        y[s: s + click_len] += (0.8 if i % 4 == 0 else 0.45) * click[: n - s]
        beat += 60.0 / (bpm_a if beat < seconds / 2 else bpm_b)
        i += 1
    for hit in rng.uniform(1, seconds - 1, size=max(1, int(seconds // 8))):
        s = int(hit * SR)
        m = min(int(0.3 * SR), n - s)
        y[s: s + m] += 0.7 * rng.standard_normal(m) * np.exp(-np.arange(m) / (0.05 * SR))
    sf.write(path, (y / max(1.0, np.abs(y).max() * 1.05)).astype(np.float32), SR, subtype="PCM_16")


def outputs(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.name.startswith(".")}


def run(label: str, argv: list[str], files: int) -> float:
    start = time.monotonic()
    proc = subprocess.run(argv, capture_output=True, text=True)
    elapsed = time.monotonic() - start
    if proc.returncode != 0:
        sys.exit(f"bench: {label} failed ({proc.returncode}):\n{proc.stderr}")
    print(f"{label:<28} {files} files in {elapsed:6.1f} s = {files / elapsed * 60:6.1f} files/min", flush=True)
    return elapsed


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--files", type=int, default=20)
    p.add_argument("--seconds", type=float, default=30.0, help="length of each file (default 30)")
    p.add_argument("--formats", default=None, help="formats to write (default: all)")
    p.add_argument("--out", type=Path, default=HERE / "out" / "batch")
    args = p.parse_args(argv)

    syncsheet = Path(sys.executable).with_name("syncsheet")
    audio = args.out / "audio"
    shutil.rmtree(args.out, ignore_errors=True)
    audio.mkdir(parents=True)
    for i in range(args.files):
        make_audio(audio / f"cue{i:02d}.wav", args.seconds, seed=i)
    print(f"bench: {args.files} files of {args.seconds:g} s at {SR} Hz; {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f} at start", flush=True)
    common = [str(syncsheet), "batch", str(audio), "-q", "--force"]
    if args.formats:
        common += ["--formats", args.formats]

    results = {}
    for jobs in (1, 2):
        out = args.out / f"jobs{jobs}"
        run(f"--jobs {jobs}", [*common, "-o", str(out), "--jobs", str(jobs)], args.files)
        results[f"--jobs {jobs}"] = outputs(out)

    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        out = args.out / "dask"
        run("Dask, 2 local workers", [*common, "-o", str(out), "--scheduler", cluster.scheduler_address],
            args.files)
        results["dask"] = outputs(out)

    reference = results["--jobs 1"]
    differ = sorted({name for r in results.values() for name in set(r) | set(reference)
                     if r.get(name) != reference.get(name)})
    print(f"bench: {len(reference)} output files per run; identical across runs: {'NO' if differ else 'yes'}; "
          f"load average {os.getloadavg()[0]:.1f} at end")
    if differ:  # e.g. a format that stamps the time or a random id into its files
        print(f"bench: {len(differ)} files differ between runs, e.g. {', '.join(differ[:5])}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
