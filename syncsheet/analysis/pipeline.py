"""The analysis job: one decode, one spectral pass, then every detector from the shared features.

Stages and their share of the progress bar: decoding + spectrum (0-60 %), beats (60-85 %),
bars, onsets, cues, stops (85-100 %). Every stage reports progress, so a ``Cancelled`` raised by
the callback stops the job within a block.

Timing: each detector's constant latency against reference annotations was measured on the
development set (see the README's analysis section) and is removed here; event times are refined
below the 5 ms hop by parabolic interpolation.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import numpy as np

from .. import audio, ltc
from ..model import Analysis, Beat, Cue, Onset, TempoMap
from ..mp3info import gapless_info
from ..progress import Progress, report, scaled
from ..wording import short_duration
from . import beat_level, beatnet, cue_judge, cuenet, downbeatnet, lone_sounds, onset_judge, working_level
from . import beats as beatmod
from . import cues as cuemod
from . import levels as levelmod
from . import meter as metermod
from . import onsets as onsetmod
from ._threads import InOrder, Submit, one_blas_thread
from ._windows import local_percentile, nearest, window_mean
from .features import FINE_DECIM, FINE_SCALE, FPS, Features, extract
from .resample import ANALYSIS_RATE
from .settings import AnalysisSettings

__all__ = ["analyze", "analyze_samples", "analyze_features"]

#: Measured latency of each detector (seconds), subtracted from its times.
BEAT_LATENCY = 0.004
#: The tracked grid through a stop carries the bars' count where each of its periods is within this
#: share of the period around (see :func:`_skipped`).
_GRID_KEPT = 0.05
ONSET_LATENCY = 0.0026
_EDGE_ONSET_TOL = 0.06  # s: a beat at either end of the music needs an onset this close
#: ... and a level no further than this (dB) under the piece's loud level (a stop's quiet line), or
#: one further than this (dB) over its 10th percentile over the span (s) around it (no bed)
_EDGE_QUIET_DB = 35.0
_EDGE_BED_DB, _EDGE_BED_S = 10.0, 10.0
#: An onset is timed from the hop energy where its attack rises this much (dB) out of near-silence:
#: the onset activation, a rise in dB, sees such an attack 14-17 ms early, a note inside the music a
#: few ms early, where the energy's sharp test would flip with the hops' phase and add jitter.
_ONSET_JUMP_DB = 30.0
#: A gap's stop or restart this close (s) to a dialogue scene of a reel is the scene's edge.
_SCENE_TOL_S = 0.1
CUE_LATENCY = -0.015  # the attack-start search lands slightly early (the window sees an attack first)
_SILENT_DB = -90.0
_SILENT_WARNING = "the audio is silent: no beats, onsets or cues"
_CUT_DB = 20.0  # sound this far above digital silence before a cut to it (_above_floor)
#: Steady noise (:func:`_noise_peak`): the onset novelty's 99th percentile under _NOISE_RATIO times
#: its median over the sounding hops, and its 99.9th under _NOISE_TAIL times its spread (the 84th
#: percentile, over the median) above the median. Noise of 10 s or more (white to brown, at 8-96
#: kHz, steady or swelling as a wind) is at most 2.16 and 4.45; the benchmark's 165 clean excerpts
#: at least 2.85 on the first; 79 of them under a hiss 22 dB down at least 2.06 and 4.99 (a string
#: quartet). Under a hiss 12 dB down two quartets read as noise (1.9-2.0 and 4.1).
_NOISE_RATIO, _NOISE_TAIL = 2.3, 4.7
#: ... where the only onsets are those this many times over that 99th percentile (an effect on a
#: noise bed; noise's own highest peaks reach about 1.3 times it).
_NOISE_ONSET = 2.0
_NOISE_WARNING = ("the audio{} is steady noise (a hiss, a wind, a room's tone) with nothing rising out of it: "
                  "no beats, and only the onsets that stand well above it")
#: A regular pick on the audio's first hops whose level falls this far (dB) 30-100 ms later is a
#: sound struck on the audio's first sample (a click, a hit), not a cut into music that sounds on:
#: the benchmark's 493 such picks (the eight tuning sets and both train sets, their first 6 s)
#: fall 7.2 dB at most, a click 30 dB (:func:`_struck_at_start`).
_STRUCK_FALL_DB = 15.0
#: The repetition detector's own cues need this pick score (:func:`~.cues.pick_cues`) at the default
#: sensitivity; the judge's candidates need far less (:data:`.cue_judge.DETECTOR_THRESHOLD`).
_DETECTOR_CUE_THRESHOLD = 5.0
#: A silence this long (a music stop, seconds) separates pieces, each analysed on its own: a reel's
#: cues follow one another at any tempo, which one decode could not follow (a tempo may change by a
#: quarter a beat), and a cue tracked after a louder or slower one came out at 2/3 or 3/2 of its
#: tempo. The working level keeps to the same pieces. (A sync pop before or after the music is a
#: piece of its own too: :func:`_pops`.)
PIECE_GAP_S = working_level.GAP_S
#: A sound is a sync pop's when it lies within the pop's blip to this (s): the level's hops and smoothing.
_POP_TOL_S = 0.03
#: Share of a blip's power in its strongest three fine bands from which it is a sync pop's tone.
_POP_TONE_SHARE = 0.8
_CLICK_TOL_S = 1 / 24  # s: a cue this near a click track's click is the click (a frame)
#: A sound no longer than this (s) between two of the music's stops is an event in one silence (the
#: gag's effect while the music waits, or the band's hit in stop time), not the music starting again
_IN_STOP_SOUND_S = 1.0
_AT_EVENT_S = 1 / 24  # s: a cue this near such a sound's start is that sound's (a frame)
_POP_MAX_S, _POP_GAP_S = 0.1, 1.0  # a pop lasts at most this long, with this much silence after it (s)
#: Fewer beats than this in a piece (a sync pop, an effect alone in a silence or in a file of its
#: own) are no beat: two intervals are the least that show a tempo.
_MIN_PIECE_BEATS = 3
#: The tempo range the beat tracker's prior and corrections were calibrated over (BPM).
_TRACK_BPM = (AnalysisSettings.bpm_min, AnalysisSettings.bpm_max)


def analyze(
    path: str | os.PathLike,
    settings: AnalysisSettings | None = None,
    *,
    progress: Progress | None = None,
    info: audio.AudioInfo | None = None,
) -> Analysis:
    """Analyse an audio file, streaming it (a feature-length reel never sits in memory).

    Parameters
    ----------
    path : path-like
        Any file :mod:`syncsheet.audio` reads; every channel is mixed to mono.
    settings : AnalysisSettings, optional
    progress : callable(fraction, stage), optional
        May raise :class:`~syncsheet.errors.Cancelled` to stop the job.
    info : AudioInfo, optional
        From :func:`syncsheet.audio.probe`, where the caller has it (probing reads the file's first
        seconds for a timecode channel: not twice).

    Returns
    -------
    Analysis
    """
    info = info or audio.probe(path)
    feats = extract(audio.blocks(path, info=info, mono=False), info.sample_rate, info.samples,
                    progress=scaled(progress, 0, 0.6))
    result = analyze_features(feats, settings, progress=scaled(progress, 0.6, 1.0))
    return result.replace(source=Path(path).name, warnings=_with_file_warnings(result.warnings, info.timecode,
                                                                               info.channels, _file_warnings(info)))


def _with_file_warnings(warnings: tuple[str, ...], code: ltc.Ltc | None, channels: int,
                        more: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The analysis' warnings and what the file says: a timecode channel left out (a file of timecode
    alone was not "silent": it is said what it is instead)."""
    if code is None:
        return warnings + more
    if len(code.channels) == channels:
        warnings = tuple(w for w in warnings if w != _SILENT_WARNING)
    return warnings + (_timecode_warning(code, channels),) + more


