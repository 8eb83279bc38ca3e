"""Train a small learned onset activation (a short TCN on :func:`syncsheet.analysis.beatnet.inputs`)
and measure it leave-set-out against the present onset picker.

Development tool: needs torch (never a runtime dependency: install the wheel into your own venv),
the dev extra (mir_eval) and the benchmark sets under --root with their features cached as
``<cache>/<set>__<id>.pkl`` (pickled :func:`syncsheet.analysis.features.extract` of each clean
``<id>.wav``).

The network: the beat TCN's inputs (10 ms decoder hops), a 1x1 projection, residual blocks of
dilated 3-tap convolutions (dilations 1, 2, 4, 8, 16: a receptive field of ±0.31 s), a sigmoid head.
Target: the score's onsets (``<id>.onsets``, note-ons merged within 30 ms) shifted by the present
``ONSET_LATENCY`` (so the pipeline's timing calibration stays valid), 1 at the hop, 0.5 on either
side. Leave-set-out (``--cv``): each of the seven tuning sets is scored by a model fitted without it
(tempo never with dev/holdout). ``--eval`` picks onsets the way the pipeline does
(``pick_onsets`` -> ``_above_floor`` -> ``strong_attacks`` -> high-band ticks) on the present
activation ``f.onset`` and on mixtures ``(1 - s) * f.onset + s * learned`` (the learned probability
upsampled to 200 a second and scaled to ``f.onset``'s mean), at several picking deltas, and prints
mean onset F per excerpt (mir_eval, ±50 ms) and the median signed error (ms) per set.
blind2/blind3 are never used here. Seeded (same command, same thread count: same weights)::

    .venv/bin/python benchmarks/train_onsetnet.py --cv --eval --work /tmp/onsetnet-cv
    .venv/bin/python benchmarks/train_onsetnet.py --cv --eval --channels 32 --steps 2000 --threads 1 \
        --work /tmp/onsetnet-cv32

Printed in the sixth session (onset F / median signed error in ms; every variant: docs/analysis.md,
*Onsets*, "sixth session: learned onset activation")::

    variant                dev         holdout     compound    tempo       tune2       fresh       blind       mean
    present                0.943/ -0.7 0.945/ -1.5 0.833/ +0.6 0.942/ -0.5 0.900/ -2.7 0.901/ -2.0 0.924/ -1.8 0.913
    16 ch mix0.25 d0.8     0.948/ -0.8 0.938/ -1.7 0.839/ +0.0 0.941/ -0.6 0.909/ -2.6 0.896/ -2.0 0.928/ -1.8 0.914
    32 ch mix0.25 d0.8     0.936/ -0.9 0.937/ -1.6 0.837/ +0.1 0.936/ -0.7 0.914/ -2.7 0.898/ -1.9 0.933/ -1.8 0.913
    32 ch peaks>0.4        0.925/ +0.8 0.925/ -0.2 0.794/ +1.7 0.906/ +1.1 0.917/ -1.4 0.897/ -0.7 0.915/ -0.8 0.897

No gain of the +0.01 asked for: not wired into the analysis, no weights shipped.
"""

from __future__ import annotations

import argparse
import json
import pickle
import time
from pathlib import Path

import numpy as np
import train_beatnet  # the same TCN and weight layout (run from the checkout: benchmarks/ is on the path)

from syncsheet.analysis import beatnet, pipeline
from syncsheet.analysis import levels as levelmod
from syncsheet.analysis import onsets as onsetmod
from syncsheet.analysis.features import FPS

SETS = ("dev", "holdout", "compound", "tempo", "tune2", "fresh", "blind")
HOPS = 100
DILATIONS = (1, 2, 4, 8, 16)
CHANNELS = 16
DROPOUT = 0.1
CROP = 1000
BATCH = 8
STEPS = 500
LR = 3e-3
CUT_SHARE = 0.3
CUT_HZ = 3300.0
SEED = 11
THREADS = 2


