"""Train the onset judge (:mod:`syncsheet.analysis.onset_judge`) and measure it with whole pieces held out.

Development tool: needs scikit-learn (installed with the dev extra, through librosa; never a runtime
dependency: the shipped judge is plain arrays evaluated in numpy), mir_eval, and the benchmark sets
under --root with their features cached as ``<feat>/<set>__<id>.pkl`` (pickled
:func:`syncsheet.analysis.features.extract` of each clean ``<id>.wav``; made here when missing).

Every excerpt is analysed by the pipeline itself, with :func:`onset_judge.features` wrapped to keep
the candidates and their measures, so training and use read the same numbers. A candidate's label:
it is the candidate nearest one of the score's onsets (``<id>.onsets``), within ±50 ms.

``--cv``: five folds by source piece over the scored sets and the training sets together (the
training sets hold other excerpts of the scored sets' pieces, so holding out a set would not hold
out its music); each scored excerpt is judged by a model fitted without its piece. Printed: mean
onset F per excerpt (mir_eval, ±50 ms, after :func:`~syncsheet.analysis.onsets.time_attacks` as
the pipeline reports them) for the regular picks and for the judge at several thresholds.
``--final`` fits on everything but blind2 / blind3 and writes the weights; ``--check`` scores
blind2 and blind3 (never fitted on; run once, at the very end).

``--rooms``: every excerpt is also played in a room of its own (:func:`room_of`: the
``bench_rooms.py`` room model, RT60 0.3-2.4 s log-uniform, direct-to-reverberant ratio -3 to +9 dB,
seeded by the excerpt; its mean taken off first) and its candidates, with the score's onsets as
labels, join the training; ``--cv`` then fits each fold with and without them and scores both on
the dry excerpts and on their room copies (sets ``<set>@room``). ``--sets`` records only those sets
(two processes can record half each before a ``--cv``). Seeded::

    .venv/bin/python benchmarks/train_onset_judge.py --cv
    .venv/bin/python benchmarks/train_onset_judge.py --final --out syncsheet/data/onsetjudge.npz
    .venv/bin/python benchmarks/train_onset_judge.py --check
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
import warnings
from pathlib import Path

import numpy as np
import soundfile as sf
from train_beatnet import cached_features  # benchmarks/ is on the path when run from the checkout

from syncsheet.analysis import onset_judge, pipeline
from syncsheet.analysis import onsets as onsetmod
from syncsheet.analysis.features import FPS, Features, extract
from syncsheet.analysis.forest import Forest
from syncsheet.analysis.settings import AnalysisSettings

SCORED = ("dev", "holdout", "compound", "tempo", "tune2", "fresh", "blind")
TRAIN = ("train", "train2")
CHECK = ("blind2", "blind3")
FOLDS = 5
SEED = 0
#: scikit-learn's HistGradientBoostingClassifier settings (a larger model measured no better)
MODEL = {"max_iter": 200, "learning_rate": 0.05, "max_leaf_nodes": 31, "random_state": SEED}
THRESHOLDS = (0.3, 0.4, 0.45, 0.5, 0.6)
WINDOW = 0.05  # s: mir_eval's onset window, and the label's


class _Silent:
    """Stands in for the judge while recording: keeps no candidate, so recording needs no weights."""

    def probability(self, x: np.ndarray) -> np.ndarray:
        return np.zeros(len(x))


def piece_key(source: dict) -> str:
    """One name per source piece whichever set (and whichever span of it) an excerpt comes from."""
    if source.get("src") == "wad":
        return f"wad:{source['wad']}:{source['lump']}"
    if source.get("src") == "deb":
        return "deb:" + source["path"]
    return "m21:" + str(source.get("score"))


#: The rooms excerpts are played in with --rooms: RT60 (s) log-uniform, direct-to-reverberant ratio (dB)
ROOM_RT60 = (0.3, 2.4)
ROOM_DRR_DB = (-3.0, 9.0)
ROOM = "@room"  # suffix of a set's room copies


def room_of(name: str, ex_id: str) -> tuple[float, float, int]:
    """The room an excerpt is played in (RT60 s, DRR dB, noise seed), the same on every run."""
    seed = int.from_bytes(f"{name}/{ex_id}".encode(), "little") % (2**31) + 1000  # not bench_rooms' seed 0
    rng = np.random.default_rng(seed)
    rt60 = float(np.exp(rng.uniform(*np.log(ROOM_RT60))))
    return rt60, float(rng.uniform(*ROOM_DRR_DB)), seed


def room_features(root: Path, name: str, ex: dict, cache: Path) -> Features:
    """Features of an excerpt's clean audio played in its room (cached as ``<set>@room__<id>.pkl``)."""
    from bench_rooms import played, room

    store = cache / f"{name}{ROOM}__{ex['id']}.pkl"
    if store.exists():
        return pickle.loads(store.read_bytes())
    y, sr = sf.read(root / name / ex["audio"], dtype="float64", always_2d=True)
    rt60, drr, seed = room_of(name, ex["id"])
    z = played(y - y.mean(axis=0), room(rt60, sr, drr, seed=seed))
    f = extract([z[i : i + 65536] for i in range(0, len(z), 65536)], sr, len(z))
    store.write_bytes(pickle.dumps(f))
    return f


