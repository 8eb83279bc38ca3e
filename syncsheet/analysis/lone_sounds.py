"""An effects track: separate sounds with silence between them, and no music.

Inside music, silence is the music stopping (:func:`~.levels.find_stops`): a ``STOP`` where the
sound dies away and a ``RESTART`` where it comes back. A sound designer's effects stem is nothing but
silences and sounds, so a long effect came out as a ``RESTART`` and a ``STOP``, its kind unsaid, a
short one as an effect cue or nothing (the cue detectors judge against a music bed and its bars),
and the beat tracker put a grid over them. The audio is taken for separate sounds where

- there are at least :data:`MIN_SOUNDS` sounds between quiet runs (:func:`~.levels.quiet_runs`) of
  :data:`MIN_SILENCE_S` or more,
- none lasts longer than :data:`MAX_SOUND_S` (the longest of the 130 effects the cue models learned
  from lasts 6 s; music with rests has phrases longer than that somewhere), and
- their starts keep no rhythm (:func:`rhythmic`: a click track or a drum loop in digital silence is
  sounds and silences too, each start a beat or a bar from others; :func:`steady`: a click track
  under a ritardando, each start an interval after the last like the one before).

Each sound's start, and each sound inside one that rises out of near-silence, is then an effect cue
of the kind its own spectrum says (:func:`~.cues.classify`, the silence before it being no bed to take
away), the stops go, and so do the beats.

An animator's dialogue track is separate sounds too: lines with pauses between them, in silence or
over a room's tone (:func:`~.levels.bed_runs`). Its lines are no effects, so where most of the sound
is speech (:func:`speech_share`: utterances of several syllables at a talker's rate) the track is
dialogue, with no beats but a marker over each line (:func:`line_cues`); so is a file of one or two
sounds that are a line of speech (:func:`_one_line`). A line may run past :data:`MAX_SOUND_S`
without a pause, up to :data:`MAX_LINE_S`, where it is speech itself (:func:`_long_line`); over a
room tone at the quiet line the tone's runs part the lines (:func:`_over_quiet`); and a sound
between the lines that is no speech and is noise where a voice is voiced (a slam in a scratch
track, :func:`_noisy`) is an effect cue, not a line. Sounds whose level peaks keep one phase
(:func:`on_grid`: staccato phrases between rests) are music, whatever their starts do.
"""

from __future__ import annotations

from math import exp, lgamma, log, log1p
from typing import NamedTuple

import numpy as np

from ..model import Cue
from . import cues as cuemod
from . import levels as levelmod
from ._windows import nearest, window_mean
from .features import FINE_DECIM, FINE_SCALE, FPS

__all__ = ["MAX_LINE_S", "MAX_SOUND_S", "MIN_SOUNDS", "MIN_SILENCE_S", "SPEECH_SHARE", "Sounds", "sound_runs",
           "rhythmic", "steady", "syllables", "speech_share", "line_cues", "on_grid", "separate_sounds",
           "dialogue_scene", "effect_cues", "sound_cues"]