def _file_warnings(info: audio.AudioInfo) -> tuple[str, ...]:
    """What the file itself says about its timing: an MP3 that does not record its encoder delay
    decodes with that silence in front, here as in every program that plays it."""
    if info.format != "MP3":
        return ()
    tag = gapless_info(info.path)
    if tag is None or tag.tagged:
        return ()
    ms = 1000 * tag.late / tag.sample_rate
    return (f"this MP3 does not record its encoder delay (no LAME header): it plays, here as in any player, "
            f"about {ms:.0f} ms later than the music it was encoded from; sync to a WAV of the mix where that matters",)


def _timecode_warning(code: ltc.Ltc, channels: int) -> str:
    """What a user is told of the timecode in a file of *channels* channels: which were left out,
    which kept (the code mixed with other sound), or that the file is nothing but timecode."""
    at = f", {code.start} at the file's start" if code.start else ""
    what = f"SMPTE timecode (LTC at {code.rate.name} fps{at})"
    if len(code.channels) == channels:
        return f"the audio is {what} and nothing else: there is no music to analyse"
    said = []
    for group, verb, done in ((code.channels, "", "left out of the analysis"),
                              (code.mixed, " mixed with other sound", "kept for that sound, so the code's buzz may "
                               "be read as onsets and cues")):
        if group:
            which = " and ".join(str(c + 1) for c in group)
            said.append(f"channel {which} {'is' if len(group) == 1 else 'are'} {what}{verb}: {done}")
    return "; ".join(said)


def _without_timecode(y: np.ndarray, sample_rate: int) -> tuple[np.ndarray, ltc.Ltc | None]:
    """Samples in memory less the channels that hold timecode alone (one channel of silence where
    that is all of them), as :func:`syncsheet.audio.blocks` streams a file."""
    step = max(1, int(ltc.PROBE_SECONDS * sample_rate))  # (an impossible rate is refused by extract)
    code = ltc.search((y[i : i + step] for i in range(0, len(y), step)), sample_rate)
    if code is None:
        return y, None
    return ltc.without(y if y.ndim == 2 else y[:, None], code.channels), code


def analyze_samples(
    y: np.ndarray,
    sample_rate: int,
    settings: AnalysisSettings | None = None,
    *,
    progress: Progress | None = None,
) -> Analysis:
    """Analyse samples already in memory.

    Parameters
    ----------
    y : array
        Mono (n,) or multichannel (n, channels) samples in -1..1; channels are averaged.
    sample_rate : int
    settings : AnalysisSettings, optional
    progress : callable(fraction, stage), optional

    Returns
    -------
    Analysis
    """
    y = np.asarray(y, dtype=np.float32)  # (n,) or (n, channels): extract mixes and measures the level
    channels = 1 if y.ndim == 1 else y.shape[1]
    y, code = _without_timecode(y, int(sample_rate))
    step = 1 << 16

    def blocks() -> Iterable[np.ndarray]:
        for i in range(0, len(y), step):
            yield y[i : i + step]

    feats = extract(blocks(), int(sample_rate), len(y), progress=scaled(progress, 0, 0.6))
    result = analyze_features(feats, settings, progress=scaled(progress, 0.6, 1.0))
    return result if code is None else result.replace(warnings=_with_file_warnings(result.warnings, code, channels))


def analyze_features(
    f: Features,
    settings: AnalysisSettings | None = None,
    *,
    progress: Progress | None = None,
) -> Analysis:
    """Run every detector on features from :func:`~syncsheet.analysis.features.extract`.

    BLAS is held to one thread meanwhile (:mod:`._threads`): the analysis runs its own second
    thread, and a product's rounding then never depends on how many threads the machine gives BLAS
    (a batch's Dask workers, which start with one, put a cue 0.1 ms from where the others did).
    """
    with one_blas_thread():
        return _detect(f, settings or AnalysisSettings(), progress)


