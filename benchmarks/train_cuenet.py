"""Train and measure the learned effect activation (``syncsheet/analysis/cuenet.py``).

Data: ``benchmarks/make_cuenet_data.py`` (training mixes of the sets' clean music with effects the
benchmark never uses; the benchmark's real ``_mix.wav`` and clean ``.wav`` recorded for scoring).

``cv``: leave-set-out over dev, holdout, compound, tune2, fresh, blind (the tempo set has no mixes
and its pieces are dev/holdout pieces, so it is not used): each set is scored with a network
fitted on the training mixes of the five others. Printed per set, for the present detector and
for each way of using the network: cue F (±1 frame, mir_eval as ``bench_analysis.py``), recall at
0 / -6 / -12 dB on the real mixes, and the false cues on the clean music (every cue there is
false); then the mean over the sets. ``final``: fit :data:`SEEDS` networks (seeds 0, 1, ...; seed
0 alone is the sixth session's network) on all six sets' training mixes, write them to
``syncsheet/data/cuenet.npz`` as one averaged ensemble, and score ``--sets`` with it (blind2 /
blind3, once, at the end)::

    .venv/bin/python benchmarks/make_cuenet_data.py --out /tmp/cuenet/data \\
        --train dev holdout compound tune2 fresh blind --eval dev holdout compound tune2 fresh blind
    .venv/bin/python benchmarks/train_cuenet.py cv        # fits and keeps each fold's network
    .venv/bin/python benchmarks/train_cuenet.py score     # re-scores the pickings with them
    .venv/bin/python benchmarks/train_cuenet.py final --sets blind2 blind3

``score --evidence-from DIR`` gives the network its evidence inputs from another recording of the
same audio (``make_cuenet_data.py`` run on another beat grid, e.g. before a beat-tracker change):
with ``--folds`` of the networks fitted then, it separates the network's inputs moving from the
detector's own cues moving. Data made with ``make_cuenet_data.py --jitter-seed K`` measure the
noise of a grid (the ninth round in docs/analysis.md).

``--train-set`` learns from the train set's mixes too (``make_cuenet_data.py --train train --mixes 1``;
each fold leaves out the train excerpts of its set's pieces): measured in the seventh session, mean
cue F 0.674 -> 0.655 at the shipped picking, not kept (docs/analysis.md, *Cues*).

Seeded (numpy, torch, one thread): rerunning gives the same weights. Needs torch in the venv
(a development tool only: syncsheet never imports it) and mir_eval (the dev extra).
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import mir_eval
import numpy as np
import torch
from torch import nn

from syncsheet.analysis import cuenet
from syncsheet.analysis import pipeline as pl

SETS = ("dev", "holdout", "compound", "tune2", "fresh", "blind")
FR = 1 / 24
ROWS = 100.0  # fine rows a second
CHANNELS = 20
DILATIONS = (1, 2, 4, 8, 16, 32, 64)  # ±127 rows: the network sees 1.27 s each side
CROP = 1500  # rows a training crop (15 s)
BATCH = 16
STEPS = 600  # the shipped weights' (the docs' figures); the same command gives the same file
POS_WEIGHT = 20.0
SEEDS = 4  # networks in the shipped ensemble (final): their mean ranks quiet effects better


def load_file(p: Path) -> dict:
    z = dict(np.load(p))
    ev = cuenet.evidence_columns(z["surp"], z["fsurp"], z["weight"])
    z["x"] = cuenet.inputs(z["fine"], z["floor"], ev)
    n = len(z["x"])
    start = np.zeros(n, np.float32)
    sound = np.zeros(n, np.float32)
    lengths = z.get("lengths", np.full(len(z["cues"]), 0.5))
    for t, ln in zip(z["cues"], lengths, strict=True):
        r = int(round(t * ROWS))
        start[max(0, r - 1) : r + 2] = 1.0
        sound[max(0, r) : r + int(min(ln, 0.5) * ROWS)] = 1.0
    z["y"] = np.stack([start, sound], axis=1)
    return z


class TCN(nn.Module):
    """The network :class:`syncsheet.analysis.cuenet.Net` runs (same layers, same padding)."""

    def __init__(self, c_in: int, mean: np.ndarray, std: np.ndarray) -> None:
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean)[None, :, None])
        self.register_buffer("std", torch.tensor(std)[None, :, None])
        self.inp = nn.Conv1d(c_in, CHANNELS, 1)
        self.layers = nn.ModuleList(nn.Conv1d(CHANNELS, CHANNELS, 3, dilation=d, padding=d) for d in DILATIONS)
        self.out = nn.Conv1d(CHANNELS, 2, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, C_in, T) -> (B, 2, T)
        h = torch.relu(self.inp((x - self.mean) / self.std))
        for conv in self.layers:
            h = h + torch.relu(conv(h))
        return self.out(h)

    def export(self) -> dict[str, np.ndarray]:
        w = {"mean": self.mean.flatten().numpy(), "std": self.std.flatten().numpy(),
             "w_in": self.inp.weight.detach().numpy()[:, :, 0], "b_in": self.inp.bias.detach().numpy(),
             "dil": np.asarray(DILATIONS, np.int32),
             "w_out": self.out.weight.detach().numpy()[:, :, 0], "b_out": self.out.bias.detach().numpy()}
        for k, conv in enumerate(self.layers):
            w[f"w{k}"] = conv.weight.detach().numpy()
            w[f"b{k}"] = conv.bias.detach().numpy()
        return {k: np.asarray(v, np.float32) if k != "dil" else v for k, v in w.items()}


def fit(files: list[dict], seed: int = 0, steps: int = STEPS) -> dict[str, np.ndarray]:
    """Train on random crops of *files*; the exported weights."""
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    allx = np.concatenate([f["x"] for f in files])
    mean, std = allx.mean(axis=0), allx.std(axis=0) + 1e-3
    del allx
    net = TCN(files[0]["x"].shape[1], mean.astype(np.float32), std.astype(np.float32))
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps)
    pw = torch.tensor([POS_WEIGHT, 1.0])[None, :, None]
    lossf = nn.BCEWithLogitsLoss(pos_weight=pw, reduction="none")
    gain = torch.tensor([1.0, 0.3])[None, :, None]
    sizes = np.array([len(f["x"]) for f in files], float)
    for step in range(steps):
        idx = rng.choice(len(files), BATCH, p=sizes / sizes.sum())
        xs, ys = [], []
        for i in idx:
            f = files[i]
            n = len(f["x"])
            a = int(rng.integers(0, max(1, n - CROP)))
            x, y = f["x"][a : a + CROP], f["y"][a : a + CROP]
            if len(x) < CROP:
                x, y = np.pad(x, ((0, CROP - len(x)), (0, 0))), np.pad(y, ((0, CROP - len(y)), (0, 0)))
            xs.append(x.T)
            ys.append(y.T)
        x, y = torch.tensor(np.stack(xs)), torch.tensor(np.stack(ys))
        loss = (lossf(net(x), y) * gain).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % 250 == 0 or step == steps - 1:
            print(f"    step {step} loss {loss.item():.4f}", flush=True)
    w = net.export()
    # the band layout trained on (every training mix is at 44.1 kHz): other rates are matched to it
    w["fine_hz"] = np.asarray(files[0]["fine_hz"], np.float64)
    w["floor_bands"] = cuenet.floor_bands(44100)
    assert len(w["floor_bands"]) == files[0]["floor"].shape[1]
    return w


def ensemble(members: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """One network's weights as they are, or several as :class:`~syncsheet.analysis.cuenet.Ensemble`
    stores them (each under ``m{i}_``, the band layout shared)."""
    if len(members) == 1:
        return members[0]
    shared = ("fine_hz", "floor_bands")
    out = {f"m{i}_{k}": v for i, w in enumerate(members) for k, v in w.items() if k not in shared}
    return out | {k: members[0][k] for k in shared}


def filtered(rows: np.ndarray, z: dict) -> np.ndarray:
    """Cue times (s) from fine rows, through the pipeline's own filters (not in stops, not within a
    beat of the first onset), with the learned latency removed by the caller."""
    hops = np.asarray(rows, float) * 2
    score = np.ones(len(hops))
    stops = [tuple(s) for s in z["stops"]]
    hops, score = pl._not_in_stops(hops, score, stops)
    if z["first_onset"] >= 0 and len(hops):
        hops = hops[hops >= z["first_onset"] + z["beat"]]
    return hops / pl.FPS


def score(ref: np.ndarray, est: np.ndarray) -> tuple[float, set[int]]:
    est = np.sort(est)
    if not len(ref):
        return np.nan, set()
    f = mir_eval.onset.f_measure(ref, est, window=FR)[0] if len(est) else 0.0
    return f, {j for j, _ in mir_eval.util.match_events(ref, est, FR)}


def methods(z: dict, p: np.ndarray, lat: float) -> dict[str, np.ndarray]:
    """Cue times of each way of picking, before the stop cues are added: the present detector's;
    the network's own starts at each threshold; the present cues the network confirms (*gate*),
    plus its own starts at a threshold away from them (:func:`cuenet.combine`, as the pipeline)."""
    pres = z["present"]
    out = {"present": pres}
    picks = {}
    for th in (0.8, 0.85, 0.9, 0.93, 0.95):
        rows, _ = cuenet.pick(p[:, 0], threshold=th, gap_s=1.0)
        picks[th] = filtered(rows, z) - lat
        out[f"net th={th}"] = picks[th]
    for g in (0.1, 0.2, 0.3, 0.5):
        keep, _ = cuenet.combine(pres, np.zeros(0), p[:, 0], gate=g)
        out[f"gate g={g}"] = pres[keep]
        for th in (0.8, 0.85, 0.9, 0.93, 0.95):
            keep, add = cuenet.combine(pres, picks[th], p[:, 0], gate=g)
            out[f"gate{g}+net th={th}"] = np.sort(np.concatenate([pres[keep], picks[th][add]]))
    return out


def _evidence(p: Path, z: dict, evidence: Path | None) -> np.ndarray:
    """The network's evidence columns for the file *p* (*z*), or for its namesake under *evidence*
    (the same audio recorded on another beat grid: the network's inputs from that grid, the
    detector's cues and the filters from this one)."""
    if evidence is not None:
        with np.load(evidence / p.name) as o:
            z = {k: o[k] for k in ("surp", "fsurp", "weight")}
    return cuenet.evidence_columns(z["surp"], z["fsurp"], z["weight"])


def evaluate(sets: list[str], weights: dict, data: Path, lat: float, table: dict,
             evidence: Path | None = None) -> None:
    net = cuenet.Ensemble(weights)
    for s in sets:
        for p in sorted(data.glob(f"mix__{s}__*.npz")):
            z = dict(np.load(p))
            ev = _evidence(p, z, evidence)
            prob = cuenet.activation(z["fine"], z["floor"], ev, net=net)
            pc = p.with_name(p.name.replace("mix__", "clean__"))
            zc = dict(np.load(pc))
            evc = _evidence(pc, zc, evidence)
            probc = cuenet.activation(zc["fine"], zc["floor"], evc, net=net)
            mc = methods(zc, probc, lat)
            for name, est in methods(z, prob, lat).items():
                f, hit = score(z["cues"], np.concatenate([est, z["other"]]))
                row = table.setdefault(s, {}).setdefault(name, {"F": [], "hits": {}, "false": 0})
                row["F"].append(f)
                for j, lv in enumerate(z["levels"]):
                    row["hits"].setdefault(float(lv), []).append(int(j in hit))
                row["false"] += len(mc[name])


def latency(files: list[dict], weights: dict) -> float:
    """Median signed error (s) of the network's picks within 50 ms of a training effect."""
    net = cuenet.Ensemble(weights)
    errs = []
    for z in files[::3]:
        p = cuenet.activation(z["fine"], z["floor"], cuenet.evidence_columns(z["surp"], z["fsurp"], z["weight"]),
                              net=net)
        rows, _ = cuenet.pick(p[:, 0], threshold=0.5)
        t = rows / ROWS
        for c in z["cues"]:
            d = t - c
            j = np.flatnonzero(np.abs(d) < 0.05)
            if len(j):
                errs.append(float(d[j[np.argmin(np.abs(d[j]))]]))
    return float(np.median(errs)) if errs else 0.0


def report(table: dict) -> None:
    names = list(next(iter(table.values())).keys())
    sets = list(table)
    print(f"{'method':26s} " + " ".join(f"{s:>9s}" for s in sets) + "      mean  recall 0/-6/-12 dB  false(clean)")
    for name in names:
        fs = [float(np.nanmean(table[s][name]["F"])) for s in sets]
        hits: dict[float, list[int]] = {}
        for s in sets:
            for lv, h in table[s][name]["hits"].items():
                hits.setdefault(lv, []).extend(h)
        rec = "/".join(f"{np.mean(hits[lv]):.2f}" for lv in sorted(hits, reverse=True))
        false = sum(table[s][name]["false"] for s in sets)
        print(f"{name:26s} " + " ".join(f"{f:9.3f}" for f in fs) + f"  {np.mean(fs):8.3f}  {rec:>18s}  {false:6d}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mode", choices=("cv", "score", "final"))
    ap.add_argument("--folds", type=Path, default=Path("/tmp/cuenet/folds"), help="where cv keeps each fold's weights")
    ap.add_argument("--data", type=Path, default=Path("/tmp/cuenet/data"))
    ap.add_argument("--sets", nargs="*", default=[])
    ap.add_argument("--steps", type=int, default=STEPS)
    ap.add_argument("--seeds", type=int, default=SEEDS, help="final: networks trained from seeds 0..N-1, averaged")
    ap.add_argument("--evidence-from", type=Path, default=None,
                    help="score: the network's evidence inputs from this data directory (another beat grid)")
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "syncsheet/data/cuenet.npz")
    ap.add_argument("--train-set", action="store_true", help="learn from the train set's mixes too "
                    "(make_train_pieces.py; a fold leaves out its excerpts of the scored set's pieces)")
    ap.add_argument("--toons", nargs="*", type=int, default=[], help="learn from these folds' mixes of synthesised "
                    "cartoon effects too (make_cuenet_data.py --toons; a set's are left out with it)")
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    table: dict = {}
    if args.mode == "score":  # each set with its fold's saved network (cv must have run)
        for s in SETS:
            with np.load(args.folds / f"{s}.npz") as z:
                w = dict(z)
            evaluate([s], w, args.data, float(w["latency"]), table, args.evidence_from)
        report(table)
        return
    files = {s: [load_file(p) for pattern in [f"train__{s}__*.npz"] + [f"toons{k}__{s}__*.npz" for k in args.toons]
                 for p in sorted(args.data.glob(pattern))] for s in SETS}
    # the train set's mixes, each with the source piece it was cut from
    extra: list[tuple[str, dict]] = []
    if args.train_set:
        from train_beatnet import piece_keys

        pieces = piece_keys()
        extra = [(pieces["train", p.name.split("__")[2]], load_file(p))
                 for p in sorted(args.data.glob("train__train__*.npz"))]
    if args.mode == "cv":
        args.folds.mkdir(parents=True, exist_ok=True)
        for s in SETS:
            held = {k for (o, _), k in pieces.items() if o == s} if extra else set()
            train = [f for o in SETS if o != s for f in files[o]] + [f for k, f in extra if k not in held]
            print(f"fold {s}: fitting on {len(train)} mixes", flush=True)
            w = fit(train, steps=args.steps)
            lat = latency(train, w)
            print(f"    latency {lat * 1000:+.1f} ms", flush=True)
            np.savez(args.folds / f"{s}.npz", latency=np.float32(lat), **w)
            evaluate([s], w, args.data, lat, table)
            report(table)
    else:
        train = [f for s in SETS for f in files[s]] + [f for _, f in extra]
        w = ensemble([fit(train, seed=k, steps=args.steps) for k in range(args.seeds)])
        lat = latency(train, w)
        w["latency"] = np.float32(lat)
        np.savez_compressed(args.out, **w)
        print(f"wrote {args.out} (latency {lat * 1000:+.1f} ms)")
        if args.sets:
            evaluate(args.sets, w, args.data, lat, table)
            report(table)


if __name__ == "__main__":
    main()