MAX_SOUND_S = 6.5
#: A line of dialogue may run this long (s) without a pause of :data:`MIN_SILENCE_S` where it is
#: speech (:func:`_long_line`): a talker breathes well before.
MAX_LINE_S = 12.0
MIN_SOUNDS = 3
#: A quiet run this long (s) separates two sounds: a stop's least length.
MIN_SILENCE_S = 0.12
#: ... and a sound rises this much (dB) over the quiet before it.
_SOUND_DB = 20.0
#: Sounds keep a rhythm when at least this share of their starts has another start one period away
#: (either side, within :data:`_RHYTHM_TOL_S`) for some period up to :data:`_RHYTHM_MAX_S`: a click
#: track's or a loop's starts all do but the ends', effects at chance times hardly any.
_RHYTHM_SHARE = 0.5
_RHYTHM_TOL_S = 0.02
_RHYTHM_MAX_S = 4.0
_RHYTHM_LEAST = 4  # starts, so that one pair of sounds (two of three) is no rhythm
_RHYTHM_CHANCE = 0.01  # ... and more than chance gives (:func:`rhythmic`)
#: A click track under a ritardando or an accelerando keeps no one period but a steady succession
#: (:func:`steady`): each interval within this share of the one before it (a rit from 120 to 60 BPM
#: over four bars of 4 is 4.4 % a beat), or :data:`_RHYTHM_TOL_S`.
_STEADY_DRIFT = 0.05
#: A machine's starts keep their period to the hop the level is read in and the hundredth of a second
#: the periods are rounded to: four clicks a period apart to this are more than chance.
_RHYTHM_EXACT_S = 0.01
#: An effect cue the detectors found inside a sound (a door's creak, then its slam) stands beside the
#: sound's own cue when it is this far (s) from the sound's start.
_APART_S = 0.5
#: ... and it is in a sound when it is no further than this (s) before the sound's start
_IN_SOUND_S = 0.05
#: A steady floor this far (dB) under the loudest sound is silence for one or two sounds in it
#: (:func:`few_sounds`): the quiet line's own distance under the loud level.
_FLOOR_UNDER_DB = 35.0
_PROFILE_ROWS = 15  # 150 ms: the span of an effect's own spectrum, as :func:`~.cues.effect_profile`
#: An onset inside a sound that rises this much (dB, its first 50 ms over the 40-10 ms before it) is
#: a sound of its own that followed too closely to leave a silence between: the rise the pipeline
#: times attacks out of near-silence with.
_RISE_DB = 30.0
#: Speech: sounds less than this far apart (s) are one utterance (a word's stop closure, a comma) ...
_UTTER_GAP_S = 0.35
#: ... and an utterance is speech when it holds at least this many syllables (the level rising and
#: falling by :data:`_SYLLABLE_DB`, smoothed over :data:`_SYLLABLE_SMOOTH_S`) at a talker's rate
#: (:data:`_SYLLABLE_RATE`, a second). One effect is mostly one attack and its decay (the benchmark's
#: 130 freedoom and freedesktop sounds: 90 % have one or two such peaks); a creature's cry or a
#: phone's ring may have more.
_SYLLABLES = 3
_SYLLABLE_DB = 8.0
_SYLLABLE_SMOOTH_S = 0.065
_SYLLABLE_RATE = (2.5, 8.0)
#: The track is dialogue where utterances of speech hold at least this share of the sound's time.
SPEECH_SHARE = 0.5
#: An effect between a dialogue track's lines (:func:`line_cues`) is noise this flat (:func:`_noisy`,
#: at the rows within _NUCLEUS_DB of its loudest), and no more than this many dB under the lines.
_NOISE_FLATNESS = 0.05
_EFFECT_UNDER_DB = 20.0
_NUCLEUS_DB = 6.0
#: Syllables on a grid are notes (:func:`on_grid`).
_GRID_WINDOW_S = 30.0
_GRID_LEAST = 12
_GRID_HZ = (1.0, 10.0)
_GRID_CHANCE = 0.01
_GRID_R2 = 0.5
#: Lines over a bed (:func:`~.levels.bed_runs`) hold at least this share of the time off it.
_BED_COVER = 0.8
#: Lines are parted by the bed, not the quiet, where more than this share of the bed's hops lies
#: over the quiet line (:func:`_over_quiet`; none does over digital silence or a tone 35 dB down).
_BED_OVER_QUIET = 0.05


def sound_runs(quiet: list[tuple[int, int]], db: np.ndarray, *, min_silence: float = MIN_SILENCE_S
               ) -> list[tuple[float, float]]:
    """The spans (start, end seconds) of sound between the *quiet* runs (hops of *db*, the level)
    at least *min_silence* seconds long; leading and trailing silence are no sound, and nor is a span
    that rises less than :data:`_SOUND_DB` over the quiet before it (a hiss at the quiet level's edge
    flickers in and out of it)."""
    n, need = len(db), int(round(min_silence * FPS))
    spans, start = [], 0
    for a, b in quiet:
        if b - a >= need or a == 0 or b >= n:
            if a > start:
                spans.append((start, a))
            start = b
    if start < n:
        spans.append((start, n))
    runs = []
    for a, b in spans:
        before = db[max(0, a - need) : a] if a else db[b : b + need]  # the quiet either side
        ref = float(np.median(before)) if len(before) else -np.inf
        if float(db[a:b].max()) >= ref + _SOUND_DB:
            # the sound starts where it rises out of that quiet, not where the hiss first flickered
            # over the quiet level's edge before it
            a += int(np.argmax(db[a:b] >= ref + _SOUND_DB / 2))
            runs.append((a / FPS, b / FPS))
    return runs


