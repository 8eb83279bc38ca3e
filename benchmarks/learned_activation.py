"""Would a beat activation *learned* from the shared features track better than the written one?

The beat tracker's losses on music nothing was tuned on are whole pieces at another metrical level or
on the off-beat (docs/analysis.md). Every hand-written cue for the level was found wanting, so this
checks whether a learned one does better. A logistic regression, per decoder hop (100 a second),
reads the three broad flux bands and the note activation (each over its 8 s local mean), the
top-band activation and the fine spectrum's rise in four registers, each at nine offsets from -60 to
+60 ms, plus the chord change over 0.4 s before against after and the energy's rise; its target is
the hops within ±10 ms of the score's beats (classes weighed equally). It is fitted *leave-set-out*
(each set scored with a model fitted on the others; the tempo set's pieces are dev and holdout
pieces, so dev and holdout are not fitted on it), and its probability over the file's mean replaces
the beat activation; the tracker and its swing, off-beat and compound corrections are unchanged.
Printed: mean beat F per excerpt (mir_eval, ±70 ms) with the present activation and with the learned
one at each tracker threshold.

    .venv/bin/python benchmarks/learned_activation.py --root /tmp/syncsheet-bench \\
        --cache /tmp/learned-cache --thresholds 2 2.5 3

Needs the dev, holdout, compound and tempo sets (README, *Benchmarks*) and the dev extra (mir_eval).
"""

from __future__ import annotations

import argparse
import json
import pickle
from pathlib import Path

import mir_eval
import numpy as np
from scipy.optimize import minimize

from syncsheet import audio
from syncsheet.analysis import beat_level
from syncsheet.analysis import beats as beatmod
from syncsheet.analysis._windows import span_means
from syncsheet.analysis.features import CHROMA_DECIM, FPS, Features, extract
from syncsheet.analysis.meter import chord_change

#: Each set and the sets its model is fitted on.
FOLDS = {
    "dev": ("holdout", "compound"),
    "holdout": ("dev", "compound"),
    "compound": ("dev", "holdout", "tempo"),
    "tempo": ("dev", "holdout", "compound"),
}
OFFSETS = np.array([-6, -3, -2, -1, 0, 1, 2, 3, 6])  # decoder hops (10 ms)
REGISTERS = ((0.0, 200.0), (200.0, 800.0), (800.0, 3200.0), (3200.0, np.inf))  # Hz
N_CONTEXT = 9  # the onset-like columns, read at every offset; the last two only at the hop


def _over_local_mean(x: np.ndarray) -> np.ndarray:
    """*x* over its 8 s local mean (the beat activation's normalisation, uncompressed), pooled to the
    decoder's 100 hops a second."""
    return beatmod._pool(beatmod.beat_activation(x, power=1.0))


