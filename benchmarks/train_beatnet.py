"""Train the beat TCN (:mod:`syncsheet.analysis.beatnet`) and measure it leave-set-out.

Development tool: needs torch (never a runtime dependency: ``.venv/bin/pip install`` the wheel into
your own venv), the dev extra (mir_eval) and the benchmark sets under --root with their features
cached as ``<cache>/<set>__<id>.pkl`` (pickled :func:`syncsheet.analysis.features.extract` of each
clean ``<id>.wav``; missing ones are extracted and stored there).

Leave-set-out (``--cv``): each of the seven tuning sets is scored by a model fitted on the others
(the tempo set's pieces are dev and holdout pieces with a rewritten tempo map, so it is never fitted
on when dev or holdout is scored, nor they when it is); each fold's beat activations are stored in
``--work``. ``--eval`` then decodes them every way compared (the present activation; the learned one
with and without the tracker's corrections, at several thresholds; mixtures of the two) through
:func:`syncsheet.analysis.pipeline.analyze_features` and prints mean beat F per excerpt (mir_eval,
±70 ms) and the share of beats within ±½ frame at 24 fps, per set. ``--final`` fits the shipped
model on all seven sets; ``--check blind2 blind3`` scores it (once, at the very end) on sets never
used for a choice. Seeded: the same command gives the same weights (one thread).

    .venv/bin/python benchmarks/train_beatnet.py --cv --work /tmp/beatnet-cv
    .venv/bin/python benchmarks/train_beatnet.py --eval --work /tmp/beatnet-cv
    .venv/bin/python benchmarks/train_beatnet.py --final --out syncsheet/data/beatnet.npz
    .venv/bin/python benchmarks/train_beatnet.py --check blind2 blind3 --work /tmp/beatnet-cv

Printed in the sixth session (beat F / share within ±½ frame; every variant: docs/analysis.md)::

    variant          dev         holdout     compound    tempo       tune2       fresh       blind       mean
    present          0.926/0.926 0.719/0.682 0.711/0.667 0.896/0.879 0.700/0.713 0.660/0.717 0.710/0.695 0.760/0.754
    thr5 all         0.917/0.998 0.747/0.694 0.666/0.693 0.880/0.897 0.751/0.789 0.755/0.809 0.807/0.819 0.789/0.814
    mix0.25 thr3     0.917/0.917 0.764/0.729 0.735/0.722 0.923/0.910 0.725/0.738 0.767/0.848 0.804/0.817 0.805/0.812
    --check:         blind2      blind3
    present          0.662/0.666 0.751/0.821
    mix0.25 thr3     0.734/0.728 0.798/0.861

Seventh session, with the train set (``--extra train``: fitted on in every fold, less the excerpts of
the scored set's pieces; ``make_train_pieces.py``), mean over the seven sets at ``mix0.25 thr3``:
800 steps 0.796/0.794, ``--channels 32 --steps 3000`` 0.792/0.805 (the shipped network 0.805/0.812).
Not kept::

    .venv/bin/python benchmarks/train_beatnet.py --cv --work /tmp/bn7/B --extra train --steps 3000 \
        --channels 32 --folds dev compound tune2 blind    # and, in a second process, the other folds

Ninth session: the train set without the excerpts whose score beats do not fit their notes
(``--drop-unfit``, ``truth_fit.py``: 18 of its 224 and three tuning excerpts) gave 0.795/0.799 at
``mix0.25 thr3`` (dev 0.917/0.917, holdout 0.762/0.723, compound 0.701/0.689, tempo 0.919/0.910,
tune2 0.728/0.743, fresh 0.767/0.847, blind 0.773/0.763), as with them (0.796/0.794): not kept::

    .venv/bin/python benchmarks/train_beatnet.py --cv --work /tmp/s9/bn-B --extra train --drop-unfit
"""

from __future__ import annotations

import argparse
import json
import pickle
import time
from pathlib import Path

import numpy as np
from truth_fit import unfit_excerpts  # benchmarks/ is on the path when run from the checkout

from syncsheet import audio
from syncsheet.analysis import beatnet
from syncsheet.analysis.features import Features, extract