def _chance_count(n: int, q: float, tries: int) -> int:
    """The fewest of *n* starts that chance puts a period before another start (each with probability
    *q*) at no more than :data:`_RHYTHM_CHANCE` over *tries* periods (a binomial tail, Bonferroni)."""
    if q <= 0.0:
        return 0
    if q >= 1.0:
        return n + 1
    logs = [lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1) + k * log(q) + (n - k) * log1p(-q)
            for k in range(n + 1)]
    tail = 0.0
    for k in range(n, -1, -1):
        tail += exp(logs[k])
        if tail * tries > _RHYTHM_CHANCE:
            return k + 1
    return 0


def rhythmic(starts: np.ndarray) -> bool:
    """Whether the *starts* (s) keep a rhythm: see :data:`_RHYTHM_SHARE` (the periods tried are the
    starts' differences to a hundredth of a second, each checked by a sorted search: a two-hour
    effects reel's thousands of sounds stay cheap).

    Each period tried is a difference of two starts, so two starts have their partner by
    construction, and the others by chance as often as their rate makes another start fall within
    the tolerance; with a dozen starts among dozens of periods, half of them found a partner at one
    period a quarter of the time (eight effects 0.8-4 s apart) to over half of it (a dozen 0.3-1 s
    apart). So the pairs a period apart must also be more than chance gives at 1 % over all the
    periods tried (:func:`_chance_count`), within 20 ms or, for a machine's exact period (a short
    click track of four), within :data:`_RHYTHM_EXACT_S`.
    """
    s = np.sort(np.asarray(starts, np.float64))
    if len(s) < _RHYTHM_LEAST:
        return False
    diffs = []
    for k in range(1, len(s)):
        d = s[k:] - s[:-k]
        if not (d <= _RHYTHM_MAX_S).any():
            break
        diffs.append(d[(d > _RHYTHM_TOL_S) & (d <= _RHYTHM_MAX_S)])
    periods = np.unique(np.round(np.concatenate(diffs + [np.zeros(0)]), 2))
    need = max(_RHYTHM_LEAST, _RHYTHM_SHARE * len(s))
    rate = 1.0 / max(float(np.median(np.diff(s))), 1e-9)  # where they come (syllables and effects in bursts)
    # a start has another within tol one period after it with probability 2 tol rate; the pair that
    # gave the period is there by construction
    tests = [(tol, 1 + _chance_count(len(s) - 2, min(1.0, 2.0 * tol * rate), max(len(periods), 1)))
             for tol in (_RHYTHM_TOL_S, _RHYTHM_EXACT_S)]
    for p in periods:
        after = np.abs(s + p - nearest(s, s + p))
        before = np.abs(s - p - nearest(s, s - p))
        for tol, pairs in tests:
            if int((after <= tol).sum()) >= pairs and int(((after <= tol) | (before <= tol)).sum()) >= need:
                return True
    return False


def steady(starts: np.ndarray) -> bool:
    """Whether the *starts* (s) follow one another at a steadily moving period: where at least
    :data:`_RHYTHM_SHARE` of them (and :data:`_RHYTHM_LEAST`) come an interval after the one before
    that is within :data:`_STEADY_DRIFT` of it, more often than chance makes two intervals of starts
    at their rate alike (:func:`_chance_count`). :func:`rhythmic` looks for one period over the
    whole file; a click track whose tempo changes on every click (a ritardando, an accelerando, a
    rubato) has none, so it was an effects track: no beats, and every click an effect cue."""
    s = np.sort(np.asarray(starts, np.float64))
    if len(s) < _RHYTHM_LEAST:
        return False
    gaps = np.diff(s)
    tol = np.maximum(_RHYTHM_TOL_S, _STEADY_DRIFT * gaps[:-1])
    alike = int((np.abs(gaps[1:] - gaps[:-1]) <= tol).sum())
    rate = 1.0 / max(float(np.median(gaps)), 1e-9)
    # two intervals at chance (exponential gaps) are this alike with probability about rate * tol
    chance = 1 + _chance_count(len(gaps) - 1, min(1.0, 2.0 * rate * float(np.mean(tol))), 1)
    return alike >= max(_RHYTHM_LEAST, _RHYTHM_SHARE * len(s), chance)