def hop_features(f: Features) -> np.ndarray:
    """(hops at 100 a second, 11) columns the regression reads."""
    cols = [np.log1p(_over_local_mean(f.flux[:, b])) for b in range(f.flux.shape[1])]
    cols.append(np.log1p(_over_local_mean(f.onset)))
    cols.append(np.log1p(_over_local_mean(f.onset_high)))
    n = len(cols[0])
    fine = f.fine.astype(np.float32)
    for lo, hi in REGISTERS:
        x = fine[:, (f.fine_hz >= lo) & (f.fine_hz < hi)]
        rise = np.zeros(len(x), np.float32)
        rise[2:] = np.maximum(x[2:] - x[:-2], 0.0).sum(axis=1)
        cols.append(np.log1p(np.resize(rise / (rise.mean() + 1e-6), n)))
    rows = np.arange(len(f.chroma))
    span = 20  # chroma rows: 0.4 s
    start, end = np.maximum(rows - span, 0), np.minimum(rows + span, len(rows))
    before = span_means(f.chroma, start, np.maximum(rows, start + 1))  # the first row: itself
    after = span_means(f.chroma, np.minimum(rows, end - 1), end)
    change = np.repeat(chord_change(before, after), CHROMA_DECIM // 2)
    cols.append(np.pad(change, (0, max(0, n - len(change))))[:n])
    level = 10 * np.log10(beatmod._pool(np.asarray(f.energy, np.float64)) + 1e-10)
    rise = np.zeros_like(level)
    rise[2:] = np.maximum(level[2:] - level[:-2], 0.0)
    cols.append(np.clip(rise, 0.0, 30.0) / 10)
    return np.stack([np.asarray(x[:n], np.float32) for x in cols], axis=1)


def design(h: np.ndarray) -> np.ndarray:
    parts = [np.roll(h[:, j], -o) for j in range(N_CONTEXT) for o in OFFSETS]
    parts += [h[:, j] for j in range(N_CONTEXT, h.shape[1])]
    return np.stack(parts, axis=1).astype(np.float64)


def load_set(root: Path, name: str, cache: Path) -> list[tuple[str, Features, np.ndarray, np.ndarray]]:
    """(id, features, hop features, score beats) of each excerpt of a set (clean files only)."""
    manifest = json.loads((root / name / "manifest.json").read_text())
    out = []
    for ex in manifest["excerpts"]:
        wav = root / name / ex["audio"]
        store = cache / f"{name}__{ex['id']}.pkl"
        if store.exists():
            f, h = pickle.loads(store.read_bytes())
        else:
            info = audio.probe(wav)
            f = extract(audio.blocks(wav, info=info, mono=False), info.sample_rate, info.samples)
            h = hop_features(f)
            store.write_bytes(pickle.dumps((f, h)))
        out.append((ex["id"], f, h, np.loadtxt(root / name / ex["beats"], ndmin=1)))
    return out


def fit(excerpts: list, l2: float = 1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Balanced, L2-regularised logistic regression (standardised inputs): (mean, sd, weights)."""
    xs, ys = [], []
    for _, _, h, beats in excerpts:
        x = design(h)
        y = np.zeros(len(x))
        for t in beats:
            k = int(round(t * 100))
            y[max(0, k - 1) : k + 2] = 1.0
        lo, hi = max(0, int(beats[0] * 100) - 50), int(beats[-1] * 100) + 50  # the span the score covers
        xs.append(x[lo:hi])
        ys.append(y[lo:hi])
    x, y = np.concatenate(xs), np.concatenate(ys)
    mu, sd = x.mean(axis=0), x.std(axis=0) + 1e-6
    z = np.hstack([(x - mu) / sd, np.ones((len(x), 1))])
    weight = np.where(y > 0, 0.5 / y.mean(), 0.5 / (1 - y.mean()))

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        p = 1 / (1 + np.exp(-(z @ w)))
        value = -np.sum(weight * (y * np.log(p + 1e-12) + (1 - y) * np.log(1 - p + 1e-12))) / len(y)
        grad = z.T @ (weight * (p - y)) / len(y)
        grad[:-1] += 2 * l2 * w[:-1] / len(y)
        return value + l2 * float(np.sum(w[:-1] ** 2)) / len(y), grad

    w = minimize(loss, np.zeros(z.shape[1]), jac=True, method="L-BFGS-B", options={"maxiter": 500}).x
    return mu, sd, w


def learned(model: tuple, h: np.ndarray, hops: int) -> np.ndarray:
    """The model's beat probability over its mean, at the features' 200 hops a second."""
    mu, sd, w = model
    p = 1 / (1 + np.exp(-(((design(h) - mu) / sd) @ w[:-1] + w[-1])))
    a = np.repeat(p / p.mean(), 2)[:hops]
    return np.pad(a, (0, hops - len(a))).astype(np.float32)


def beat_f(f: Features, act: np.ndarray, beats: np.ndarray, threshold: float) -> float:
    pos = beatmod.track_beats(act, threshold=threshold)
    pos = beat_level.swing_phase(pos, act)
    pos = beat_level.bass_harmony_phase(pos, f.chroma, f.fine, f.fine_hz)
    pos = beat_level.compound_level(pos, act, f.onset, f.fine, f.fine_hz, 50.0, 220.0)
    est = beatmod.peak_refine(pos, f.activation, radius=2) / FPS
    return float(mir_eval.beat.f_measure(mir_eval.beat.trim_beats(beats), mir_eval.beat.trim_beats(est)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", type=Path, default=Path("/tmp/syncsheet-bench"), help="where the sets are")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/learned-activation-cache"))
    ap.add_argument("--thresholds", type=float, nargs="+", default=[2.0, 2.5, 3.0])
    args = ap.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    sets = {name: load_set(args.root, name, args.cache) for name in FOLDS}
    header = f"{'set':10s} {'present':>8s}" + "".join(f" {'thr ' + str(t):>8s}" for t in args.thresholds)
    print(header)
    means: dict[str, list[float]] = {"present": [], **{str(t): [] for t in args.thresholds}}
    for name, train_on in FOLDS.items():
        model = fit([ex for other in train_on for ex in sets[other]])
        present = np.mean([beat_f(f, beatmod.beat_activation(f.flux, notes=f.onset), b, 1.75)
                           for _, f, _, b in sets[name]])
        row = [float(present)]
        for t in args.thresholds:
            row.append(float(np.mean([beat_f(f, learned(model, h, len(f.flux)), b, t) for _, f, h, b in sets[name]])))
        means["present"].append(row[0])
        for t, v in zip(args.thresholds, row[1:], strict=True):
            means[str(t)].append(v)
        print(f"{name:10s}" + "".join(f" {v:8.3f}" for v in row), flush=True)
    print(f"{'mean':10s}" + "".join(f" {np.mean(v):8.3f}" for v in means.values()))


if __name__ == "__main__":
    main()
