"""First end-to-end analysis built on librosa's own beat and onset functions.

This is the walking skeleton: librosa defaults (hop 512 at 22.05 kHz), a fixed meter, music
stops from the level track. The frame-accurate core replaces its insides behind the same API.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .. import audio
from ..model import Analysis, Beat, Cue, Levels, Onset, TempoMap
from ..progress import Progress, report, scaled
from .settings import AnalysisSettings

__all__ = ["analyze", "analyze_samples"]

_SR = 22050
_HOP = 512
_LEVEL_STEP = 0.01


def analyze(
    path: str | os.PathLike,
    settings: AnalysisSettings | None = None,
    *,
    progress: Progress | None = None,
) -> Analysis:
    """Analyse an audio file.

    Parameters
    ----------
    path : path-like
    settings : AnalysisSettings, optional
    progress : callable(fraction, stage), optional
        May raise :class:`~syncsheet.errors.Cancelled`.

    Returns
    -------
    Analysis
    """
    info = audio.probe(path)
    y = np.concatenate(list(audio.blocks(path, info=info, progress=scaled(progress, 0.0, 0.3))))
    result = analyze_samples(y, info.sample_rate, settings, progress=scaled(progress, 0.3, 1.0))
    return result.replace(source=Path(path).name)


def analyze_samples(
    y: np.ndarray,
    sample_rate: int,
    settings: AnalysisSettings | None = None,
    *,
    progress: Progress | None = None,
) -> Analysis:
    """Analyse mono samples (float, -1..1) at *sample_rate* Hz."""
    import librosa

    settings = settings or AnalysisSettings()
    y = np.asarray(y, dtype=np.float32)
    duration = len(y) / sample_rate
    levels = _levels(y, sample_rate)
    warnings: list[str] = []
    if not len(y) or float(np.max(np.abs(y - np.mean(y)))) < 1e-4:
        warnings.append("the audio is silent: no beats, onsets or cues")
        report(progress, 1.0, "done")
        return Analysis(duration, sample_rate, levels=levels, warnings=tuple(warnings))
    report(progress, 0.05, "resampling")
    y22 = librosa.resample(y, orig_sr=sample_rate, target_sr=_SR) if sample_rate != _SR else y
    report(progress, 0.3, "onsets")
    env = librosa.onset.onset_strength(y=y22, sr=_SR, hop_length=_HOP)
    report(progress, 0.5, "beats")
    start_bpm = float(np.clip(120.0, settings.bpm_min, settings.bpm_max))
    _, beat_hops = librosa.beat.beat_track(onset_envelope=env, sr=_SR, hop_length=_HOP, start_bpm=start_bpm)
    onset_hops = librosa.onset.onset_detect(onset_envelope=env, sr=_SR, hop_length=_HOP)
    report(progress, 0.8, "bars")
    peak = float(env.max()) or 1.0
    per_bar = settings.beats_per_bar or 4
    beats = tuple(
        Beat(float(t), i // per_bar + 1, i % per_bar + 1, float(env[h] / peak))
        for i, (h, t) in enumerate(
            zip(beat_hops, librosa.frames_to_time(beat_hops, sr=_SR, hop_length=_HOP), strict=True)
        )
    )
    onsets = tuple(
        Onset(float(t), float(env[h] / peak))
        for h, t in zip(onset_hops, librosa.frames_to_time(onset_hops, sr=_SR, hop_length=_HOP), strict=True)
    )
    if not beats:
        warnings.append("no steady beat found")
    report(progress, 1.0, "done")
    return Analysis(
        duration,
        sample_rate,
        beats=beats,
        onsets=onsets,
        cues=tuple(_stops(levels)),
        tempo=TempoMap.from_beats(beats),
        levels=levels,
        warnings=tuple(warnings),
    )


def _levels(y: np.ndarray, sr: int) -> Levels:
    step = max(1, int(round(sr * _LEVEL_STEP)))
    n = len(y) // step
    if n == 0:
        return Levels(_LEVEL_STEP, np.zeros(0, np.float32))
    rms = np.sqrt(np.mean(np.square(y[: n * step].reshape(n, step), dtype=np.float64), axis=1))
    return Levels(step / sr, (20 * np.log10(np.maximum(rms, 1e-6))).astype(np.float32))


def _stops(levels: Levels, min_seconds: float = 0.25) -> list[Cue]:
    """Music stops: the level drops 40 dB under the piece's loud level for a while."""
    db = levels.db
    if not db.size:
        return []
    quiet = db < float(np.percentile(db, 90)) - 40
    cues: list[Cue] = []
    i = 0
    while i < len(quiet):
        if quiet[i]:
            j = i
            while j < len(quiet) and quiet[j]:
                j += 1
            if (j - i) * levels.step >= min_seconds and i > 0 and j < len(quiet):
                cues.append(Cue(i * levels.step, "stop", "STOP", 1.0, j * levels.step))
                cues.append(Cue(j * levels.step, "restart", "RESTART", 1.0))
            i = j
        i += 1
    return cues