def record(root: Path, name: str, feat: Path, work: Path) -> list[dict]:
    """Candidates, measures and labels of every excerpt of a set (cached in ``work``); a name ending
    in :data:`ROOM` is that set's excerpts played in their rooms."""
    store = work / f"{name}.pkl"
    if store.exists():
        return pickle.loads(store.read_bytes())
    base = name.removesuffix(ROOM)
    features_of = room_features if name.endswith(ROOM) else cached_features
    manifest = json.loads((root / base / "manifest.json").read_text())
    kept: list[tuple[np.ndarray, np.ndarray]] = []
    real, real_load = onset_judge.features, onset_judge.load

    def keep(f, cand, regular, beats):
        x = real(f, cand, regular, beats)
        kept.append((np.asarray(cand, np.float64).copy(), x))
        return x

    out = []
    onset_judge.features, onset_judge.load = keep, _Silent  # the pipeline reads them from the module
    try:
        for ex in manifest["excerpts"]:
            f = features_of(root, base, ex, feat)
            kept.clear()
            pipeline.analyze_features(f, AnalysisSettings())
            cand, x = kept[-1]
            ref = np.unique(np.loadtxt(root / base / ex["onsets"], ndmin=1))
            t = cand / FPS - pipeline.ONSET_LATENCY
            y = np.zeros(len(cand), np.int8)
            if len(ref) and len(cand):
                j = np.abs(ref[:, None] - t[None, :]).argmin(axis=1)
                y[j[np.abs(t[j] - ref) <= WINDOW]] = 1
            out.append({"set": name, "id": ex["id"], "piece": piece_key(ex["source"]), "cand": cand, "x": x,
                        "y": y, "onset": f.onset, "ref": ref})
            print(f"  {name} {ex['id']}: {len(cand)} candidates, {int(y.sum())} notes", file=sys.stderr, flush=True)
    finally:
        onset_judge.features, onset_judge.load = real, real_load
    store.write_bytes(pickle.dumps(out))
    return out