SETS = ("dev", "holdout", "compound", "tempo", "tune2", "fresh", "blind")
#: Sets never fitted on together with a scored one (same pieces).
SAME_PIECES = {"dev": {"tempo"}, "holdout": {"tempo"}, "tempo": {"dev", "holdout"}}
HOPS = 100  # decoder hops a second
DILATIONS = (1, 2, 4, 8, 16, 32, 64, 128, 256)
CHANNELS = 20
DROPOUT = 0.15
CROP = 2000  # hops a training crop (20 s)
BATCH = 8
STEPS = 800
LR = 2e-3
STRETCH = 0.2  # time-stretch the inputs by up to ±20 %
CUT_SHARE = 0.3  # share of crops with the bands an 8 kHz file lacks zeroed
CUT_HZ = 3300.0  # an 8 kHz file's fine spectrum ends at 3.2 kHz
SEED = 7


# --- data --------------------------------------------------------------------------------------

def piece_keys() -> dict[tuple[str, str], str]:
    """(set, excerpt id) -> the source piece it was cut from, for every pieces file the project keeps."""
    from make_train_pieces import piece_key, pieces_files

    here = Path(__file__).resolve().parent
    files = pieces_files(here.parents[1] / "shared" / "bench")
    files["train"] = json.loads((here / "train-pieces.json").read_text())
    return {(name, p["id"]): piece_key(p) for name, spec in files.items()
            for p in spec.get("main", []) + spec.get("tempo", [])}


def cached_features(root: Path, name: str, ex: dict, cache: Path) -> Features:
    """The features of an excerpt's clean audio, from ``<cache>/<set>__<id>.pkl`` (made there when missing)."""
    store = cache / f"{name}__{ex['id']}.pkl"
    if store.exists():
        return pickle.loads(store.read_bytes())
    wav = root / name / ex["audio"]
    info = audio.probe(wav)
    f = extract(audio.blocks(wav, info=info, mono=False), info.sample_rate, info.samples)
    store.write_bytes(pickle.dumps(f))
    return f


def load_set(root: Path, name: str, cache: Path) -> list[dict]:
    """Each excerpt of a set: id, source piece, features, inputs, score beats and downbeats (seconds)."""
    manifest = json.loads((root / name / "manifest.json").read_text())
    pieces = piece_keys()
    out = []
    for ex in manifest["excerpts"]:
        f = cached_features(root, name, ex, cache)
        beats = np.loadtxt(root / name / ex["beats"], ndmin=1)
        down = np.loadtxt(root / name / ex["downbeats"], ndmin=1) if ex.get("downbeats") else np.zeros(0)
        piece = pieces.get((name, ex["id"]), f"{name}:{ex['id']}")
        out.append({"id": ex["id"], "set": name, "piece": piece, "f": f, "x": beatnet.inputs(f),
                    "beats": beats, "down": down})
    return out


def targets(times: np.ndarray, n: int) -> np.ndarray:
    """1 at each event's hop, 0.5 on either side (as madmom widens its targets)."""
    y = np.zeros(n, np.float32)
    k = np.round(np.asarray(times) * HOPS).astype(int)
    k = k[(k >= 0) & (k < n)]
    for off, v in ((-1, 0.5), (1, 0.5), (0, 1.0)):
        j = np.clip(k + off, 0, n - 1)
        y[j] = np.maximum(y[j], v)
    return y