def syllables(db: np.ndarray, a: float, b: float) -> np.ndarray:
    """The syllable peaks (s) of the level *db* (per hop) from *a* to *b* seconds: each time the level,
    smoothed over :data:`_SYLLABLE_SMOOTH_S`, has risen :data:`_SYLLABLE_DB` over its least since the
    last peak fell that much (a vowel between consonants, or between pauses)."""
    h0, h1 = int(a * FPS), int(b * FPS)
    half = int(_SYLLABLE_SMOOTH_S * FPS / 2)
    lvl = window_mean(np.asarray(db[max(0, h0 - half) : h1 + half], np.float64), half, half)[min(h0, half):]
    lvl = lvl[: h1 - h0]
    peaks: list[int] = []
    lo, hi, at = (float(lvl[0]) if len(lvl) else 0.0), 0.0, -1
    for i, v in enumerate(lvl.tolist()):
        if at < 0:  # looking for a rise
            lo = min(lo, v)
            if v >= lo + _SYLLABLE_DB:
                hi, at = v, i
        elif v > hi:  # on a rise: follow it to its peak ...
            hi, at = v, i
        elif v <= hi - _SYLLABLE_DB:  # ... which counts once the level has fallen that much under it
            peaks.append(at)
            lo, at = v, -1
    if at >= 0:  # the last vowel's fall is in the pause after the span
        peaks.append(at)
    return h0 / FPS + np.array(peaks, np.float64) / FPS


def _utterances(runs: list[tuple[float, float]]) -> list[list[tuple[float, float]]]:
    """The *runs* (s) in groups whose runs are less than :data:`_UTTER_GAP_S` apart."""
    out: list[list[tuple[float, float]]] = []
    for a, b in runs:
        if out and a - out[-1][-1][1] < _UTTER_GAP_S:
            out[-1].append((a, b))
        else:
            out.append([(a, b)])
    return out


def line_cues(runs: list[tuple[float, float]], starts: np.ndarray, db: np.ndarray, fine: np.ndarray,
              fine_hz: np.ndarray, *, top_hz: float = np.inf, latency: float = 0.0) -> list[Cue]:
    """A dialogue track's lines: a ``LINE n`` marker from each utterance's start to its end, for the
    sheet to hold down the frames it is said on, as a held dialogue is written; and an effect cue of
    its kind (:func:`sound_cues`) at each sound between the lines that is no utterance of speech (a
    word or two is none either), is noise (:func:`_noisy`), and lies no more than
    :data:`_EFFECT_UNDER_DB` under the lines' level (a breath or a lip smack is quieter).

    Parameters
    ----------
    runs : list of (float, float)
        The track's sounds (s).
    starts : numpy.ndarray
        Their attack-timed starts (s), one each.
    db : numpy.ndarray
        The level per hop (dBFS).
    fine, fine_hz : numpy.ndarray
        :attr:`~.features.Features.fine` and its bands' centres.
    top_hz : float
        The highest frequency the file holds (0.45 of its sample rate).
    latency : float
        Seconds taken from a row's time for a whoosh's hit.

    Returns
    -------
    list of Cue
        The lines' markers and the effects' cues, in time order.
    """
    groups = _utterances(runs)
    firsts = np.cumsum([0] + [len(g) for g in groups[:-1]])
    spans = [(g[0][0], g[-1][1]) for g in groups]
    speech = [_speech(syllables(db, a, b), a, b) for a, b in spans]
    peaks = [float(db[int(a * FPS) : max(int(b * FPS), int(a * FPS) + 1)].max()) for a, b in spans]
    said = [p for p, is_speech in zip(peaks, speech, strict=True) if is_speech]
    loud = float(np.median(said)) if said else max(peaks)
    out: list[Cue] = []
    lines = 0
    for (a, b), k, is_speech, peak in zip(spans, firsts, speech, peaks, strict=True):
        if not is_speech and peak >= loud - _EFFECT_UNDER_DB and _noisy(fine, fine_hz, a, b, top_hz):
            out += sound_cues(np.array([starts[k]]), fine, fine_hz, latency)
        else:
            lines += 1
            out.append(Cue(float(starts[k]), "marker", f"LINE {lines}", 1.0, b))
    return sorted(out, key=lambda c: c.time)


