"""Boosted tree ensembles in numpy: the learned judges' models (:mod:`.onset_judge`, :mod:`.cue_judge`).

The ensembles are fitted by development tools (scikit-learn's histogram gradient boosting, under
``benchmarks/``) and shipped as plain arrays in ``syncsheet/data/*.npz``, so the analysis needs no
scikit-learn and no pickled objects tied to its version.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import numpy as np

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
        self.leaf = self.left < 0

    def probability(self, x: np.ndarray, block: int = 4096) -> np.ndarray:
        """(rows, features) -> (rows,) probability that each candidate is a note."""
        out = np.zeros(len(x))
        rows = np.arange(min(block, len(x)))[:, None]
        for start in range(0, len(x), block):
            xb = np.asarray(x[start : start + block], np.float64)
            node = np.broadcast_to(self.roots, (len(xb), len(self.roots))).copy()
            r = rows[: len(xb)]
            while True:
                inner = ~self.leaf[node]
                if not inner.any():
                    break
                go_left = xb[r, self.feature[node]] <= self.threshold[node]
                node = np.where(inner, np.where(go_left, self.left[node], self.right[node]), node)
            out[start : start + block] = self.baseline + self.value[node].sum(axis=1)
        return 1.0 / (1.0 + np.exp(-out))


@lru_cache(maxsize=4)
def load_forest(name: str) -> Forest:
    """A shipped ensemble, ``syncsheet/data/<name>``."""
    with resources.files("syncsheet.data").joinpath(name).open("rb") as fh, np.load(fh) as z:
        return Forest({k: z[k] for k in z.files})