def _detect(f: Features, settings: AnalysisSettings, progress: Progress | None) -> Analysis:
    """:func:`analyze_features` with BLAS held to one thread."""
    levels = levelmod.levels_from_energy(f.energy)
    warnings: list[str] = []
    if f.n == 0 or float(np.max(levels.db, initial=levelmod.FLOOR_DB)) < _SILENT_DB:
        warnings.append(_SILENT_WARNING)
        report(progress, 1.0, "done")
        return Analysis(f.duration, f.sample_rate, levels=levels, warnings=tuple(warnings))
    if f.duration < 1.0:
        warnings.append(f"the audio is only {short_duration(f.duration)} long: beats and bars may be missing")
    if f.sample_rate < ANALYSIS_RATE:
        # measured (bench_sample_rates.py): the same music at 8 / 11 / 16 kHz keeps its beats within a
        # frame on 20 / 23 / 24 of 27 excerpts; the others lose the hi-hats that set their beat level
        warnings.append(f"the audio is sampled at {f.sample_rate / 1000:g} kHz, so nothing above "
                        f"{0.45 * f.sample_rate / 1000:.1f} kHz (hi-hats, cymbals) is heard: check that the beat "
                        "is the one you count, and give a BPM range if it is not")
    if f.flipped:
        which = ", ".join(str(c + 1) for c in f.flipped)
        warnings.append(f"channel {which} is in opposite polarity to the others, so the channels cancel when mixed "
                        "to mono: it was turned over for the analysis (check the recording's wiring)")
    sens = 2.0 ** (1.0 - 2.0 * settings.sensitivity)  # 1 at the default 0.5; lower finds more

    quiet = levelmod.quiet_runs(levels.db)  # one pass for the gaps and the entry
    gaps = levelmod.find_gaps(levels.db, PIECE_GAP_S, runs=quiet)
    # a sync pop at either end of a piece (a reel's head: line-up tone, silence, pop, the music) is apart
    gaps = sorted(gaps + [g for h0, h1 in _pieces(gaps, f.n) for g in _pops(f, levels.db, h0, h1)])
    beats: list[Beat] = []
    onsets: list[Onset] = []
    cues: list = []
    scenes: list[tuple[float, float]] = []
    scene_cues: list[Cue] = []
    spans = _pieces(gaps, f.n)
    for i, (h0, h1) in enumerate(spans):  # each piece of a reel alone: nothing in it owes anything to the one before
        t0 = h0 / FPS
        done = scaled(progress, h0 / f.n, h1 / f.n)
        db = levels.db[h0:h1]
        # a bar start in the silence after a piece (or past the audio) is that piece's to report
        until = spans[i + 1][0] / FPS if i + 1 < len(spans) else np.inf
        starts = tuple(t - t0 for t in settings.bar_starts if t0 <= t < until)
        with InOrder(depth=2) as later:
            piece = _analyze_piece(f if (h0, h1) == (0, f.n) else f.slice(h0, h1), db,
                                   replace(settings, bar_starts=starts), sens, warnings, done, later,
                                   span=None if len(spans) == 1 else (t0, h1 / FPS))
        onsets += [replace(x, time=x.time + t0) for x in piece[1]]
        if len(spans) > 1 and (lines := _dialogue_scene(f, levels.db, h0, h1)) is not None:
            scene_cues += lines  # a dialogue scene in a reel with music: no beats, its lines marked
            scenes.append((t0, h1 / FPS))
            continue
        last_bar = max((x.bar for x in beats), default=0)
        if len(piece[0]) >= _MIN_PIECE_BEATS:  # a lone sound (a pop, an effect's file) has no beat
            beats += [replace(x, time=x.time + t0, bar=x.bar + last_bar) for x in piece[0]]
        cues += [replace(x, time=x.time + t0, end=None if x.end is None else x.end + t0) for x in piece[2]]
    # the silences between pieces are stops too (music sounds before and after them) ...
    edges = levelmod.stop_cues(_at_attacks(gaps, f.energy))
    # and so is the first sound after a leading silence (a piece's analysis drops cues at its entry,
    # where nothing before it is a bed to stand out from)
    if (entry := levelmod.find_entry(levels.db, runs=quiet)) is not None:
        edges.append(levelmod.entry_cue(_at_attacks([(entry, entry)], f.energy)[0][1]))
    # ... but no music stops at a dialogue scene's end, nor restarts at its start (its first LINE)
    cues += [c for c in edges if not any(a - _SCENE_TOL_S <= c.time <= b + _SCENE_TOL_S for a, b in scenes)]
    # separate sounds with silence between them (an effects track): effects, not music that stops;
    # or lines of dialogue with pauses between them: neither effects nor music
    sounds = lone_sounds.separate_sounds(quiet, levels.db)
    if sounds is None and (few := lone_sounds.few_sounds(quiet, levels.db)) is not None:
        # one or two sounds in silence are effects unless the music's beats, on its notes, are in
        # them (a sting's): the tracker's grid over a noise floor between them (two claps) or along
        # a riser's swell is no music
        bt = np.array([b.time for b in beats], np.float64)
        on = bt[np.abs(nearest(np.sort([x.time for x in onsets]), bt) - bt) <= _EDGE_ONSET_TOL]
        inside = sum(any(a - _EDGE_ONSET_TOL <= t <= e for a, e in few.spans) for t in on)
        sounds = few if inside < _MIN_PIECE_BEATS else None
    if sounds is not None:
        starts = _attack_starts(sounds.spans, f.energy)
    if sounds is not None and sounds.speech:
        beats, cues = [], _dialogue_cues(f, levels.db, sounds.spans, starts)
        said = ("speech with pauses and no music (a dialogue track)" if len(sounds.spans) >= lone_sounds.MIN_SOUNDS
                else "a line of speech and no music (dialogue)")
        n = sum(c.kind != "marker" for c in cues)
        between = f" and the noisy sounds between the lines are effect cues ({n})" if n else ""
        warnings.append(f"the audio is {said}: it has no beats or bars; each line is marked (LINE) from its start "
                        f"to its end{between}; its loudness per frame (LEVEL) is there for the mouth chart")
    elif sounds is not None:
        cues = lone_sounds.effect_cues(cues, starts, f.fine, f.fine_hz, np.array([x.time for x in onsets]),
                                       levels.db, CUE_LATENCY, spans=sounds.spans)
        beats = []
        n = len(sounds.spans)
        said = {1: "one sound with silence around it", 2: "two sounds with silence between them"}.get(
            n, f"{n} separate sounds with silence between them")
        # (one or two sounds may be a short sting's: that has notes, but no steady beat either)
        warnings.append(f"the audio is {said} and {'no music' if n > 2 else 'no steady beat'}: "
                        f"{'it is' if n == 1 else 'each is'} an effect cue, and there are no beats or bars")
    elif scenes:  # music with dialogue scenes (the whole file's verdict above goes first)
        cues += scene_cues
        said = ", ".join(f"{a:.1f}-{b:.1f} s" for a, b in scenes)
        warnings.append(f"the audio at {said} is speech with pauses and no music (dialogue): it has no beats "
                        "or bars there, and each line is marked (LINE) from its start to its end")
    noise = _NOISE_WARNING.split("{}")[1]
    if sounds is None and not beats and not any(noise in w for w in warnings):  # which says why
        warnings.append("no steady beat found")
    beats_t = _on_audio(tuple(beats), f.duration)  # before the tempo map, whose segments start on beats
    report(progress, 1.0, "done")
    return Analysis(
        f.duration,
        f.sample_rate,
        beats=beats_t,
        onsets=_on_audio(tuple(onsets), f.duration),
        cues=_on_audio(tuple(cues), f.duration),
        tempo=TempoMap.from_beats(beats_t),
        levels=levels,
        warnings=tuple(dict.fromkeys(warnings)),
    )