def _noisy(fine: np.ndarray, fine_hz: np.ndarray, a: float, b: float, top_hz: float) -> bool:
    """Whether the sound from *a* to *b* (s) is noise where a voice is voiced. At its loudest (the rows
    of :attr:`~.features.Features.fine` within :data:`_NUCLEUS_DB` of its loudest: a vowel's nucleus,
    where a room tone does not reach) a talker is harmonics: the spectral flatness, 100 Hz to 8 kHz
    (or *top_hz*), has a median of at most 0.035 over 456 espeak-ng lines and words and 0.003 over
    freedesktop's recorded prompts. A slam, a shot or a crash is noise: over :data:`_NOISE_FLATNESS`
    for 40 of the 130 effects the cue models learned from (the rest stay lines). So is a whisper."""
    r0 = int(a * FPS / FINE_DECIM)
    rows = fine[r0 : max(int(b * FPS / FINE_DECIM), r0 + 1)].astype(np.float64) / FINE_SCALE
    rows = rows[:, (fine_hz >= 100.0) & (fine_hz <= min(8000.0, top_hz))]
    if not rows.size:
        return False
    power = np.square(10.0**rows - 1.0) + 1e-12
    level = power.sum(axis=1)
    power = power[level >= level.max() * 10 ** (-_NUCLEUS_DB / 10)]
    flatness = np.exp(np.log(power).mean(axis=1)) / power.mean(axis=1)
    return float(np.median(flatness)) >= _NOISE_FLATNESS


def _speech(peaks: np.ndarray, a: float, b: float) -> bool:
    """Whether the syllable *peaks* of the sound from *a* to *b* (s) are an utterance of speech: at
    least :data:`_SYLLABLES` at a talker's rate."""
    return len(peaks) >= _SYLLABLES and _SYLLABLE_RATE[0] <= len(peaks) / (b - a) <= _SYLLABLE_RATE[1]


def speech_share(runs: list[tuple[float, float]], db: np.ndarray) -> tuple[float, np.ndarray]:
    """The share of the sound's time (*runs*, s, of the level *db*) in utterances of speech (see
    :data:`_SYLLABLES`), and the syllable peaks (s) of every utterance."""
    total = sum(b - a for a, b in runs)
    said, peaks = 0.0, []
    for group in _utterances(runs):
        a, b = group[0][0], group[-1][1]
        p = syllables(db, a, b)
        if _speech(p, a, b):
            said += sum(y - x for x, y in group)
        peaks.append(p)
    return (said / total if total > 0 else 0.0), np.concatenate(peaks + [np.zeros(0)])


def on_grid(peaks: np.ndarray, window: float = _GRID_WINDOW_S, least: int = _GRID_LEAST) -> bool:
    """Whether the level's *peaks* (s, :func:`syllables`) are notes on a grid: in half or more of the
    *window*-second windows that hold *least* of them, one pulse of
    :data:`_GRID_HZ` holds their phases together (the Rayleigh periodogram: its peak beyond chance at
    :data:`_GRID_CHANCE` over the window's independent rates, and its mean resultant's square at
    least :data:`_GRID_R2`). Staccato phrases with rests between them are separate sounds, and utterances
    of syllables too, but their notes keep one phase from phrase to phrase; effects come at chance
    times, a talker's lines start anywhere, and even synthetic speech whose syllables come 0.19-0.28 s
    apart loses the phase within a line.
    """
    t = np.sort(np.asarray(peaks, np.float64))
    hz = np.arange(_GRID_HZ[0], _GRID_HZ[1], 1.0 / (4.0 * window))
    need = np.log((_GRID_HZ[1] - _GRID_HZ[0]) * window / _GRID_CHANCE)
    held = windows = 0
    for w0 in np.arange(t[0], t[-1], window) if len(t) else []:
        x = t[(t >= w0) & (t < w0 + window)] - w0
        if len(x) < least:
            continue
        windows += 1
        z = float((np.abs(np.exp(2j * np.pi * hz[:, None] * x[None, :]).sum(axis=1)) ** 2).max()) / len(x)
        held += z >= need and z / len(x) >= _GRID_R2
    return windows > 0 and 2 * held >= windows