def load_set(root: Path, name: str, cache: Path) -> list[dict]:
    manifest = json.loads((root / name / "manifest.json").read_text())
    pieces = train_beatnet.piece_keys()
    out = []
    for ex in manifest["excerpts"]:
        f = pickle.loads((cache / f"{name}__{ex['id']}.pkl").read_bytes())
        on = np.loadtxt(root / name / f"{ex['id']}.onsets", ndmin=1)
        piece = pieces.get((name, ex["id"]), f"{name}:{ex['id']}")
        out.append({"id": ex["id"], "set": name, "piece": piece, "f": f, "x": beatnet.inputs(f), "onsets": on})
    return out


def targets(times: np.ndarray, n: int) -> np.ndarray:
    y = np.zeros(n, np.float32)
    k = np.round((np.asarray(times) + pipeline.ONSET_LATENCY) * HOPS).astype(int)
    k = k[(k >= 0) & (k < n)]
    for off, v in ((-1, 0.5), (1, 0.5), (0, 1.0)):
        j = np.clip(k + off, 0, n - 1)
        y[j] = np.maximum(y[j], v)
    return y


def fit(excerpts: list[dict], *, seed: int = SEED, steps: int | None = None) -> dict[str, np.ndarray]:
    import torch

    torch.set_num_threads(THREADS)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = train_beatnet.make_model(torch, channels=CHANNELS, dilations=DILATIONS, heads=1, dropout=DROPOUT)
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    steps = steps or STEPS
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    ys = [targets(ex["onsets"], len(ex["x"])) for ex in excerpts]
    t0 = time.time()
    for step in range(steps):
        xb, yb, mb = [], [], []
        for k in rng.integers(0, len(excerpts), BATCH):
            x, y = excerpts[k]["x"].copy(), ys[k]
            if rng.random() < CUT_SHARE:
                beatnet.cut(x, CUT_HZ)
            s = int(rng.integers(0, max(1, len(x) - CROP)))
            x, y = x[s : s + CROP], y[s : s + CROP]
            pad = CROP - len(x)
            xb.append(np.pad(x, ((0, pad), (0, 0))))
            yb.append(np.pad(y, (0, pad)))
            mb.append(np.pad(np.ones(len(y), np.float32), (0, pad)))
        x = torch.from_numpy(np.stack(xb)).transpose(1, 2)
        y = torch.from_numpy(np.stack(yb))[:, None, :]
        m = torch.from_numpy(np.stack(mb))[:, None, :]
        weight = m * (1.0 + 2.0 * y)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(model(x), y, weight=weight)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % 100 == 0 or step == steps - 1:
            print(f"  step {step:4d} loss {loss.item():.4f} ({time.time() - t0:.0f} s)", flush=True)
    model.eval()
    return train_beatnet.export(model, DILATIONS)


def cv(sets: dict[str, list[dict]], work: Path, extra: tuple[str, ...] = ()) -> None:
    """The beat script's leave-set-out folds (the same sets, *extra* only fitted on), with this
    script's network."""
    train_beatnet.cv(sets, work, fit, extra=extra)


def mixed(f, p: np.ndarray, share: float) -> np.ndarray:
    """``(1 - share) * f.onset + share * learned``, the learned probability at 200 a second scaled
    to the present activation's mean."""
    a = np.interp(np.arange(f.n) / FPS, np.arange(len(p)) / HOPS, p).astype(np.float32)
    a *= float(f.onset.mean()) / max(float(a.mean()), 1e-9)
    return ((1 - share) * f.onset + share * a).astype(np.float32)


def peak_times(f, p: np.ndarray, threshold: float) -> np.ndarray:
    """Onset times (s) from the learned probability alone, as its authors pick it: a hop that is
    the maximum within ±30 ms and above *threshold*, refined by a parabola, 30 ms apart at least."""
    from syncsheet.analysis._windows import window_max

    mx = window_max(p.astype(np.float64), 3, 3, fill=-np.inf)
    idx = np.flatnonzero((p >= mx) & (p > threshold))
    keep: list[int] = []
    for i in idx:
        if not keep or i - keep[-1] > 3:
            keep.append(int(i))
    idx = np.asarray(keep, int)
    if not len(idx):
        return np.zeros(0)
    lo, mid, hi = p[np.maximum(idx - 1, 0)], p[idx], p[np.minimum(idx + 1, len(p) - 1)]
    den = lo - 2 * mid + hi
    frac = np.clip(np.where(np.abs(den) > 1e-9, 0.5 * (lo - hi) / np.where(den == 0, 1, den), 0.0), -0.5, 0.5)
    return np.clip((idx + frac) / HOPS - pipeline.ONSET_LATENCY, 0.0, f.duration)