def fit(items: list[dict], settings: dict | None = None):
    """scikit-learn's histogram gradient boosting on the items' measures and labels (``MODEL``)."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    x = np.concatenate([it["x"] for it in items])
    y = np.concatenate([it["y"] for it in items])
    return HistGradientBoostingClassifier(**(settings or MODEL)).fit(x, y)


def write(model, sample: np.ndarray, out: Path) -> None:
    """Export the fitted ensemble, check it gives the fitted probabilities on ``sample``, save it."""
    weights = export(model)
    drift = np.abs(Forest(weights).probability(sample) - model.predict_proba(sample)[:, 1]).max()
    if drift > 1e-6:
        raise SystemExit(f"the exported judge differs from the fitted one by {drift:g}")
    np.savez_compressed(out, **weights)
    print(f"wrote {out} ({len(weights['roots'])} trees, {len(weights['value'])} nodes)")


def export(model) -> dict[str, np.ndarray]:
    """The fitted ensemble as :class:`~syncsheet.analysis.forest.Forest` arrays."""
    feature, threshold, left, right, value, roots = [], [], [], [], [], []
    base = 0
    for (tree,) in model._predictors:  # one tree an iteration for a binary task
        nodes = tree.nodes
        if nodes["is_categorical"].any():
            raise ValueError("categorical splits are not supported")
        leaf = nodes["is_leaf"].astype(bool)
        roots.append(base)
        feature.append(np.where(leaf, 0, nodes["feature_idx"]))
        threshold.append(np.where(leaf, 0.0, nodes["num_threshold"]))
        left.append(np.where(leaf, -1, nodes["left"] + base))
        right.append(np.where(leaf, -1, nodes["right"] + base))
        value.append(np.where(leaf, nodes["value"], 0.0))
        base += len(nodes)
    return {"feature": np.concatenate(feature).astype(np.int16), "threshold": np.concatenate(threshold),
            "left": np.concatenate(left).astype(np.int32), "right": np.concatenate(right).astype(np.int32),
            "value": np.concatenate(value), "roots": np.asarray(roots, np.int32),
            "baseline": np.asarray(model._baseline_prediction, np.float64).reshape(1)}


def onset_f(it: dict, keep: np.ndarray) -> float:
    import mir_eval

    pos = np.sort(it["cand"][keep])
    timed = onsetmod.time_attacks(it["onset"], pos) if len(pos) else pos
    return float(mir_eval.onset.f_measure(it["ref"], np.sort(timed / FPS - pipeline.ONSET_LATENCY), window=WINDOW)[0])


def table(rows: dict[str, list[list[float]]], head: str) -> None:
    print(f"{'set':10s} {'regular':>8s} " + " ".join(f"{'p>' + str(t):>8s}" for t in THRESHOLDS) + f"   ({head})")
    means = []
    for name, v in rows.items():
        v = np.mean(v, axis=0)
        means.append(v)
        print(f"{name:10s} " + " ".join(f"{x:8.4f}" for x in v))
    print(f"{'mean':10s} " + " ".join(f"{x:8.4f}" for x in np.mean(means, axis=0)), flush=True)


def scores(it: dict, p: np.ndarray) -> list[float]:
    """Onset F of the regular picks, then of what the pipeline reports at each threshold."""
    return [onset_f(it, it["x"][:, 0] > 0)] + [onset_f(it, onset_judge.keep(it["cand"], it["x"], p, t))
                                               for t in THRESHOLDS]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", type=Path, default=Path("/tmp/syncsheet-bench"))
    ap.add_argument("--feat", type=Path, default=Path("/tmp/beatnet-feat"))
    ap.add_argument("--work", type=Path, default=Path("/tmp/onset-judge"))
    ap.add_argument("--cv", action="store_true", help="five folds by piece over the scored and training sets")
    ap.add_argument("--final", action="store_true", help="fit on all but blind2/blind3 and write --out")
    ap.add_argument("--out", type=Path, default=Path("syncsheet/data/onsetjudge.npz"))
    ap.add_argument("--check", action="store_true", help="score blind2 and blind3 with the shipped judge")
    ap.add_argument("--rooms", action="store_true", help="each excerpt played in a room of its own too")
    ap.add_argument("--sets", nargs="*", help="only record these sets (e.g. train train@room) and stop")
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    args.work.mkdir(parents=True, exist_ok=True)
    args.feat.mkdir(parents=True, exist_ok=True)
    wet = (lambda names: tuple(n + ROOM for n in names)) if args.rooms else (lambda names: ())
    if args.sets:
        for name in args.sets:
            record(args.root, name, args.feat, args.work)
        return
    if args.cv or args.final:
        names = SCORED + TRAIN + wet(SCORED + TRAIN)
        items = [it for name in names for it in record(args.root, name, args.feat, args.work)]
    if args.cv:
        pieces = sorted({it["piece"] for it in items})
        np.random.default_rng(SEED).shuffle(pieces)
        fold = {p: k % FOLDS for k, p in enumerate(pieces)}
        scored = SCORED + wet(SCORED)
        fits = {"dry music only": lambda it: not it["set"].endswith(ROOM)}
        if args.rooms:
            fits["with the room copies"] = lambda it: True
        for label, use in fits.items():
            rows: dict[str, list[list[float]]] = {name: [] for name in scored}
            for k in range(FOLDS):
                model = fit([it for it in items if fold[it["piece"]] != k and use(it)])
                for it in items:
                    if fold[it["piece"]] == k and it["set"] in scored:
                        rows[it["set"]].append(scores(it, model.predict_proba(it["x"])[:, 1]))
            table({n: v for n, v in rows.items() if not n.endswith(ROOM)}, f"onset F, pieces held out; fit: {label}")
            if args.rooms:
                table({n: v for n, v in rows.items() if n.endswith(ROOM)}, f"in their rooms; fit: {label}")
    if args.final:
        write(fit(items), np.concatenate([it["x"] for it in items[:20]]), args.out)
    if args.check:
        rows = {}
        judge = onset_judge.load()
        for name in CHECK + wet(CHECK):
            items = record(args.root, name, args.feat, args.work)
            rows[name] = [scores(it, judge.probability(it["x"])) for it in items]
        table(rows, "shipped judge, never fitted on these")


if __name__ == "__main__":
    main()