class Sounds(NamedTuple):
    """Separate sounds: their spans (start, end seconds), and whether they are a dialogue track."""

    spans: list[tuple[float, float]]
    speech: bool


def _separate(runs: list[tuple[float, float]], db: np.ndarray, *, long_lines: bool = True) -> Sounds | None:
    longest = MAX_LINE_S if long_lines else MAX_SOUND_S
    if not runs or not all(b - a <= MAX_SOUND_S or (b - a <= longest and _long_line(db, a, b)) for a, b in runs):
        return None
    if len(runs) < MIN_SOUNDS:
        return _one_line(runs, db)
    starts = np.array([a for a, _ in runs])
    if rhythmic(starts) or steady(starts):
        return None
    share, peaks = speech_share(runs, db)
    if _notes(peaks, runs):  # phrases of notes with rests between them
        return None
    if share < SPEECH_SHARE and max(b - a for a, b in runs) > MAX_SOUND_S:
        return None  # a long line is no effect: effects tracks keep to MAX_SOUND_S
    return Sounds(runs, share >= SPEECH_SHARE)


def _long_line(db: np.ndarray, a: float, b: float) -> bool:
    """Whether the sound from *a* to *b* (s), longer than :data:`MAX_SOUND_S` (and at most
    :data:`MAX_LINE_S`, which the caller holds it to), may be a line said without a pause: speech
    (:func:`_speech`) whose syllables are on no grid (a phrase of notes that long keeps its phase)."""
    peaks = syllables(db, a, b)
    return _speech(peaks, a, b) and not _notes(peaks, [(a, b)])


def _one_line(runs: list[tuple[float, float]], db: np.ndarray) -> Sounds | None:
    """A file of one line of dialogue (an animator's clip for one shot): fewer than :data:`MIN_SOUNDS`
    sounds, which is no effects track, but speech all the same where its syllables keep neither a
    rhythm nor a phase over the line (a short piano phrase's notes, cut from a piece, have 8 dB dips
    between them too: 28 of 1,994 cuts of 2-7 s of the benchmark's music are still taken for a line)."""
    share, peaks = speech_share(runs, db)
    if share < SPEECH_SHARE or rhythmic(peaks) or _notes(peaks, runs):
        return None
    return Sounds(runs, True)


def _notes(peaks: np.ndarray, runs: list[tuple[float, float]]) -> bool:
    """Whether the *peaks* of the sounds (*runs*) are on a grid (:func:`on_grid`); in audio shorter
    than the grid's window, over the sounds' own span, where even a few peaks can hold a phase beyond
    chance (a short sting's phrases between rests)."""
    span = runs[-1][1] - runs[0][0]
    return on_grid(peaks) if span >= _GRID_WINDOW_S else on_grid(peaks, max(span, 1.0), _SYLLABLES)


def separate_sounds(quiet: list[tuple[int, int]], db: np.ndarray) -> Sounds | None:
    """The sounds of an effects or a dialogue track (see the module), or None where the audio is
    music; *quiet* are the quiet runs (hops) of the level *db*.

    Lines of dialogue are also separate sounds over a bed (:func:`~.levels.bed_runs`); effects are
    not: a melody of notes at chance times, each dying away before the next, is sounds over a bed as
    well, but one of a note each, no talker's syllables. Where the quiet runs hold no silence, sparse
    sounds in a long noise floor take its steady bed for one (:func:`_silence`).
    """
    quiet = _silence(quiet, db)
    found = _separate(sound_runs(quiet, db), db)
    bed = levelmod.bed_runs(db)
    if found is None or not found.speech or _over_quiet(bed, quiet) > _BED_OVER_QUIET:
        # a long line only between silences: the quiet between a staccato tune's phrases over a held
        # pad passes every test of a bed, and a phrase of 7.6 s under a tempo ramp keeps no grid
        lines = _separate(runs := sound_runs(bed, db), db, long_lines=False)
        if lines is not None and lines.speech and _all_bed_or_sound(bed, runs, db):
            return lines
    return found


