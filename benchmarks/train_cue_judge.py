"""Train the sound-effect cue judge (:mod:`syncsheet.analysis.cue_judge`) and measure it with whole pieces held out.

Development tool: needs scikit-learn (the dev extra, through librosa), mir_eval, soundfile and the
benchmark sets under --root (with the Freedoom WADs and freedesktop sounds ``make_cuenet_data.py``
reads).

Training audio: each excerpt of the six sets with mixes gets :data:`MIXES` mixes of its clean music
with *other* effects than the benchmark's (``make_cuenet_data.sfx_bank`` / ``mix``: up to six, at 0,
-6 and -12 dB, 4 s or more apart), from seeds of their own (not the effect network's training
mixes, on which its probabilities would be overconfident). With ``--toons 0 1``, each excerpt also gets
:data:`TOON_MIXES` mixes for each fold of synthesised cartoon effects (``toon_sfx``: slide whistles,
boings, wood blocks, bells ...; a bank of its own for each mix), since the game and desktop sounds are
mostly noise and a cartoon's effects are often pitched or struck. Scored audio: the sets' real
``<id>_mix.wav``. Every mix is analysed by the pipeline itself, with :func:`cue_judge.features` and
:func:`cue_judge.select` wrapped to keep the candidates, their measures and the sure ones, so
training and use read the same numbers. A candidate's label: within ±1 frame (1/24 s) of an
effect's start, after the pipeline's latency correction.

``--cv``: five folds by source piece; each real mix is judged by a model fitted on the training
mixes of the other pieces. Printed: cue F per excerpt (mir_eval, ±1 frame, as ``bench_analysis.py``
but without the whoosh-end hits the pipeline adds after the judge) at several thresholds, and recall
at each mix level. ``--final`` fits on all training mixes and writes the weights; ``--check`` scores
blind2 and blind3 (never fitted on; once, at the very end). The recordings in ``--work`` hold the
effect network's outputs: after ``train_cuenet.py final`` changes it, record into a fresh ``--work``
(the eleventh session's judge was fitted on ``/tmp/cue-judge-ens``). Seeded::

    .venv/bin/python benchmarks/train_cue_judge.py --cv --toons 0 1
    .venv/bin/python benchmarks/train_cue_judge.py --final --toons 0 1 --out syncsheet/data/cuejudge.npz
    .venv/bin/python benchmarks/train_cue_judge.py --check
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import sys
import warnings
from pathlib import Path

import make_cuenet_data as mixes  # run from the checkout: benchmarks/ is on the path
import numpy as np
import soundfile as sf
import toon_sfx
from train_onset_judge import SEED, _Silent, fit, piece_key, write

from syncsheet.analysis import cue_judge, pipeline
from syncsheet.analysis.features import FPS, extract
from syncsheet.analysis.settings import AnalysisSettings

SCORED = ("dev", "holdout", "compound", "tune2", "fresh", "blind")  # the sets with mixes
CHECK = ("blind2", "blind3")
MIXES = 8
#: Mixes per excerpt and fold of synthesised cartoon effects (``toon_sfx``), with ``--toons``
TOON_MIXES = 2
#: Effects per family in each excerpt's cartoon bank
TOON_VARIANTS = 3
#: Training effects start this far (s) from the audio's start and end at least: anywhere an effect
#: can be heard, not only where the benchmark's builder puts them (1.5 and 2.5 s)
SPAN = (0.25, 0.5)
FOLDS = 5
MODEL = {"max_iter": 200, "learning_rate": 0.05, "max_leaf_nodes": 15, "random_state": SEED}
THRESHOLDS = (0.2, 0.3, 0.4, 0.5)
FRAME = 1 / 24


def analyse(y: np.ndarray, sr: int, truth: list[float]) -> dict:
    """Candidates, measures, sure marks and labels of one mix, as the pipeline makes them."""
    got: dict = {}
    real_features, real_select, real_load = cue_judge.features, cue_judge.select, cue_judge.load

    def features(f, surp, fsurp, weight, act, cand, *rest):
        x = real_features(f, surp, fsurp, weight, act, cand, *rest)
        got.update(cand=np.asarray(cand, np.float64).copy(), x=x)
        return x

    def select(cand, prob, threshold, *, sure=None, **kw):
        got["sure"] = np.zeros(len(cand), bool) if sure is None else np.asarray(sure, bool).copy()
        return real_select(cand, prob, threshold, sure=sure, **kw)

    # every channel, as the pipeline streams a file: the working level is theirs
    f = extract((y[i : i + (1 << 16)] for i in range(0, len(y), 1 << 16)), sr, len(y))
    cue_judge.features, cue_judge.select, cue_judge.load = features, select, _Silent
    try:
        pipeline.analyze_features(f, AnalysisSettings())
    finally:
        cue_judge.features, cue_judge.select, cue_judge.load = real_features, real_select, real_load
    cand = got.get("cand", np.zeros(0))
    got.setdefault("x", np.zeros((0, cue_judge.N_FEATURES), np.float32))
    got.setdefault("sure", np.zeros(0, bool))
    t = cand / FPS - pipeline.CUE_LATENCY
    ref = np.asarray(truth, float)
    got["y"] = ((np.abs(t[:, None] - ref[None, :]).min(axis=1) <= FRAME) if len(ref) and len(t)
                else np.zeros(len(t), bool)).astype(np.int8)
    got["ref"] = ref
    return got


def record(root: Path, name: str, work: Path, train: bool, toons: int | None = None) -> list[dict]:
    """Every training mix (``train``) or real mix of a set, analysed (cached in ``work``); with
    *toons* (a fold of ``toon_sfx.FOLDS``), :data:`TOON_MIXES` mixes of each excerpt with that
    fold's cartoon effects instead, each excerpt with effects of its own."""
    store = work / (f"toons{TOON_MIXES}-{toons}-{name}.pkl" if toons is not None
                    else f"train{MIXES}-{name}.pkl" if train else f"real-{name}.pkl")
    if store.exists():
        return pickle.loads(store.read_bytes())
    manifest = json.loads((root / name / "manifest.json").read_text())
    bank = mixes.sfx_bank() if train and toons is None else None
    out = []
    for ex in manifest["excerpts"]:
        if not ex.get("mix_audio"):
            continue
        base = {"set": name, "id": ex["id"], "piece": piece_key(ex["source"])}
        if toons is not None:
            y, sr = sf.read(root / name / ex["audio"], always_2d=True, dtype="float32")
            for k in range(TOON_MIXES):
                seed = int(hashlib.sha1(f"judge-toons/{toons}/{name}/{ex['id']}/{k}".encode()).hexdigest()[:8], 16)
                rng = np.random.default_rng(seed)
                effects = toon_sfx.bank(rng, TOON_VARIANTS, toon_sfx.FOLDS[toons])
                m, cues = mixes.mix(y, effects, rng, span=SPAN)
                out.append(base | {"toons": toons} | analyse(m, sr, [c["time"] for c in cues])
                           | {"levels": [c["level_db"] for c in cues]})
        elif train:
            y, sr = sf.read(root / name / ex["audio"], always_2d=True, dtype="float32")
            for k in range(MIXES):
                seed = int(hashlib.sha1(f"judge/{name}/{ex['id']}/{k}".encode()).hexdigest()[:8], 16)
                m, cues = mixes.mix(y, bank, np.random.default_rng(seed), span=SPAN)
                out.append(base | analyse(m, sr, [c["time"] for c in cues]) | {"levels": [c["level_db"] for c in cues]})
        else:
            y, sr = sf.read(root / name / ex["mix_audio"], always_2d=True, dtype="float32")
            cues = ex.get("cue_list") or []
            out.append(base | analyse(y, sr, [c["time"] for c in cues]) | {"levels": [c["level_db"] for c in cues]})
        print(f"  {name} {ex['id']}: {len(out[-1]['x'])} candidates", file=sys.stderr, flush=True)
    store.write_bytes(pickle.dumps(out))
    return out


