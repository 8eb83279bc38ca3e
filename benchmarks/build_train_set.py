"""Render the ``train`` set listed by ``make_train_pieces.py`` with the bench's own builder.

The bench's ``make_dataset.py`` stops at the first piece it cannot cut an excerpt from; this driver
calls its ``build_piece`` for each piece (same per-piece RNG, so the same excerpts), reports and
skips the few that fail, and can split the work between processes (``--part 0/2``, ``--part 1/2``,
then ``--merge``)::

    B=/tmp/syncsheet-bench; P=$B/venv/bin/python
    $P benchmarks/build_train_set.py --part 0/2 & $P benchmarks/build_train_set.py --part 1/2; wait
    $P benchmarks/build_train_set.py --merge
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bench", type=Path, default=HERE.parent.parent / "shared" / "bench")
    ap.add_argument("--src", type=Path, default=Path("/tmp/syncsheet-bench/src"))
    ap.add_argument("--out", type=Path, default=Path("/tmp/syncsheet-bench/train"))
    ap.add_argument("--pieces", type=Path, default=HERE / "train-pieces.json")
    ap.add_argument("--seed", type=int, default=790)
    ap.add_argument("--part", default="0/1", help="k/n: build every n-th piece from the k-th")
    ap.add_argument("--merge", action="store_true", help="join the parts' manifests into manifest.json")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.merge:
        parts = sorted(args.out.glob("manifest.part*.json"))
        merged = json.loads(parts[0].read_text())
        for p in parts[1:]:
            merged["excerpts"] += json.loads(p.read_text())["excerpts"]
        merged["excerpts"].sort(key=lambda e: e["id"])
        (args.out / "manifest.json").write_text(json.dumps(merged, indent=1))
        print("merged", len(parts), "parts:", len(merged["excerpts"]), "excerpts")
        return
    sys.path.insert(0, str(args.bench))
    import make_dataset as md

    k, n = (int(x) for x in args.part.split("/"))
    spec = json.loads(args.pieces.read_text())
    sfx_bank = [md.load_sfx(e, str(args.src)) for e in spec["sfx"]]
    build_args = argparse.Namespace(src=str(args.src), out=str(args.out))
    manifest = {"seed": args.seed, "sample_rate": md.SR, "pieces": str(args.pieces), "excerpts": [], "skipped": []}
    with tempfile.TemporaryDirectory(prefix="syncsheet_train_") as workdir:
        for i, piece in enumerate(spec["main"]):
            if i % n != k:
                continue
            rng = np.random.default_rng([args.seed, int(hashlib.sha256(piece["id"].encode()).hexdigest()[:8], 16)])
            try:
                e = md.build_piece(piece, "main", build_args, rng, sfx_bank, workdir)
            except Exception as err:  # one unusable piece must not stop the set
                print("skip", piece["id"], type(err).__name__, err, flush=True)
                manifest["skipped"].append({"id": piece["id"], "why": str(err)})
                continue
            manifest["excerpts"].append(e)
            print(f"{e['id']:8s} beats={e['n_beats']:3d} downbeats={e['n_downbeats']:3d} "
                  f"bpm~{e['beat_bpm_median']} ts={','.join(e['time_signatures'])}", flush=True)
    (args.out / f"manifest.part{k}.json").write_text(json.dumps(manifest, indent=1))


if __name__ == "__main__":
    main()
