"""Shared test helpers: a seeded RNG, small synthesised audio written at test time, a stand-in judge,
the BLAS threads the analysis's network products see."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


@pytest.fixture
def write_audio(tmp_path):
    """write_audio(name, samples, sr, **soundfile_kwargs) -> path in tmp_path."""

    def _write(name: str, y: np.ndarray, sr: int = 44100, **kwargs):
        path = tmp_path / name
        sf.write(path, y, sr, **kwargs)
        return path

    return _write


class _Deaf:
    """A stand-in learned judge (onset or cue) that hears nothing anywhere."""

    def probability(self, x: np.ndarray, progress=None) -> np.ndarray:
        return np.zeros(len(x))


@pytest.fixture
def deaf_judge() -> _Deaf:
    return _Deaf()


@pytest.fixture
def blas_threads_seen(monkeypatch) -> list[set[int]]:
    """Filled, at each forward pass of the effect network, with the BLAS libraries' thread counts."""
    from threadpoolctl import threadpool_info

    from syncsheet.analysis import cuenet

    seen: list[set[int]] = []
    forward = cuenet.Net.forward

    def spy(self, x):
        seen.append({i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"})
        return forward(self, x)

    monkeypatch.setattr(cuenet.Net, "forward", spy)
    return seen