def onset_times(f, act: np.ndarray, delta: float, strong: bool = True) -> np.ndarray:
    """Onset times (s) picked as the pipeline does, with *act* as the picking activation."""
    db = levelmod.levels_from_energy(f.energy).db
    pick = {"delta": delta, "pre_max": 0.05, "post_max": 0.05}
    pos, st = pipeline._above_floor(*onsetmod.pick_onsets(act, **pick), db)
    if strong:
        keep = onsetmod.strong_attacks(f.onset, f.onset_strong, pos)
        pos, st = pos[keep], st[keep]
    hpos, _ = pipeline._above_floor(*onsetmod.high_attacks(f.onset_high, f.onset, pos, **pick), db)
    pos = np.sort(np.concatenate([pos, hpos]))
    timed = onsetmod.time_attacks(f.onset, pos)
    return np.clip(timed / FPS - pipeline.ONSET_LATENCY, 0.0, f.duration)


#: (label, learned share, picking delta or None: the learned probability's own peaks, strong filter
#: or the peak threshold)
VARIANTS = ([("present", 0.0, 0.6, True)]
            + [(f"present d{d:g}", 0.0, d, True) for d in (0.8, 1.0)]
            + [(f"mix{s:g} d{d:g}", s, d, True) for s in (0.25, 0.5) for d in (0.8, 1.0, 1.3)]
            + [(f"learned d{d:g}", 1.0, d, True) for d in (1.0, 1.5, 2.0)]
            + [(f"learned peaks>{t:g}", 1.0, None, t) for t in (0.2, 0.3, 0.4, 0.5)])


def evaluate(sets, work: Path, names) -> None:
    import mir_eval

    rows = {}
    for label, share, delta, strong in VARIANTS:
        row = {}
        for name in names:
            acts = np.load(work / f"act_{name}.npz")
            fs, errs = [], []
            for ex in sets[name]:
                f = ex["f"]
                if delta is None:
                    est = peak_times(f, acts[ex["id"]], strong)
                else:
                    act = f.onset if share == 0 else mixed(f, acts[ex["id"]], share)
                    est = onset_times(f, act, delta, strong)
                ref = ex["onsets"]
                fs.append(mir_eval.onset.f_measure(ref, est, window=0.05)[0] if len(est) else 0.0)
                errs += [est[k] - ref[j] for j, k in mir_eval.util.match_events(ref, est, 0.05)]
            row[name] = (float(np.mean(fs)), float(np.median(errs)) * 1000 if errs else float("nan"))
        rows[label] = row
        cells = [row[n] for n in names]
        print(f"{label:24s}" + "".join(f" {c[0]:.3f}/{c[1]:+5.1f}" for c in cells)
              + f"  mean {np.mean([c[0] for c in cells]):.3f}", flush=True)
    (work / "eval.pkl").write_bytes(pickle.dumps(rows))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", type=Path, default=Path("/tmp/syncsheet-bench"))
    ap.add_argument("--cache", type=Path, default=Path("/tmp/s5/feat"))
    ap.add_argument("--work", type=Path, default=Path("/tmp/onsetnet-cv"))
    ap.add_argument("--cv", action="store_true")
    ap.add_argument("--eval", action="store_true")
    ap.add_argument("--channels", type=int, default=CHANNELS)
    ap.add_argument("--steps", type=int, default=STEPS)
    ap.add_argument("--threads", type=int, default=THREADS)
    ap.add_argument("--extra", nargs="*", default=[], help="sets only fitted on (train: make_train_pieces.py)")
    args = ap.parse_args()
    globals().update(CHANNELS=args.channels, STEPS=args.steps, THREADS=args.threads)
    args.work.mkdir(parents=True, exist_ok=True)
    sets = {name: load_set(args.root, name, args.cache) for name in SETS + tuple(args.extra)}
    if args.cv:
        cv(sets, args.work, tuple(args.extra))
    if args.eval:
        print(f"{'variant':24s}" + "".join(f" {n:>12s}" for n in SETS))
        evaluate(sets, args.work, SETS)


if __name__ == "__main__":
    main()