def stretched(ex: dict, factor: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Inputs resampled along the hop axis by *factor* (>1 slower), with their beat and downbeat
    targets and the mask of hops the score covers."""
    x = ex["x"]
    n = max(2, int(round(len(x) * factor)))
    src = np.minimum(np.arange(n) / factor, len(x) - 1)
    i = np.floor(src).astype(int)
    j = np.minimum(i + 1, len(x) - 1)
    a = (src - i)[:, None].astype(np.float32)
    xs = (1 - a) * x[i] + a * x[j]
    b, d = ex["beats"] * factor, ex["down"] * factor
    mask = np.zeros(n, np.float32)
    if len(b):
        mask[max(0, int((b[0] - 0.5) * HOPS)) : int((b[-1] + 0.5) * HOPS)] = 1.0
    y = np.stack([targets(b, n), targets(d, n)], axis=1)
    return xs.astype(np.float32), y, mask


# --- model -------------------------------------------------------------------------------------

def make_model(torch, *, channels: int = CHANNELS, dilations: tuple[int, ...] = DILATIONS, heads: int = 2,
               dropout: float = DROPOUT):
    """The TCN :class:`syncsheet.analysis.beatnet.Net` runs (the onset script's too, with its own sizes)."""
    nn = torch.nn

    class TCN(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inp = nn.Conv1d(beatnet.N_INPUTS, channels, 1)
            self.convs = nn.ModuleList(nn.Conv1d(channels, channels, 3, padding=d, dilation=d) for d in dilations)
            self.res = nn.ModuleList(nn.Conv1d(channels, channels, 1) for _ in dilations)
            self.drop = nn.Dropout(dropout)
            self.out = nn.Conv1d(channels, heads, 1)

        def forward(self, x):  # (B, C, T) -> logits (B, 2, T)
            h = self.inp(x)
            for conv, res in zip(self.convs, self.res, strict=True):
                h = h + res(self.drop(torch.nn.functional.elu(conv(h))))
            return self.out(torch.nn.functional.elu(h))

    return TCN()


def export(model, dilations: tuple[int, ...] = DILATIONS) -> dict[str, np.ndarray]:
    """The weights as :class:`syncsheet.analysis.beatnet.Net` reads them."""
    w = {"in_w": model.inp.weight[:, :, 0], "in_b": model.inp.bias, "out_w": model.out.weight[:, :, 0],
         "out_b": model.out.bias}
    for i, (conv, res) in enumerate(zip(model.convs, model.res, strict=True)):
        w[f"conv{i}_w"], w[f"conv{i}_b"] = conv.weight, conv.bias
        w[f"res{i}_w"], w[f"res{i}_b"] = res.weight[:, :, 0], res.bias
    out = {k: v.detach().numpy().astype(np.float32) for k, v in w.items()}
    out["dilations"] = np.array(dilations, np.int32)
    return out


def fit(excerpts: list[dict], *, seed: int = SEED, steps: int = STEPS, log: bool = True,
        channels: int = CHANNELS) -> dict[str, np.ndarray]:
    """Train on *excerpts* (random stretched crops); return the exported weights."""
    import torch

    torch.set_num_threads(1)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = make_model(torch, channels=channels)
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    t0 = time.time()
    for step in range(steps):
        xb, yb, mb = [], [], []
        for k in rng.integers(0, len(excerpts), BATCH):
            x, y, m = stretched(excerpts[k], float(rng.uniform(1 - STRETCH, 1 + STRETCH)))
            if rng.random() < CUT_SHARE:
                beatnet.cut(x, CUT_HZ)
            s = int(rng.integers(0, max(1, len(x) - CROP)))
            x, y, m = x[s : s + CROP], y[s : s + CROP], m[s : s + CROP]
            pad = CROP - len(x)
            xb.append(np.pad(x, ((0, pad), (0, 0))))
            yb.append(np.pad(y, ((0, pad), (0, 0))))
            mb.append(np.pad(m, (0, pad)))
        x = torch.from_numpy(np.stack(xb)).transpose(1, 2)
        y = torch.from_numpy(np.stack(yb)).transpose(1, 2)
        m = torch.from_numpy(np.stack(mb))[:, None, :]
        logits = model(x)
        # beats are 1 hop in 50: positives weighed up so the head is not pushed to silence
        weight = m * (1.0 + 4.0 * y)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, y, weight=weight)
        loss = loss * weight.numel() / weight.sum().clamp(min=1.0)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if log and (step % 200 == 0 or step == steps - 1):
            print(f"  step {step:5d} loss {loss.item():.4f} ({time.time() - t0:.0f} s)", flush=True)
    model.eval()
    return export(model)


# --- scoring -----------------------------------------------------------------------------------

def score(ex: dict, times: np.ndarray) -> tuple[float, float]:
    """Beat F (mir_eval, ±70 ms) and the share of score beats within ±½ frame at 24 fps."""
    import mir_eval

    rb, eb = mir_eval.beat.trim_beats(ex["beats"]), mir_eval.beat.trim_beats(np.asarray(times))
    f = mir_eval.beat.f_measure(rb, eb)
    half = len(mir_eval.util.match_events(rb, eb, 1 / 48)) / max(1, len(rb))
    return float(f), float(half)


def decode(f: Features, act: np.ndarray | None, *, threshold: float | None = None,
           corrections: str = "all") -> np.ndarray:
    """Beat times from the whole analysis with *act* (200 a second) as the beat activation (None:
    the present one), the tracker's threshold and the corrections kept ("all", "none", or
    "nofold": all but the fold to the user's range, "track": off-beat and swing only)."""
    from syncsheet.analysis import beat_level, pipeline
    from syncsheet.analysis import beats as beatmod

    saved = {(m, k): getattr(m, k) for m, names in ((beatmod, ("beat_activation", "track_beats")),
             (beat_level, ("swing_phase", "bass_harmony_phase", "compound_level", "fold_to_range"))) for k in names}

    def keep(pos, *_a, **_k):
        return pos

    saved_learned = beatnet.tracker_activation
    try:
        beatnet.tracker_activation = lambda *_a, **_k: None  # the pipeline's own choice is replaced
        if act is not None:
            beatmod.beat_activation = lambda *_a, **_k: act
        if threshold is not None:
            track = saved[(beatmod, "track_beats")]
            beatmod.track_beats = lambda *a, **k: track(*a, **{**k, "threshold": threshold})
        if corrections == "none":
            beat_level.swing_phase = beat_level.bass_harmony_phase = beat_level.compound_level = keep
            beat_level.fold_to_range = keep
        elif corrections == "track":
            beat_level.compound_level = beat_level.fold_to_range = keep
        elif corrections == "nofold":
            beat_level.fold_to_range = keep
        result = pipeline.analyze_features(f)
    finally:
        for (m, k), v in saved.items():
            setattr(m, k, v)
        beatnet.tracker_activation = saved_learned
    return np.array([b.time for b in result.beats])


def learned_act(p: np.ndarray, n: int, present: np.ndarray | None = None, mix: float = 1.0) -> np.ndarray:
    """The network's probability per decoder hop as a tracker activation at 200 a second: over its
    mean (as the present one is about 1 on average), optionally mixed with the present one."""
    a = np.repeat(p / max(float(p.mean()), 1e-6), 2)[:n]
    a = np.pad(a, (0, n - len(a))).astype(np.float32)
    return a if present is None or mix >= 1.0 else (mix * a + (1 - mix) * present).astype(np.float32)


# --- commands ----------------------------------------------------------------------------------

def fold_train(sets: dict[str, list[dict]], name: str, extra: tuple[str, ...] = ()) -> list[dict]:
    """What the fold scoring *name* fits on: the other tuning sets (never one sharing its pieces) and
    the *extra* sets' excerpts of pieces *name* does not hold."""
    held = {ex["piece"] for ex in sets[name]}
    for other in SAME_PIECES.get(name, ()):
        held |= {ex["piece"] for ex in sets[other]}
    return ([ex for other in SETS if other != name and other not in SAME_PIECES.get(name, ()) for ex in sets[other]]
            + [ex for other in extra for ex in sets[other] if ex["piece"] not in held])


def cv(sets: dict[str, list[dict]], work: Path, fit=fit, extra: tuple[str, ...] = (), folds=SETS) -> None:
    """Each set's activation from a network *fit* on the other sets (and *extra*; never music sharing
    its pieces), saved per fold in *work* (a fold already there is kept)."""
    for name in folds:
        store = work / f"act_{name}.npz"
        if store.exists():
            continue
        train = fold_train(sets, name, extra)
        print(f"fold {name}: fitting on {len(train)} excerpts", flush=True)
        net = beatnet.Net(fit(train))
        np.savez(store, **{ex["id"]: net.forward(ex["x"])[:, 0] for ex in sets[name]})


#: Every decode compared: (label, activation, tracker threshold, corrections, learned share).
VARIANTS = (
    [("present", None, None, "all", 1.0)]
    + [(f"present thr{t:g}", None, t, "all", 1.0) for t in (2.5, 3.0)]
    + [(f"thr{t:g} all", "learned", t, "all", 1.0) for t in (1.0, 2.0, 3.0, 4.0, 5.0, 7.0)]
    + [(f"thr3 {c}", "learned", 3.0, c, 1.0) for c in ("nofold", "track", "none")]
    + [("thr5 nofold", "learned", 5.0, "nofold", 1.0)]
    + [(f"mix{m:g} thr{t:g}", "learned", t, "all", m) for m, ts in (
        (0.1, (3.0,)), (0.25, (2.5, 3.0, 3.5)), (0.35, (3.0,)), (0.5, (1.75, 3.0, 4.0, 5.0)), (0.75, (1.75, 3.0)))
       for t in ts]
)


def evaluate(sets: dict[str, list[dict]], work: Path, names, variants=VARIANTS) -> None:
    from syncsheet.analysis import beats as beatmod

    table = {v[0]: {} for v in variants}
    for name in names:
        acts = np.load(work / f"act_{name}.npz")
        for label, kind, thr, corr, mix in variants:
            fs, hs = [], []
            for ex in sets[name]:
                f = ex["f"]
                act = None
                if kind:
                    present = beatmod.beat_activation(f.flux, notes=f.onset) if mix < 1 else None
                    act = learned_act(acts[ex["id"]], len(f.flux), present, mix)
                fv, hv = score(ex, decode(f, act, threshold=thr, corrections=corr))
                fs.append(fv)
                hs.append(hv)
            table[label][name] = (float(np.mean(fs)), float(np.mean(hs)), fs)
        print(f"scored {name}", flush=True)
    print(f"{'variant':22s}" + "".join(f" {n:>12s}" for n in names) + f" {'mean':>12s}")
    for label, row in table.items():
        cells = [row[n] for n in names]
        mf, mh = np.mean([c[0] for c in cells]), np.mean([c[1] for c in cells])
        print(f"{label:22s}" + "".join(f" {c[0]:.3f}/{c[1]:.3f}" for c in cells) + f" {mf:.3f}/{mh:.3f}")
    (work / f"eval_{'_'.join(names)}.pkl").write_bytes(pickle.dumps(table))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", type=Path, default=Path("/tmp/syncsheet-bench"))
    ap.add_argument("--cache", type=Path, default=Path("/tmp/beatnet-feat"))
    ap.add_argument("--work", type=Path, default=Path("/tmp/beatnet-cv"))
    ap.add_argument("--cv", action="store_true", help="fit the leave-set-out folds")
    ap.add_argument("--eval", action="store_true", help="score the folds' activations every way")
    ap.add_argument("--final", action="store_true", help="fit on all seven sets, write --out")
    ap.add_argument("--out", type=Path, default=Path("syncsheet/data/beatnet.npz"))
    ap.add_argument("--check", nargs="*", default=[], help="score the shipped model on these sets")
    ap.add_argument("--extra", nargs="*", default=[], help="sets only fitted on (train: make_train_pieces.py)")
    ap.add_argument("--drop-unfit", action="store_true", help="fit on no excerpt whose score beats do not fit "
                    "its notes (truth_fit.py; they are still scored)")
    ap.add_argument("--steps", type=int, default=STEPS)
    ap.add_argument("--channels", type=int, default=CHANNELS)
    ap.add_argument("--variants", nargs="*", help="--eval: score only these variants (labels as printed)")
    ap.add_argument("--folds", nargs="*", default=list(SETS), help="fit only these folds (split across processes)")
    args = ap.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    args.work.mkdir(parents=True, exist_ok=True)
    wanted = set(SETS) if (args.cv or args.eval or args.final) else set()
    if args.cv or args.final:
        wanted |= set(args.extra)
    sets = {name: load_set(args.root, name, args.cache) for name in sorted(wanted | set(args.check))}
    extra = tuple(args.extra)
    drop = frozenset(unfit_excerpts(args.root, tuple(wanted))) if args.drop_unfit else frozenset()

    def fit_on(train: list[dict]) -> dict[str, np.ndarray]:
        """Fit on *train* less the excerpts whose score beats do not fit their notes (if asked)."""
        return fit([ex for ex in train if (ex["set"], ex["id"]) not in drop], steps=args.steps, channels=args.channels)

    if args.cv:
        cv(sets, args.work, fit=fit_on, extra=extra, folds=args.folds)
    if args.eval:
        evaluate(sets, args.work, SETS, [v for v in VARIANTS if not args.variants or v[0] in args.variants])
    if args.final:
        weights = fit_on([ex for name in SETS + extra for ex in sets[name]])
        np.savez_compressed(args.out, **weights)
        print(f"wrote {args.out} ({args.out.stat().st_size} bytes)")
    if args.check:
        net = beatnet.load()
        for name in args.check:
            np.savez(args.work / f"act_{name}.npz", **{ex["id"]: net.forward(ex["x"])[:, 0] for ex in sets[name]})
        evaluate(sets, args.work, args.check, [v for v in VARIANTS if v[0] in ("present", CHOSEN)])


CHOSEN = "mix0.25 thr3"  # the decode the leave-set-out table chose (beatnet.SHARE, beatnet.THRESHOLD)

if __name__ == "__main__":
    main()