def few_sounds(quiet: list[tuple[int, int]], db: np.ndarray) -> Sounds | None:
    """One or two sounds of :data:`MAX_SOUND_S` or less with silence around them (*quiet*, the quiet
    runs of the level *db*), or None: a sound designer's effect in a file of its own, or two claps.
    Fewer than :data:`MIN_SOUNDS` keep no rhythm or none to tell, so whether they are music is the
    beats' to say (a sting has beats in it; the caller asks)."""
    quiet = _silence(quiet, db)
    if not _has_silence(quiet):
        return None  # no silence: the whole file would be the one sound
    runs = sound_runs(quiet, db)
    if not 1 <= len(runs) < MIN_SOUNDS or any(b - a > MAX_SOUND_S for a, b in runs):
        return None
    return Sounds(runs, False)


def _silence(quiet: list[tuple[int, int]], db: np.ndarray) -> list[tuple[int, int]]:
    """The *quiet* runs (hops of the level *db*), or where none is a silence (:data:`MIN_SILENCE_S`)
    the level's steady bed :data:`_FLOOR_UNDER_DB` or more under its loudest, where it has one. The
    quiet line lies under the passage's loud level, and where a few sounds sit in a long noise floor
    (effects recorded in a room) that level is the floor's own."""
    if _has_silence(quiet):
        return quiet
    return levelmod.bed_runs(db, under_db=_FLOOR_UNDER_DB) or quiet


def _has_silence(quiet: list[tuple[int, int]]) -> bool:
    """Whether one of the *quiet* runs (hops) lasts :data:`MIN_SILENCE_S` or more."""
    return any(b - a >= MIN_SILENCE_S * FPS for a, b in quiet)


def dialogue_scene(quiet: list[tuple[int, int]], db: np.ndarray) -> Sounds | None:
    """The lines of a dialogue scene in a reel with music (*quiet*, the quiet runs of *db*, the
    scene's level), or None: a dialogue track (:func:`separate_sounds`) of :data:`MIN_SOUNDS` sounds
    or more whose syllable peaks are enough (:data:`_GRID_LEAST`) for the grid test to tell a talker
    from a few phrases of notes. A piece of music between two rests of 2 s is a piece of its own, and
    one phrase and three notes on an eighth grid (7 peaks) keep their phase within chance."""
    sounds = separate_sounds(quiet, db)
    if sounds is None or not sounds.speech or len(sounds.spans) < MIN_SOUNDS:
        return None
    return sounds if len(speech_share(sounds.spans, db)[1]) >= _GRID_LEAST else None


def _over_quiet(bed: list[tuple[int, int]], quiet: list[tuple[int, int]]) -> float:
    """The share of the *bed*'s hops outside the *quiet* runs: where a room tone lies at the quiet
    line (35 dB under the loud level), it crosses the line back and forth, so the quiet runs between
    two lines are only where it dipped, and a pause under 0.12 s of them joins the lines."""
    n = max((b for _, b in bed + quiet), default=0)
    quiet_hop = np.zeros(n, bool)
    for a, b in quiet:
        quiet_hop[a:b] = True
    hops = sum(b - a for a, b in bed)
    return sum(int((~quiet_hop[a:b]).sum()) for a, b in bed) / hops if hops else 0.0


def _all_bed_or_sound(bed: list[tuple[int, int]], runs: list[tuple[float, float]], db: np.ndarray) -> bool:
    """Whether the audio is the *bed* (hops) and the sounds (*runs*, s) and nothing else: the sounds
    hold :data:`_BED_COVER` of the time off the bed, and the bed lies :data:`_SOUND_DB` under the
    level's loud part. Dense music lies within 6 dB of its own tenth percentile as often as not, so
    its quiet moments are a "bed" too, and only its last notes dying away rise over it."""
    off_bed = len(db) - sum(b - a for a, b in bed)
    sounding = sum(b - a for a, b in runs) * FPS
    floor = float(np.median(np.concatenate([db[a:b] for a, b in bed]))) if bed else -np.inf
    return sounding >= _BED_COVER * off_bed and floor <= float(np.percentile(db, 95)) - _SOUND_DB


