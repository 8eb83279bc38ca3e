"""Boosted tree ensembles in numpy: the learned judges' models (:mod:`.onset_judge`, :mod:`.cue_judge`).

The ensembles are fitted by development tools (scikit-learn's histogram gradient boosting, under
``benchmarks/``) and shipped as plain arrays in ``syncsheet/data/*.npz``, so the analysis needs no
scikit-learn and no pickled objects tied to its version.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import numpy as np

from ..progress import Progress, report

__all__ = ["Forest", "load_forest"]


class Forest:
    """A boosted ensemble of binary trees over a judge's measures (logistic output), in numpy.

    Parameters
    ----------
    weights : mapping of str to array
        Per node of all trees, concatenated: ``feature`` (int), ``threshold`` (float; a row goes left
        when its value is at most this), ``left`` and ``right`` (absolute node indices; -1 at a leaf),
        ``value`` (a leaf's contribution); ``roots`` (each tree's first node) and ``baseline``.
    """

    def __init__(self, weights) -> None:
        self.feature = np.asarray(weights["feature"], np.int32)
        self.threshold = np.asarray(weights["threshold"], np.float64)
        self.left = np.asarray(weights["left"], np.int32)
        self.right = np.asarray(weights["right"], np.int32)
        self.value = np.asarray(weights["value"], np.float64)
        self.roots = np.asarray(weights["roots"], np.int32)
        self.baseline = float(np.asarray(weights["baseline"]).reshape(-1)[0])
        leaf = self.left < 0
        # a leaf leads to itself whichever way a row goes, so every row walks the deepest tree's
        # depth in lockstep with no test for which are done; each node's two children side by side
        # (right, then left), so one lookup takes a step
        me = np.arange(len(leaf))  # indices as numpy's own index type: no conversion at each lookup
        self._kids = np.stack([np.where(leaf, me, self.right), np.where(leaf, me, self.left)], axis=1).ravel()
        self._test = np.where(leaf, 0, self.feature).astype(np.intp)
        self._limit = np.where(leaf, np.inf, self.threshold)
        self._depth = self._deepest(leaf)

    def _deepest(self, leaf: np.ndarray) -> int:
        """Steps from a root to the deepest leaf of any tree."""
        node, depth = self.roots.copy(), 0
        while len(node):
            node = node[~leaf[node]]
            node = np.concatenate([self.left[node], self.right[node]])
            depth += len(node) > 0
        return depth

    def probability(self, x: np.ndarray, block: int = 4096, progress: Progress | None = None) -> np.ndarray:
        """(rows, features) -> (rows,) probability that each candidate is a note; *progress* hears
        each *block* of rows (a reel's onsets take seconds)."""
        out = np.zeros(len(x))
        for start in range(0, len(x), block):
            xb = np.asarray(x[start : start + block], np.float64)
            node = np.broadcast_to(self.roots.astype(np.intp), (len(xb), len(self.roots))).copy()
            at = np.arange(len(xb))[:, None] * xb.shape[1]  # each row's start in the flat block
            flat = xb.ravel()
            for _ in range(self._depth):
                node = self._kids[2 * node + (flat[at + self._test[node]] <= self._limit[node])]
            out[start : start + block] = self.baseline + self.value[node].sum(axis=1)
            report(progress, (start + len(xb)) / len(x), "judge")
        return 1.0 / (1.0 + np.exp(-out))


@lru_cache(maxsize=4)
def load_forest(name: str) -> Forest:
    """A shipped ensemble, ``syncsheet/data/<name>``."""
    with resources.files("syncsheet.data").joinpath(name).open("rb") as fh, np.load(fh) as z:
        return Forest({k: z[k] for k in z.files})