def scores(it: dict, p: np.ndarray, threshold: float) -> tuple[float, list[bool]]:
    """Cue F (±1 frame) of the kept candidates, and which true effects were hit."""
    import mir_eval

    keep = cue_judge.select(it["cand"], p, threshold, sure=it["sure"]) if len(it["cand"]) else np.zeros(0, int)
    est = np.sort(it["cand"][keep] / FPS - pipeline.CUE_LATENCY)
    ref = it["ref"]
    f = float(mir_eval.onset.f_measure(ref, est, window=FRAME)[0]) if len(est) and len(ref) else 0.0
    return f, [bool(len(est) and np.abs(est - r).min() <= FRAME) for r in ref]


def table(rows: dict, hits: dict, head: str) -> None:
    print(f"{'set':10s} " + " ".join(f"{'p>' + str(t):>7s}" for t in THRESHOLDS) + f"   ({head})")
    means = []
    for name, v in rows.items():
        means.append(np.mean(v, axis=0))
        print(f"{name:10s} " + " ".join(f"{x:7.3f}" for x in means[-1]))
    print(f"{'mean':10s} " + " ".join(f"{x:7.3f}" for x in np.mean(means, axis=0)))
    for level in sorted({lv for _, lv in hits}, reverse=True):
        shares = (np.mean(hits[(k, level)]) for k in range(len(THRESHOLDS)))
        print(f"recall {level:+3.0f} dB " + " ".join(f"{x:7.2f}" for x in shares))