def _analyze_piece(f: Features, db: np.ndarray, settings: AnalysisSettings, sens: float, warnings: list[str],
                   progress: Progress | None, later: InOrder, span: tuple[float, float] | None = None
                   ) -> tuple[list, list, list]:
    """Beats, onsets and cues (seconds from *f*'s start) of one piece of music, the whole file or a
    part between long silences (:func:`_pieces`; *span*, its seconds in the file, for its warnings),
    from its features and its level per hop (dBFS). What needs neither the beats nor the bars runs
    on *later*'s thread beside them."""
    # beats: joint tempo-phase Viterbi on the beat activation: the hand-made one with the learned one
    # mixed in (seconds of context say which attacks are beats), alone where the model has no context;
    # half the model's blocks on the second thread. Steady noise has none: the tracker puts a grid
    # over its random peaks as over any activation
    noise = _noise_peak(f.onset)
    if noise is None:
        hand = beatmod.beat_activation(f.flux, notes=f.onset)
        act, threshold = beatnet.tracker_activation(f, hand, progress=scaled(progress, 0.0, 0.1),
                                                    submit=later.submit) or (hand, 1.75)
    # a cue must be new against like-harmony passages of the piece too (measured beside the decoder)
    floored = bool(f.floor.size) and len(f.floor) == len(f.fine)
    harmony = later.submit(cuemod.harmony_surprise, f.floor, f.chroma, progress=later.check) if floored else None
    if noise is None:
        # the tracker chooses its level over its own range (and the user's, if wider); a user's range
        # then picks the level the beats are folded to (decoding inside a narrow range loses the phase)
        lo, hi = min(settings.bpm_min, _TRACK_BPM[0]), max(settings.bpm_max, _TRACK_BPM[1])
        pos = beatmod.track_beats(act, lo, hi, threshold=threshold, progress=scaled(progress, 0.1, 0.55))
        pos = beat_level.swing_phase(pos, act)
        pos = beat_level.bass_harmony_phase(pos, f.chroma, f.fine, f.fine_hz)  # off-beat lock: bass, harmony
        pos = beat_level.compound_level(pos, act, f.onset, f.fine, f.fine_hz, lo, hi,
                                        progress=scaled(progress, 0.55, 0.6))  # 6/8 tracked at two eighths
        pos = beat_level.fold_to_range(pos, act, f.chroma, f.fine, f.fine_hz, settings.bpm_min, settings.bpm_max,
                                       energy=f.energy, progress=scaled(progress, 0.6, 0.65))
        if settings.offbeat:  # the user hears the beats between the music's beats
            pos = beat_level.shift_half_beat(pos)
    else:
        pos = np.zeros(0)
        warnings.append(_NOISE_WARNING.format(f" at {span[0]:.1f}-{span[1]:.1f} s" if span else ""))
    raw = f.activation
    report(progress, 0.65, "onsets")

    # onsets
    pick = {"delta": 0.6 * sens, "pre_max": 0.05, "post_max": 0.05}
    # the reported onsets' threshold ignores the cut at the audio's start (onsets.LEAD); the beat
    # and cue helpers below keep the picks without that rule (measured in docs/analysis.md)
    opos = _above_floor(*onsetmod.pick_onsets(f.onset, lead=0, **pick), db)[0]
    npos, nstr = _reported_onsets(f, pick, db, pos, sens, progress=scaled(progress, 0.65, 0.74))
    if noise is not None:  # an effect on the bed stands out of it
        opos = opos[_out_of_noise(opos, f.onset, noise)]
        keep = _out_of_noise(npos, f.onset, noise)
        npos, nstr = npos[keep], nstr[keep]
    pos = beatmod.extend_to_edges(pos, opos)
    pos = beatmod.peak_refine(pos, raw, radius=2)
    timed = onsetmod.time_attacks(f.onset, npos)  # slow attacks at the start of their rise; the
    # beat and cue helpers keep the peaks (whether beats should follow is measured in the README)
    sharp = beatmod.attack_times(npos, f.energy, jump_db=_ONSET_JUMP_DB, from_silence=True)
    otimes = _attack_timed(timed / FPS - ONSET_LATENCY, sharp)
    onsets = tuple(Onset(float(t), float(s)) for t, s in zip(otimes, nstr, strict=True))
    stops = levelmod.find_stops(db, notes=npos)  # a stop starts after the last note before it
    tracked = pos
    grid = _audible(pos, stops, opos)  # the cue detector's bar references may use the ring-out
    pos = _sounding_edges(_heard_edges(grid, opos), db)
    skips = _skipped(tracked, pos)  # the bars count on through a stop's left-out beats
    report(progress, 0.75, "bars")

    # bars and meter: music that starts again after a stop in another tempo is a passage of its
    # own, whose meter, phase and evidence owe nothing to the music before it
    starts = _bar_start_beats(pos, settings.bar_starts, warnings)
    bars, in_bar = np.zeros(len(pos), int), np.zeros(len(pos), int)
    edges = [0, *np.flatnonzero(skips < 0), len(pos)]
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        inside = starts[(starts >= a) & (starts < b)] - a if starts is not None else None
        bars[a:b], in_bar[a:b] = _passage_bars(pos[a:b], f, settings.beats_per_bar, inside,
                                               np.r_[0, skips[a + 1 : b]], progress)
        bars[a:b] += bars[a - 1] if a else 0
    times = pos / FPS - BEAT_LATENCY
    sharp = beatmod.attack_times(pos, f.energy)  # a sharp attack is located in the signal itself
    times = np.where(np.isnan(sharp), times, sharp)
    # a click track's accent starts its bars (the music's evidence, bass and harmony, is not there);
    # each click's sound is read from its attack: the decoder's beats can be 10 ms off it every
    # other beat (its tempo states skip some periods, 80 BPM's among them), which made a kick's
    # clicks two sounds by turns and so no click track in bars of 5 or 7
    sounds = metermod.beat_sounds(times * FPS, f.fine, f.gain)
    clicks = metermod.click_bars(sounds, settings.beats_per_bar, starts)
    # a click track's beats are its clicks: where it holds (a fermata) or clicks slower than the
    # grid, the grid ran on over silence; and a slow one tracked at twice its tempo, every other
    # beat in silence, is a click track in its clicks alone
    heard = _heard(times, db)
    some = bool(heard.any()) and not heard.all()
    if clicks is None and some and not len(starts):  # (no bar a user started: its beat indices would move)
        clicks = metermod.click_bars(sounds[heard], settings.beats_per_bar)
        if clicks is not None:
            pos, times = pos[heard], times[heard]
    elif clicks is not None and some:
        pos, times, in_bar = pos[heard], times[heard], clicks[1][heard]
        clicks = np.maximum(np.cumsum(in_bar == 1) + int(in_bar[0] != 1), 1), in_bar
    if clicks is not None and some:  # beats were left out above
        grid = pos  # the cue detector's bars are the clicks' too (a bar of 4 was 4 of the grid's beats)
    if clicks is not None:
        bars, in_bar = clicks
    strength = _strengths(raw, pos)
    beats = tuple(
        Beat(float(t), int(b), int(k), float(s)) for t, b, k, s in zip(times, bars, in_bar, strength, strict=True)
    )
    report(progress, 0.85, "cues")

    # sound-effect cues and stops
    meter = int(settings.beats_per_bar or _typical_meter(in_bar))
    # what effects add to the floor between partials is evidence too, of where they start as well
    # as of whether they are there (a door's first rumble shows in the floor before the fine
    # spectrum's surprise rises); but a jump back across a gap onto an earlier burst takes only the
    # fine spectrum's sharper attacks, since the floor also rises with the music's own noise
    floor = (later.submit(cuemod.floor_surprise, f.floor, grid / FINE_DECIM, meter, progress=later.check)
             if floored else None)
    surp = cuemod.surprise(f.fine, grid / FINE_DECIM, meter, progress=scaled(progress, 0.85, 0.89))
    found = surp
    weight = cuemod.evidence_weight(len(surp), grid / FINE_DECIM, meter)
    if floor is not None:  # and so harmony, both submitted where the piece has a floor
        found = surp + floor.result()
        weight = weight * cuemod.harmony_weight(harmony.result())
    # the detection function, which a swell's hit must also rise on (as the detector's cues do)
    rise = cuemod.rise_score(found, weight=weight)
    cpos, cscore = _detector_cues(found, surp, weight, _DETECTOR_CUE_THRESHOLD * sens, stops, opos, grid, score=rise)
    report(progress, 0.9, "cues")
    cpos, cscore = _learned_cues(f, surp, found - surp, weight, cpos, cscore, sens, stops, opos, grid, later.submit,
                                 progress=scaled(progress, 0.9, 0.94))
    # the click where sound is cut to digital silence is no effect (a line-up tone's end), nor is
    # anything in near-silence (a hiss's flicker between a click track's clicks: judged on its own
    # scale, as an effect is, a tape's or a room's noise floor at -60 dBFS gave a cue every 3 s)
    cpos, cscore = _above_floor(cpos, cscore, db, ahead=12, ends=True)
    if clicks is not None:  # a click track's clicks are its own sound, however their rows fall on them
        cpos, cscore = _off_the_clicks(cpos, cscore, times)
    fine_rows = grid / FINE_DECIM
    capped = {"hit_score": rise, "min_score": _DETECTOR_CUE_THRESHOLD * sens}
    kinds, new = [], np.ones(len(cpos), bool)
    for i, p in enumerate(cpos):  # a few ms each, but a reel has a thousand
        row = int(p // FINE_DECIM)
        # None: what the music's bars already hold to the quantisation step is the music (a drum loop)
        profile = cuemod.effect_profile(f.fine, fine_rows, meter, row)
        new[i] = profile is not None
        if profile is not None:
            kinds.append(cuemod.classify(profile, f.fine_hz, surp, row, **capped))
        report(progress, 0.94 + 0.01 * (i + 1) / len(cpos), "cues")
    cpos, cscore = cpos[new], cscore[new]
    # a whoosh that ends in a hit: the hit is a cue of its own where the swell stops or is capped
    hits = [(e, s) for p, s, k in zip(cpos, cscore, kinds, strict=True) if k == "whoosh"
            and (e := cuemod.swell_end(surp, int(p // FINE_DECIM), **capped)) is not None]
    cpos = np.append(cpos, [e * FINE_DECIM for e, _ in hits])
    cscore = np.append(cscore, [s for _, s in hits])
    kinds = kinds + ["impact"] * len(hits)
    cues = cuemod.make_cues(cpos / FPS - CUE_LATENCY, cscore, kinds)
    silences, events = _events_in_stops(_at_attacks(stops, f.energy))
    if len(events):  # each its own effect cue, of the kind its spectrum says (a cue already there is it)
        cues = [c for c in cues if np.abs(events - c.time).min() > _AT_EVENT_S]
        cues += lone_sounds.sound_cues(events, f.fine, f.fine_hz, CUE_LATENCY)
    cues += levelmod.stop_cues(silences)
    report(progress, 0.95, "tempo")

    return list(beats), list(onsets), list(cues)


def _pops(f: Features, db: np.ndarray, h0: int, h1: int) -> list[tuple[float, float]]:
    """The silences (seconds) that part a sync pop from the music of the piece between hops *h0* and
    *h1* (:func:`_pop_blips`)."""
    return [gap for _, gap in _pop_blips(f, db, h0, h1)]


def _pop_blips(f: Features, db: np.ndarray, h0: int, h1: int) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    """The sync pops (start, end seconds) of the piece between hops *h0* and *h1*, each with the
    silence that parts it from the rest: a blip at either end (:func:`~.levels.find_blips`) whose
    sound is one pure tone (the 2-pop's 1 kHz holds 96 % of its power in three of the fine bands; a
    chord's stab 28 %, a noise hit 10 %). A short hit after the music's last pause is its button, a
    beat of the music; and a pop is alone: where the sound across the silence is a blip too, with as
    long a silence on its other side, the blips are a slow click track's clicks."""
    out = []
    t0 = h0 / FPS
    runs = [(s / FPS, e / FPS) for s, e in levelmod.quiet_runs(db[h0:h1]) if (e - s) / FPS >= _POP_GAP_S]
    for (a, b), gap in levelmod.find_blips(db[h0:h1], max_seconds=_POP_MAX_S, min_gap_s=_POP_GAP_S):
        if _pure_tone(f, t0 + a, t0 + b) is None:
            continue
        if b <= gap[0] + 1e-9:  # a head pop: is the sound after the silence a blip before another?
            pulse = any(0 < s - gap[1] <= _POP_MAX_S for s, _ in runs)
        else:  # a tail pop: is the sound before it a blip after another silence?
            pulse = any(0 < gap[0] - e <= _POP_MAX_S for _, e in runs)
        if not pulse:
            out.append(((a + t0, b + t0), (gap[0] + t0, gap[1] + t0)))
    return out


def _dialogue_scene(f: Features, db: np.ndarray, h0: int, h1: int) -> list[Cue] | None:
    """The cues of the piece from hop *h0* to *h1* of a reel (*db*, its level) where it is a dialogue
    scene (:func:`~.lone_sounds.dialogue_scene`), or None."""
    sounds = lone_sounds.dialogue_scene(levelmod.quiet_runs(db[h0:h1]), db[h0:h1])
    if sounds is None:
        return None
    t0 = h0 / FPS
    spans = [(a + t0, b + t0) for a, b in sounds.spans]
    return _dialogue_cues(f, db, spans, _attack_starts(spans, f.energy))


def _attack_starts(spans: list[tuple[float, float]], energy: np.ndarray) -> np.ndarray:
    """The start of each sound (*spans*, s) where its attack is (:func:`_at_attacks`)."""
    return np.array([e for _, e in _at_attacks([(a, a) for a, _ in spans], energy)])


def _dialogue_cues(f: Features, db: np.ndarray, spans: list[tuple[float, float]], starts: np.ndarray) -> list[Cue]:
    """A dialogue track's cues: its lines (:func:`~.lone_sounds.line_cues`; the sounds' *spans* and
    attack-timed *starts*, s), and a ``POP`` marker at a sync pop before or after them, which is no
    line (:func:`_pop_blips`)."""
    pops = [p for p, _ in _pop_blips(f, db, 0, f.n)]
    pop = np.array([any(p0 - _POP_TOL_S <= a and b <= p1 + _POP_TOL_S for p0, p1 in pops) for a, b in spans], bool)
    lines = [s for s, is_pop in zip(spans, pop, strict=True) if not is_pop]
    cues = lone_sounds.line_cues(lines, starts[~pop], db, f.fine, f.fine_hz, top_hz=0.45 * f.sample_rate,
                                 latency=CUE_LATENCY)
    cues += [Cue(float(t), "marker", "POP") for t in starts[pop]]
    return sorted(cues, key=lambda c: c.time)


def _off_the_clicks(cpos: np.ndarray, score: np.ndarray, beats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Drop cues (hops, scores) on a click track's clicks (*beats*, seconds): in digital silence a
    click's spectrum differs from its references a bar away only by where the 10 ms rows fall on it,
    measured against bands that are otherwise silent, and a wood block at 72 BPM had 8 effect cues
    on its clicks. An effect off the clicks is still one."""
    t = cpos / FPS - CUE_LATENCY
    keep = np.abs(t - nearest(beats, t)) > _CLICK_TOL_S
    return cpos[keep], score[keep]


def _pure_tone(f: Features, t0: float, t1: float) -> int | None:
    """The fine band of the sound from *t0* to *t1* (seconds) where it is one pure tone (three fine
    bands hold :data:`_POP_TONE_SHARE` of its power, about that band), else None."""
    r0, r1 = max(0, int(t0 * FPS / FINE_DECIM)), int(np.ceil(t1 * FPS / FINE_DECIM)) + 1
    power = ((10.0 ** (f.fine[r0:r1].astype(np.float64) / FINE_SCALE) - 1.0) ** 2).sum(axis=0)
    if not power.size or power.sum() <= 0:
        return None
    j = int(np.argmax(power))
    return j if power[max(0, j - 1) : j + 2].sum() >= _POP_TONE_SHARE * power.sum() else None


def _events_in_stops(stops: list[tuple[float, float]]) -> tuple[list[tuple[float, float]], np.ndarray]:
    """*stops* (start, end s, in time order) with those parted by a sound of at most
    :data:`_IN_STOP_SOUND_S` joined into one stop, and the times those sounds start (s).

    Music that stops while a boing sounds, and then comes back, had a ``RESTART`` at the boing and a
    second ``STOP`` after it: the music had not restarted, and the boing was no effect cue."""
    joined: list[list[float]] = []
    events: list[float] = []
    for s, e in stops:
        if joined and s - joined[-1][1] <= _IN_STOP_SOUND_S:
            events.append(joined[-1][1])
            joined[-1][1] = e
        else:
            joined.append([s, e])
    return [(a, b) for a, b in joined], np.array(events, np.float64)


def _pieces(gaps: list[tuple[float, float]], n: int) -> list[tuple[int, int]]:
    """Hop spans of the music between silences (:func:`~.levels.find_gaps`: a reel's cues)."""
    spans, start = [], 0
    margin = int(0.05 * FPS)  # into the silence: a gap's ends are where its level has moved
    for s, e in gaps:
        spans.append((start, int(round(s * FPS)) + margin))
        start = (int(round(e * FPS)) - margin) // Features.ALIGN * Features.ALIGN  # on a chroma row
    spans.append((start, n))
    return [(a, b) for a, b in spans if b > a]


def _detector_cues(found, surp, weight, threshold: float, stops, opos, grid, *,
                   score: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The repetition detector's cues (hops, scores) at *threshold* (:func:`~.cues.pick_cues`; *score*,
    its detection function where already computed), outside the music's stops and after its entry."""
    pos, score = cuemod.pick_cues(found, threshold=threshold, weight=weight, bursts=surp, score=score)
    return _after_the_bed_starts(*_not_in_stops(pos * FINE_DECIM, score, stops), opos, grid)


def _learned_cues(f: Features, surp, fsurp, weight, cpos, cscore, sens: float, stops, opos, grid,
                  submit: Submit | None = None, progress: Progress | None = None):
    """The cues (hops, scores) the learned judge (:mod:`.cue_judge`) keeps among the starts both
    detectors propose at low thresholds: the repetition detector's and the learned effect
    activation's (:mod:`.cuenet`), through the same filters (stops, the music's entry). A detector
    cue scoring :data:`.cuenet.STRONG` or more (*cpos*, *cscore*: picked at the usual threshold)
    stands whatever the judge says: both models know only GM-rendered music, and on the demo's
    synthesised band the network vetoed an impact scored 58. *sens* moves every threshold as it
    does the detector's (lower finds more; 1 is the default). *submit* runs half the effect network's
    members on the second thread; *progress* hears the network's blocks and each judging.

    The judge reads each candidate beside the others (how near the other detector's are), and it
    learned on the candidates the default thresholds propose. So it always judges those among
    themselves, and another sensitivity moves its threshold; a higher one adds the candidates only
    lower thresholds find, judged among those. Judged among the extra candidates instead, an
    effect's start found at the default lost its probability to a music onset 0.1 s away that the
    lower thresholds added: a higher sensitivity dropped the demo's first glass."""
    act = cuenet.activation(f.fine, f.floor, cuenet.evidence_columns(surp, fsurp, weight), fine_hz=f.fine_hz,
                            sample_rate=f.sample_rate, submit=submit, progress=scaled(progress, 0.0, 0.7))
    found = surp + fsurp

    def judged(s: float, cpos: np.ndarray, cscore: np.ndarray, part: Progress | None):
        """The candidates at threshold factor *s*, in time order, and the judge's probabilities:
        (cand, probability, score, sure); *part* hears the two steps."""
        dpos, dscore = _detector_cues(found, surp, weight, cue_judge.DETECTOR_THRESHOLD * s, stops, opos, grid)
        report(part, 0.5, "cues")
        rows, probs = cuenet.pick(act[:, 0], threshold=max(0.05, 1.0 - (1.0 - cue_judge.NETWORK_THRESHOLD) / s))
        # hops such that the common latency correction gives the network's own timing
        npos = (rows / cuenet.RATE - cuenet.load().latency + CUE_LATENCY) * FPS
        npos, probs = _after_the_bed_starts(*_not_in_stops(npos, probs, stops), opos, grid)
        strong = cscore >= cuenet.STRONG * s
        cand = np.concatenate([dpos, npos, cpos[strong]])
        network = np.concatenate([np.zeros(len(dpos), bool), np.ones(len(npos), bool), np.zeros(strong.sum(), bool)])
        score = np.concatenate([dscore, probs, cscore[strong]])
        sure = np.concatenate([np.zeros(len(dpos) + len(npos), bool), np.ones(strong.sum(), bool)])
        order = np.argsort(cand, kind="stable")
        cand, network, score, sure = cand[order], network[order], score[order], sure[order]
        x = cue_judge.features(f, surp, fsurp, weight, act, cand, network, score, opos, grid)
        report(part, 1.0, "cues")
        return cand, cue_judge.load().probability(x), score, sure

    if sens == 1.0:
        cand, p, score, sure = judged(1.0, cpos, cscore, scaled(progress, 0.7, 0.9))
    else:
        default = _detector_cues(found, surp, weight, _DETECTOR_CUE_THRESHOLD, stops, opos, grid)
        cand, p, score, sure = judged(1.0, *default, scaled(progress, 0.7, 0.8))
        sure &= score >= cuenet.STRONG * sens
        if sens < 1.0:
            more = judged(sens, cpos, cscore, scaled(progress, 0.8, 0.9))
            near = np.abs(more[0] - nearest(cand, more[0])) <= 2  # by the sorted candidates: a reel has thousands
            extra = ~near | more[3]
            cand, p, score, sure = (np.concatenate([a, b[extra]]) for a, b in zip((cand, p, score, sure), more,
                                                                                     strict=True))
            order = np.argsort(cand, kind="stable")
            cand, p, score, sure = cand[order], p[order], score[order], sure[order]
    report(progress, 0.9, "cues")
    keep = cue_judge.select(cand, p, min(max(cue_judge.THRESHOLD * sens, 0.02), 0.98), sure=sure)
    # the judge's probability as a score whose strength (make_cues: 1 - exp(-s / 10)) is p
    out = np.where(sure, score, -10.0 * np.log1p(-np.minimum(p, 1 - 1e-6)))
    return cand[keep], out[keep]


def _picked_onsets(f: Features, pick: dict, db: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The picks whose rise is a new note's (:func:`~.onsets.strong_attacks`: not vibrato or bow
    noise) and, heard in the top bands alone, hi-hat and cymbal ticks under held sounds
    (:func:`~.onsets.high_attacks`), in time order (hops, strengths)."""
    pos, strength = _above_floor(*onsetmod.pick_onsets(f.onset, **pick), db)
    strong = onsetmod.strong_attacks(f.onset, f.onset_strong, pos)
    pos, strength = pos[strong], strength[strong]
    hpos, hstr = _above_floor(*onsetmod.high_attacks(f.onset_high, f.onset, pos, **pick), db)
    pos, strength = np.concatenate([pos, hpos]), np.concatenate([strength, hstr])
    order = np.argsort(pos, kind="stable")
    return pos[order], strength[order]


def _reported_onsets(f: Features, pick: dict, db: np.ndarray, beats: np.ndarray, sens: float = 1.0,
                     progress: Progress | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The onsets the analysis reports (hops, strengths): the regular picks (:func:`_picked_onsets`)
    and the peaks found at a quarter of their threshold, each kept where the learned judge
    (:mod:`.onset_judge`) hears a note or the pick is clearly one (:func:`~.onset_judge.keep`); its
    thresholds follow the user's sensitivity as the picker's does."""
    pos, strength = _picked_onsets(f, pick, db)
    report(progress, 0.35, "onsets")
    low, low_strength = _picked_onsets(f, dict(pick, delta=onset_judge.CANDIDATE_DELTA * sens), db)
    report(progress, 0.7, "onsets")
    if len(pos) and len(low):  # a low peak within 3 hops of a regular pick is that pick
        far = np.abs(low - nearest(pos, low)) > 3
        low, low_strength = low[far], low_strength[far]
    cand = np.concatenate([pos, low])
    order = np.argsort(cand, kind="stable")
    cand, cstr = cand[order], np.concatenate([strength, low_strength])[order]
    regular = (np.arange(len(order)) < len(pos))[order]
    x = onset_judge.features(f, cand, regular, beats)
    report(progress, 0.8, "onsets")
    threshold = min(max(onset_judge.THRESHOLD * sens, 0.02), 0.98)
    p = onset_judge.load().probability(x, progress=scaled(progress, 0.8, 1.0, "onsets"))
    keep = onset_judge.keep(cand, x, p, threshold,
                            sure_margin=onset_judge.SURE_MARGIN * sens)
    keep |= regular & _struck_at_start(cand, db)
    return cand[keep], cstr[keep]


def _struck_at_start(pos: np.ndarray, db: np.ndarray) -> np.ndarray:
    """Per onset position (hops): whether it is on the audio's first hops (:data:`.onsets.LEAD`) and
    the level falls :data:`_STRUCK_FALL_DB` from it to the loudest of the 30-100 ms after. The judge
    learned that a pick there is nearly always the cut into an excerpt's music (87 of 98 false),
    and so dropped a click track's first click when the file starts on it."""
    out = np.zeros(len(pos), bool)
    for i in np.flatnonzero(np.asarray(pos) < onsetmod.LEAD):
        k = int(np.floor(pos[i]))
        after = db[k + 6 : k + 20]
        out[i] = len(after) > 0 and float(db[: k + 3].max() - after.max()) >= _STRUCK_FALL_DB
    return out


def _at_attacks(silences: list[tuple[float, float]], energy: np.ndarray) -> list[tuple[float, float]]:
    """*silences* (start, end seconds), each end where the sound that ends it attacks, if sharply
    (:func:`~.beats.attack_times`): the level's quiet runs end on a 20 ms smoothing's 5 ms hops."""
    if not silences:
        return silences
    ends = np.array([e for _, e in silences])
    sharp = beatmod.attack_times(ends * FPS, energy, from_silence=True)
    return [(s, float(t) if np.isfinite(t) and abs(t - e) < 0.02 else e)
            for (s, e), t in zip(silences, sharp, strict=True)]


def _attack_timed(times: np.ndarray, sharp: np.ndarray) -> np.ndarray:
    """*times* (s), each sharp attack's at its place in the signal (*sharp*, NaN where the attack is
    not sharp or timed there): the onset activation, a rise in dB, sees an attack out of silence up
    to 17 ms before it sounds (its 43 ms window's leading edge reaches it first). An onset is never
    moved past a neighbour."""
    out = np.asarray(times, np.float64).copy()
    for i in np.flatnonzero(~np.isnan(sharp)):  # never onto or past a neighbour
        if (i == 0 or sharp[i] > out[i - 1]) and (i + 1 == len(out) or sharp[i] < out[i + 1]):
            out[i] = sharp[i]
    return out


def _bar_start_beats(pos: np.ndarray, times: tuple[float, ...], warnings: list[str]) -> np.ndarray:
    """Indices of the beats (hops) nearest the times a user says bars start at; a time with no beat
    within half a beat of it is left out, with a warning."""
    if not times or not len(pos):
        return np.zeros(0, int)
    hops = (np.asarray(times, float) + BEAT_LATENCY) * FPS
    # the nearest beat by search (a project on a reel may hold thousands of starts): the earlier on a tie
    i = np.clip(np.searchsorted(pos, hops), 1, max(len(pos) - 1, 1))
    i = np.where(np.abs(hops - pos[i - 1]) <= np.abs(pos[np.minimum(i, len(pos) - 1)] - hops), i - 1, i)
    period = np.append(np.diff(pos), np.diff(pos)[-1:]) if len(pos) > 1 else np.array([float(FPS)])
    near = np.abs(pos[i] - hops) <= period[np.minimum(i, len(period) - 1)] / 2
    for t in np.asarray(times)[~near]:
        warnings.append(f"no beat within half a beat of the bar start at {t:.2f} s: it is left out")
    return np.unique(i[near])


def _on_audio(events, duration: float) -> tuple:
    """Latency correction can move an event at the very start before 0 s (or one at the end past the
    end of the audio): keep every time on the audio."""
    return tuple(e if 0.0 <= e.time <= duration else replace(e, time=min(max(e.time, 0.0), duration)) for e in events)


def _typical_meter(in_bar: np.ndarray) -> int:
    """The most common bar length among complete bars (4 when there are none)."""
    if not len(in_bar):
        return 4
    ends = np.flatnonzero(np.diff(np.append(in_bar, 1)) <= 0)
    lengths = in_bar[ends]
    return int(np.bincount(lengths).argmax()) if len(lengths) else 4


def _above_floor(pos: np.ndarray, strength: np.ndarray, db: np.ndarray, below: float = 45.0, ahead: int = 4,
                 *, ends: bool = False):
    """Drop onsets (or cues) in near-silence (a reverb tail's flicker, a hiss between clicks): the
    level at them or *ahead* hops later (the attack's first 20 ms; a cue, timed to the start of an
    effect's first burst, may be found 25 ms before it sounds) must come within *below* dB of the
    level the piece's sounds reach (:func:`_loud_level`; its 95th percentile was a click track's hiss
    between its clicks). Drop too the click of a cut to digital silence (a ring-out cut off where a
    file or a reel's cue ends): the level reaches digital silence within 60 ms after it (a window and
    a half: its frames see the cut coming) from sound before it. Beats kept to the onsets ran on
    through the ring-out to that click. With *ends*, where *db* ends the audio does: the cut there
    is one too (a line-up tone or music cut off by the file's end had an effect cue on its last hop,
    the frames' windows running on past it into silence)."""
    if not len(pos) or not len(db):
        return pos, strength
    loud = _loud_level(db)
    idx = np.clip(np.round(pos).astype(int), 0, len(db) - 1)
    near = _near_max(db, idx, 0, ahead)
    # the hops wholly before an onset are those before the one it falls in
    keep = (near > loud - below) & ~_cut_click(np.clip(np.floor(pos).astype(int), 0, len(db) - 1), db, ends=ends)
    return pos[keep], strength[keep]


def _noise_peak(onset: np.ndarray) -> float | None:
    """The 99th percentile of the onset novelty *onset* (per hop) where the audio is steady noise
    (:data:`_NOISE_RATIO`: nothing rises out of it further than its own random peaks reach), else
    None. Measured over the hops with any novelty, so silences between sounds do not count, less
    the audio's first and last 0.1 s (the rise out of the silence before it), over 10 s at least
    (a shorter span's 99.9th percentile is a few hops)."""
    edge = int(0.1 * FPS)
    x = onset[edge : len(onset) - edge]
    x = x[x > 0].astype(np.float64)
    if len(x) < 10 * FPS:
        return None
    mid, spread, top, tail = np.percentile(x, [50, 84, 99, 99.9])
    noise = top < _NOISE_RATIO * mid and tail - mid < _NOISE_TAIL * (spread - mid)
    return float(top) if noise else None


def _out_of_noise(pos: np.ndarray, onset: np.ndarray, peak: float) -> np.ndarray:
    """Per position *pos* (hops): whether the novelty *onset* within 10 ms of it stands
    :data:`_NOISE_ONSET` times over steady noise's *peak* (:func:`_noise_peak`)."""
    return _near_max(onset, np.clip(np.round(pos).astype(int), 0, len(onset) - 1), -2, 2) >= _NOISE_ONSET * peak


def _heard(times: np.ndarray, db: np.ndarray, below: float = 40.0) -> np.ndarray:
    """Per beat (*times*, s): whether a sound is heard at it, the level *db* (per hop) within *below*
    dB of the piece's loud level (:func:`_loud_level`) from 10 ms before it to 30 ms after."""
    if not len(times) or not len(db):
        return np.zeros(len(times), bool)
    return _near_max(db, np.round(np.asarray(times) * FPS).astype(int), -2, 6) >= _loud_level(db) - below


def _near_max(x: np.ndarray, idx: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Per index of *idx*: the largest of *x* from *lo* to *hi* (inclusive) around it, the window
    clipped to *x*."""
    return x[np.clip(np.asarray(idx)[:, None] + np.arange(lo, hi + 1)[None, :], 0, len(x) - 1)].max(axis=1)


def _loud_level(db: np.ndarray) -> float:
    """The level the piece's sounds reach (dBFS): its 99th percentile, or where that is still its
    silence between them (a click at 50 BPM sounds 1 % of the time), the median of each second's
    loudest 5 ms."""
    per_s = int(FPS)
    whole = len(db) // per_s * per_s
    peaks = db[:whole].reshape(-1, per_s).max(axis=1) if whole else db
    return max(float(np.percentile(db, 99)), float(np.median(peaks)))


def _cut_click(idx: np.ndarray, db: np.ndarray, *, ends: bool = False) -> np.ndarray:
    """Per hop index: whether the level reaches digital silence within 60 ms after it from sound
    before it (:data:`_CUT_DB` over the floor), as where a ring-out or a line-up tone is cut off;
    with *ends*, the hops after *db*'s last are silence (the audio ends there)."""
    if not len(idx):
        return np.zeros(0, bool)
    after = idx[:, None] + np.arange(1, 13)[None, :]
    past = db[np.clip(after, 0, len(db) - 1)]
    if ends:
        past = np.where(after >= len(db), levelmod.FLOOR_DB, past)
    before = idx[:, None] - np.arange(1, 6)[None, :]
    # before the audio is silence: a click on its first hop is the sound's start, not a cut
    level = np.where(before >= 0, db[np.maximum(before, 0)], levelmod.FLOOR_DB)
    return (past.min(axis=1) <= levelmod.FLOOR_DB) & (level.mean(axis=1) > levelmod.FLOOR_DB + _CUT_DB)


def _audible(pos: np.ndarray, stops: list[tuple[float, float]], onset_pos: np.ndarray) -> np.ndarray:
    """Keep the beats one can hear: none inside a music stop (nor on the instant it starts, unless a
    note sounds on it: a stop that starts as the room's tail of a stab begins), none before the
    first onset or more than half a beat after the last (a final chord ringing out)."""
    if not len(pos):
        return pos
    t = pos / FPS
    keep = np.ones(len(pos), bool)
    played = np.abs(nearest(np.asarray(onset_pos, np.float64), pos) - pos) <= _EDGE_ONSET_TOL * FPS
    for s, e in stops:
        keep &= ~((t > s - 0.1) & (t < e - 0.05) & ~(played & (t <= s + 0.02)))
    if len(onset_pos) and len(pos) > 1:
        half = 0.5 * float(np.median(np.diff(pos)))
        keep &= (pos >= onset_pos[0] - half) & (pos <= onset_pos[-1] + half)
    return pos[keep]


def _passage_bars(pos: np.ndarray, f: Features, meter: int | None, starts: np.ndarray | None,
                  skips: np.ndarray, progress: Progress | None) -> tuple[np.ndarray, np.ndarray]:
    """Bar numbers and beats in the bar of one passage's beats (see :func:`.meter.assign_bars`)."""
    comps = metermod.downbeat_components(pos, f.flux, f.chroma, f.bands, fine=f.fine, fine_hz=f.fine_hz)
    d = metermod.downbeat_features(pos, f.flux, f.chroma, f.bands, components=comps)
    report(progress, 0.77, "bars")  # a step of a second or so on a reel: a cancel is heard between them
    repetition = metermod.bar_repetition(pos, f.flux, f.chroma, f.bands)
    doubling = metermod.bar_doubling(pos, f.flux, f.chroma, f.bands)  # a bar of 4 (6), or two of 2 (3)?
    report(progress, 0.79, "bars")
    # the meter is chosen from the hand score, the bar lines placed by the learned activation mixed
    # with it (the hand score alone below downbeatnet.MIN_BEATS beats); a forced meter stays forced
    placing = downbeatnet.placing_evidence(pos, f, d, comps)
    report(progress, 0.81, "bars")
    return metermod.assign_bars(d, meter, repetition, doubling, placing, starts, skips)


def _skipped(tracked: np.ndarray, kept: np.ndarray) -> np.ndarray:
    """Per kept beat, the tracked beats left out just before it (a stop's), or -1 where the grid
    through them is no count: a period there is more than :data:`_GRID_KEPT` off the median
    period of the eight beats before the stop or the eight after (the tracker's grid in silence
    follows nothing; music that starts again in another tempo steps away from it)."""
    skips = np.zeros(len(kept), int)
    if len(kept) < 2:
        return skips
    at = np.searchsorted(tracked, kept)
    skips[1:] = np.diff(at) - 1
    period = np.diff(kept)  # period[t - 1] spans the stop before beat t
    for t in np.flatnonzero(skips > 0):
        before, after = period[max(0, t - 9) : t - 1], period[t : t + 8]
        span = np.diff(tracked[at[t - 1] : at[t] + 1])
        ref = [float(np.median(p)) for p in (before, after) if len(p)]
        if not ref or any(np.abs(span / r - 1).max() > _GRID_KEPT for r in ref):
            skips[t] = -1
    return skips


def _heard_edges(pos: np.ndarray, onset_pos: np.ndarray) -> np.ndarray:
    """Drop beats at either end that have no onset near them: the tracker's grid runs on through a
    final chord's ring-out (and before a soft entry), but nobody hears a beat there."""
    if len(pos) < 2 or not len(onset_pos):
        return pos
    heard = np.flatnonzero(np.abs(nearest(np.asarray(onset_pos, np.float64), pos) - pos) <= _EDGE_ONSET_TOL * FPS)
    return pos[heard[0] : heard[-1] + 1] if len(heard) else pos


def _sounding_edges(pos: np.ndarray, db: np.ndarray, *, below: float = _EDGE_QUIET_DB) -> np.ndarray:
    """Drop beats at either end (hops *pos*) that lie in a quiet bed: where the level *db* (per hop),
    its power averaged over the beat (half a beat either side, at least 0.1 s), is *below* dB or
    more under the piece's loud level (:func:`_loud_level`) and within :data:`_EDGE_BED_DB` of its
    own 10th percentile over the :data:`_EDGE_BED_S` around. A room's tone or a tape's hiss before
    or after the music, lifted by the working level, has onsets the tracker kept its grid on (music
    with 8 s of room tone 45 dB under it each side: 23 beats in the tone); a fade's notes, as quiet,
    fall through their bed and keep their beats. Averaged, as a noise's 5 ms level flickers over any
    line its power lies under; over the beat, as a click track's off-beats lie between its clicks."""
    if not len(pos) or not len(db):
        return pos
    half = max(int(0.1 * FPS), int(np.median(np.diff(pos)) / 2) if len(pos) > 1 else 0)
    level = 10 * np.log10(window_mean(10 ** (np.asarray(db, np.float64) / 10), half, half) + 1e-30)
    floor = local_percentile(level, 10, int(_EDGE_BED_S * FPS), FPS // 2)
    idx = np.clip(np.round(np.asarray(pos, np.float64)).astype(int), 0, len(db) - 1)
    bed = (level[idx] < _loud_level(db) - below) & (level[idx] < floor[idx] + _EDGE_BED_DB)
    heard = np.flatnonzero(~bed)
    return pos[heard[0] : heard[-1] + 1] if len(heard) else pos[:0]


def _not_in_stops(pos, score, stops):
    if not stops or not len(pos):
        return pos, score
    t = pos / FPS
    keep = np.ones(len(pos), bool)
    for s, e in stops:
        keep &= ~((t >= s - 0.1) & (t <= e + 0.1))
    return pos[keep], score[keep]


def _after_the_bed_starts(cpos: np.ndarray, score: np.ndarray, onset_pos: np.ndarray, beat_pos: np.ndarray):
    """Drop cues within a beat of the audio's first onset: the music's own entry has no bed to
    stand out from (nothing before it to compare with), so it is not told apart from an effect."""
    if not len(cpos) or not len(onset_pos):
        return cpos, score
    beat = float(np.median(np.diff(beat_pos))) if len(beat_pos) > 1 else FPS * 0.5
    keep = cpos >= onset_pos[0] + beat
    return cpos[keep], score[keep]


def _strengths(act: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """Accent of each beat: its activation peak relative to the piece's strong beats, in [0, 1]."""
    if not len(pos):
        return np.zeros(0)
    v = _near_max(act, np.clip(np.round(pos).astype(int), 0, len(act) - 1), -2, 2)
    ref = float(np.percentile(v, 95)) or 1.0
    return np.clip(v / ref, 0.0, 1.0)