def _new_sounds(starts: np.ndarray, onsets: np.ndarray, db: np.ndarray) -> np.ndarray:
    """The sounds' *starts* and the *onsets* (s) that rise :data:`_RISE_DB` out of the level (*db*,
    per hop) before them, at least :data:`_APART_S` from each other, in time order."""
    starts = np.sort(np.asarray(starts, np.float64))
    onsets = np.asarray(onsets, np.float64)
    hops = np.round(onsets * FPS).astype(int)
    rise = np.array([float(db[h : h + 10].max() - db[max(0, h - 8) : max(0, h - 2)].max())
                     if 2 <= h < len(db) else -np.inf for h in hops])
    kept: list[float] = []
    for t in onsets[(rise >= _RISE_DB) & (np.abs(onsets - nearest(starts, onsets)) > _APART_S)]:
        if not kept or t - kept[-1] > _APART_S:  # in time order: the last kept is the nearest
            kept.append(float(t))
    return np.sort(np.concatenate([starts, kept]))


def effect_cues(cues: list[Cue], starts: np.ndarray, fine: np.ndarray, fine_hz: np.ndarray,
                onsets: np.ndarray, db: np.ndarray, latency: float = 0.0, *,
                spans: list[tuple[float, float]] | None = None) -> list[Cue]:
    """The cues of an effects track: an effect cue at each sound's start and at each sound inside
    one that rises out of near-silence, of the kind its own spectrum says (a whoosh that ends in a
    hit gives the hit too), and the detectors' effect cues that are not at a sound's start but are
    in a sound (its *spans*, where given: the silence between is silence, though a noise floor's
    flicker rises out of it as the music's bed would); no stops, restarts or ``START``.

    Parameters
    ----------
    cues : list of Cue
        The analysis' cues.
    starts : numpy.ndarray
        The sounds' starts (s, attack-timed), from :func:`separate_sounds`.
    fine, fine_hz : numpy.ndarray
        :attr:`~.features.Features.fine` (rows every ``FINE_DECIM`` hops) and its bands' centres.
    onsets : numpy.ndarray
        The analysis' onset times (s).
    db : numpy.ndarray
        The level per hop (dBFS, :attr:`~syncsheet.model.Levels.db`).
    latency : float
        Seconds taken from a row's time for a whoosh's hit.
    spans : list of (float, float), optional
        The sounds' (start, end) in seconds.

    Returns
    -------
    list of Cue
        In time order.
    """
    if spans is not None:
        cues = [c for c in cues if any(a - _IN_SOUND_S <= c.time <= b for a, b in spans)]
    sounds = sound_cues(_new_sounds(starts, onsets, db), fine, fine_hz, latency)
    # a detector's cue at a sound's start, or at the hit a whoosh ends in, is that cue
    ours = np.sort(np.array([c.time for c in sounds], np.float64))
    at = np.array([c.time for c in cues], np.float64)
    gap = np.abs(at - nearest(ours, at))
    out = [c for c, d in zip(cues, gap, strict=True) if c.kind not in ("stop", "restart") and d > _APART_S]
    return sorted(out + sounds, key=lambda c: c.time)


def sound_cues(starts: np.ndarray, fine: np.ndarray, fine_hz: np.ndarray, latency: float) -> list[Cue]:
    """A sure effect cue at each of the sounds' *starts* (s) alone in a silence, of the kind its own
    spectrum says (:func:`~.cues.classify`; see :func:`effect_cues` for the rest), and the hit a whoosh
    ends in."""
    # the level of each row stands for the surprise: against silence, all of a sound is new
    level = fine.sum(axis=1, dtype=np.float32) / FINE_SCALE if len(fine) else np.zeros(0, np.float32)
    times, kinds = [], []
    for t in starts:
        row = min(int(t * FPS / FINE_DECIM), max(len(fine) - 1, 0))
        profile = fine[row : row + _PROFILE_ROWS].astype(np.float64).mean(axis=0) / FINE_SCALE
        kind = cuemod.classify(profile, fine_hz, level, row)
        times.append(float(t))
        kinds.append(kind)
        if kind == "whoosh" and (end := cuemod.swell_end(level, row)) is not None:
            times.append(end * FINE_DECIM / FPS - latency)
            kinds.append("impact")
    # sure cues: the score whose strength (1 - exp(-s / 10)) is 0.99
    return cuemod.make_cues(np.array(times), np.full(len(times), 46.0), kinds)