def judge_all(items: list[dict], predict) -> tuple[dict, dict]:
    rows: dict = {}
    hits: dict = {}
    for it in items:
        p = predict(it["x"]) if len(it["x"]) else np.zeros(0)
        row = []
        for k, t in enumerate(THRESHOLDS):
            f, hit = scores(it, p, t)
            row.append(f)
            for level, h in zip(it["levels"], hit, strict=True):
                hits.setdefault((k, level), []).append(h)
        rows.setdefault(it["set"], []).append(row)
    return rows, hits


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", type=Path, default=Path("/tmp/syncsheet-bench"))
    ap.add_argument("--work", type=Path, default=Path("/tmp/cue-judge"))
    ap.add_argument("--cv", action="store_true", help="five folds by piece: train mixes fit, real mixes scored")
    ap.add_argument("--final", action="store_true", help="fit on every training mix and write --out")
    ap.add_argument("--out", type=Path, default=Path("syncsheet/data/cuejudge.npz"))
    ap.add_argument("--check", action="store_true", help="score blind2 and blind3 with the shipped judge")
    ap.add_argument("--sets", nargs="*", default=list(SCORED), help="record only these sets (to split the work)")
    ap.add_argument("--toons", nargs="*", type=int, choices=range(len(toon_sfx.FOLDS)), default=[],
                    help="also fit on mixes of these folds of synthesised cartoon effects (toon_sfx.FOLDS)")
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    args.work.mkdir(parents=True, exist_ok=True)
    train = [it for s in args.sets for it in record(args.root, s, args.work, True)]
    train += [it for k in args.toons for s in args.sets for it in record(args.root, s, args.work, True, k)]
    real = [it for s in args.sets for it in record(args.root, s, args.work, False)]
    if args.cv:
        pieces = sorted({it["piece"] for it in train + real})
        np.random.default_rng(SEED).shuffle(pieces)
        fold = {p: k % FOLDS for k, p in enumerate(pieces)}
        rows: dict = {}
        hits: dict = {}
        for k in range(FOLDS):
            model = fit([it for it in train if fold[it["piece"]] != k and len(it["x"])], MODEL)
            r, h = judge_all([it for it in real if fold[it["piece"]] == k], lambda x, m=model: m.predict_proba(x)[:, 1])
            for s, v in r.items():
                rows.setdefault(s, []).extend(v)
            for key, v in h.items():
                hits.setdefault(key, []).extend(v)
        table({s: rows[s] for s in args.sets if s in rows}, hits, "cue F, pieces held out")
    if args.final:
        fitted = [it for it in train if len(it["x"])]
        write(fit(fitted, MODEL), np.concatenate([it["x"] for it in fitted[:30]]), args.out)
    if args.check:
        judge = cue_judge.load()
        items = [it for s in CHECK for it in record(args.root, s, args.work, False)]
        table(*judge_all(items, judge.probability), "shipped judge, never fitted on these")


if __name__ == "__main__":
    main()
