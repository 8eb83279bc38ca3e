"""Downbeats and meter from beat-synchronous features and a bar-position model.

For each beat we measure how much it looks like the start of a bar: low-frequency level, bass
onset on the beat against half a beat later, the change of chord across it (of the best-fitting
major/minor triads, so a melody note over a held chord is no change of harmony), the change of the
bass register's spectrum (the bass moves to a new note at bar lines) and loudness, each
standardised over the piece. Candidate meters of 2-7 beats a bar are compared by how well a
periodic downbeat pattern separates those scores (a two-sample t statistic, so a 4/4 whose third
beat is half-strong is not taken for 2/4, and 6 is not taken where 3 fits) and by how much the
music repeats at that bar length (beats one bar apart sound more alike than beats at other
distances, whatever the phase); a bar of 4 or 6 is halved where its first and middle beats are
alike and the music repeats at the half bar as much as at the whole (a 2/4 or 6/8 whose bars are
alike, not a 4/4 with a lighter third beat). A hidden Markov model over (meter, position in bar)
then places the downbeats, allowing the meter to change where the evidence insists.
"""

from __future__ import annotations

from math import erf

import numpy as np

from ._windows import max_near, span_means, window_max
from .features import CHROMA_DECIM, FINE_DECIM, FINE_SCALE, FPS

__all__ = ["downbeat_features", "downbeat_components", "chord_posterior", "chord_change", "bar_repetition",
           "bar_doubling", "assign_bars", "anchor_bars", "beat_sounds", "click_bar", "click_pair", "click_accents",
           "click_bars", "METERS"]

METERS = (2, 3, 4, 5, 6, 7)
_CHANGE_COST = 8.0  # log-probability cost of a meter change at a bar line
#: Extra cost of changing *into* a bar of 5 or more beats: a one-off long bar is nearly always two
#: shorter ones (3+4 is a bar of 3/4 between bars of 4/4, not a 7/4), so a long meter has to be
#: the piece's own or its evidence has to repeat over several bars to pay for the change.
_LONG_METER_COST = 10.0
_ROUNDS = 3  # decode, re-estimate the downbeat/other-beat levels from the bars found, decode again
#: How readily each meter is believed (common practice: 4/4 first, then 3/4; 2/4 is heard as 4/4
#: unless the evidence for the shorter bar is clearly stronger, and a bar of 6 is, like a bar of 2,
#: believed only where it clearly beats the common meter it relates to: a 6/4 is rarer than 3/4
#: with a two-bar lilt, and a 6/8 is counted in its two dotted-quarter beats by the beat tracker).
METER_PRIOR = {4: 1.0, 3: 0.9, 6: 0.6, 2: 0.6, 5: 0.7, 7: 0.7}
#: Weight of the repetition score (a difference of mean cosine similarities, about -0.2..0.4) against
#: the t statistic (about 0..10): a bar length the music clearly repeats at (+0.2) is worth t = 2.
_REPETITION_WEIGHT = 10.0
#: A bar of 4 (6) is halved where its first beat is less than one standard error stronger than its
#: middle beat, counting the music's repetition at the whole bar (:func:`bar_doubling`, weighted
#: like :data:`_REPETITION_WEIGHT`) as further evidence for the long bar.
_SPLIT_T = 1.0
_MAX_LAG = 16  # beats of lag compared for repetition (two bars of 7 fit)
#: Sharpness of the chord posterior (a softmax of the correlations, in [-1, 1], of a beat's chroma
#: with the 24 major/minor triads): at 5 a chord that fits 0.2 better is e (2.7) times likelier.
_CHORD_SHARPNESS = 5.0
#: The bass register, where a change of spectrum is a change of bass note (Hz).
_BASS_HZ = (50.0, 400.0)
#: The span (s before, s after each beat) of its sound, to tell a click track's accent from its
#: clicks: the analysis window's half (21 ms) and more before, 90 ms after. With 60 ms after, a kick
#: metronome in 3/4 at 72 BPM was read in bars of 6: its tracked beats fell 8-20 ms before the kicks
#: in a cycle of 6 beats, so every other accent's span held too little of its 150-50 Hz sweep to
#: sound like the accent; the span's silence before the kick is a smaller share of a longer span.
_BEAT_SOUND_S = (0.03, 0.09)
#: A click track's bar (:func:`click_bar`): the beats other than the accent are alike to within this
#: share of how far the accent is from them, and the accent's distance is this many times the most
#: any place's beats usually lie from that place's median sound. The music of the eight tuning
#: sets' 113 excerpts in bars of 3 or more, at their true beats and bars, is at least 0.39 and at
#: most 5.6, and none comes within a factor of 4.6 of passing both; metronomes of tone, wood block,
#: noise tick and kick at 50-200 BPM in 3/4 and 4/4 (``bench_clicks.py``'s) at most 0.09 and at
#: least 12 (the tick's and the kick's, whose sound changes within a row: see :func:`beat_sounds`).
_CLICK_ALIKE, _CLICK_APART = 0.1, 10.0
#: ... and the accent differs from the clicks by at least this share of a beat's sound (a click track
#: without accents has every place alike, and its ratios are of rounding differences): click tracks'
#: accents 0.15 (a kick 2.5 dB louder) to 0.63.
_CLICK_ACCENT = 0.05
#: ... and at most this share of a place's beats sound nearer another place's sound than their own.
_CLICK_MIXED = 0.25
#: A click track in bars of 2 (:func:`click_pair`): its two sounds are one sound, louder or at
#: another pitch, so their spectral centroids lie within this many bands of :attr:`~.features.Features.fine`
#: (an octave; metronomes of tone, wood block, tick and kick at most 3.8 bands apart), where a
#: programmed loop's kick and snare or kick and hi-hat lie two octaves apart or more (23-25 bands).
_PAIR_BANDS = 12.0
#: ... and the softer holds at least this share of the louder's summed sound (metronomes 0.82-0.9:
#: a beat the tracker put between a slow track's clicks is silence, no sound of the pair) ...
_PAIR_LEVEL = 0.5
#: ... and the accent is the louder by this share of the summed sound (else the higher one) ...
_PAIR_LOUDER = 0.05
#: ... and at most this share of either place's beats lie half the two sounds' distance or more from
#: their place's sound: a click track of 4/4 with its eighths clicked, tracked at the eighths, is an
#: alternation of beats and eighths too, but a quarter of its beats are accents (each quarter note
#: was then a bar line).
_PAIR_ODD = 0.1
#: A click track's accents are one bar length apart at least this share of the time (:func:`_barred`;
#: a cue's tempo map of bars of 4 with a bar of 3, one of 2 and two of 5: 0.82).
_BAR_SHARE = 0.5
#: :func:`click_accents` splits the beats from this many starts, each refined this many times.
_SPLIT_TRIES, _SPLIT_ROUNDS = 6, 8
#: ... each beat's sound taken less the median of this many beats either side of it.
_SPLIT_AROUND = 8


def _segment_means(x: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Mean of rows of *x* over [start, end) for each pair (at least one row each), the very last
    row of the audio left out; summed a few dozen spans at a time (see :func:`span_means`)."""
    return span_means(x, starts, np.minimum(np.asarray(ends, int), len(x) - 1))


def _next_hops(hop: np.ndarray) -> np.ndarray:
    """The hop of each beat's successor (one period after the last beat)."""
    return np.append(hop[1:], hop[-1] + (hop[-1] - hop[-2]))


def downbeat_features(
    beats: np.ndarray,
    flux: np.ndarray,
    chroma: np.ndarray,
    bands: np.ndarray | None = None,
    weights: tuple[float, ...] = (1.0, 1.0, 0.0, 0.0, 0.5, 1.0, 1.0),
    span: int = 1,
    *,
    fine: np.ndarray | None = None,
    fine_hz: np.ndarray | None = None,
    components: np.ndarray | None = None,
) -> np.ndarray:
    """A "start of bar" score for each beat (beats in hops): :func:`downbeat_components` weighted
    (*components*, if given, are those of the same beats, already computed)."""
    comps = (downbeat_components(beats, flux, chroma, bands, span, fine=fine, fine_hz=fine_hz)
             if components is None else components)
    w = np.zeros(comps.shape[1])
    w[: len(weights)] = weights[: comps.shape[1]]
    return comps @ w


def downbeat_components(
    beats: np.ndarray,
    flux: np.ndarray,
    chroma: np.ndarray,
    bands: np.ndarray | None = None,
    span: int = 1,
    *,
    fine: np.ndarray | None = None,
    fine_hz: np.ndarray | None = None,
) -> np.ndarray:
    """The "start of bar" cues of each beat (beats in hops), each standardised over the piece (nb, 7).

    Columns, in order: low-frequency level over the beat that starts
    here (bass notes and kicks land on bar lines), the change of chord across the beat (chords change
    at bar lines; :func:`chord_change` of the chroma over the beat before and the beat after, which a
    melody's passing notes over a held chord hardly move), bass onset strength on the beat, overall
    onset strength, overall loudness over the beat, bass onset on the beat against its off-beat
    (half a beat later, or two thirds in swing: a beat followed by an off-beat bass note is a pickup
    into the next), and the change of the bass register's spectrum (*fine*, rows every
    :data:`~.features.FINE_DECIM` hops, bands at *fine_hz*) over the two beats after against the two
    before: the bass moves to a new note at a bar line, seen even where the melody blurs the chroma;
    two beats, so a walking bass's step on every beat is not taken for a change of harmony.
    """
    nb = len(beats)
    if nb < 3:
        return np.zeros((nb, 7))
    hop = np.round(beats).astype(int)
    n = len(flux)
    nxt_hop = _next_hops(hop)
    bass = flux[:, 0] / (np.mean(flux[:, 0]) + 1e-9)
    total = flux.sum(axis=1) / (np.mean(flux.sum(axis=1)) + 1e-9)
    f_bass = max_near(bass, hop, 3)
    f_act = max_near(total, hop, 3)
    # the bass on the beat against the bass on the off-beat after it: a bar line is an arrival (a
    # bass note on the beat, none right after), a beat followed by an off-beat note is a pickup into
    # the next (the loud "4 and" of a boogie or swing bass). The off-beat is half a beat later in
    # straight time, two thirds in swing, so both places are looked at.
    f_onoff = np.log1p(f_bass) - np.log1p(_off_beat(bass, hop, nxt_hop))
    if bands is not None and len(bands):
        # summed with a float32 accumulator: no float32 copy of a 2 h reel's bands (115 MB)
        low = bands[:, :4].sum(axis=1, dtype=np.float32)
        f_low = span_means(low, np.clip(hop, 0, n - 1), np.clip(nxt_hop, 1, n))
        loud = bands.sum(axis=1, dtype=np.float32)
        f_loud = span_means(loud, np.clip(hop, 0, n - 1), np.clip(nxt_hop, 1, n))
    else:
        f_low = f_loud = np.zeros(nb)
    # the chord over the beat after vs the beat before
    ch = chroma  # float16; the span means sum it in float64 a few beats at a time
    cb = np.clip(hop // CHROMA_DECIM, 0, max(0, len(ch) - 1))
    step = int(np.median(np.diff(cb))) if nb > 1 else 1
    nxt = np.append(cb[span:], cb[-1] + step * np.arange(1, span + 1))[:nb]
    prv = np.concatenate([cb[0] - step * np.arange(span, 0, -1), cb[:-span]])[:nb]
    nxt, prv = np.clip(nxt, 0, len(ch)), np.clip(prv, 0, len(ch))
    f_chroma = chord_change(span_means(ch, prv, cb), span_means(ch, cb, nxt))

    def z(v):
        s = np.std(v)
        return (v - np.mean(v)) / s if s > 1e-9 else np.zeros_like(v)

    f_bass_change = _bass_change(hop, fine, fine_hz) if fine is not None and fine_hz is not None else np.zeros(nb)
    comps = (z(f_low), z(f_chroma), z(np.log1p(f_bass)), z(np.log1p(f_act)), z(f_loud), z(f_onoff),
             z(f_bass_change))
    return np.stack(comps, axis=1)


def _off_beat(x: np.ndarray, hop: np.ndarray, nxt_hop: np.ndarray) -> np.ndarray:
    """The most of *x* at each beat's straight (1/2) or swung (2/3) off-beat (beats in hops)."""
    return np.maximum(max_near(x, (hop + nxt_hop) // 2, 3), max_near(x, hop + (2 * (nxt_hop - hop)) // 3, 3))


def _triads() -> np.ndarray:
    """The 24 major and minor triads as zero-mean, unit-norm chroma templates (24, 12)."""
    t = np.zeros((24, 12))
    for root in range(12):
        for k, third in enumerate((4, 3)):
            t[2 * root + k, [root, (root + third) % 12, (root + 7) % 12]] = 1.0
    t -= t.mean(axis=1, keepdims=True)
    return t / np.linalg.norm(t, axis=1, keepdims=True)


_TRIADS = _triads()


def chord_posterior(chroma: np.ndarray, sharpness: float = _CHORD_SHARPNESS) -> np.ndarray:
    """How well each of the 24 major/minor triads explains each chroma row (rows sum to 1).

    A softmax of the correlation of each (mean-removed) chroma row with each triad template; a
    silent row gives the uniform posterior.
    """
    c = np.asarray(chroma, dtype=np.float64)
    c = c - c.mean(axis=1, keepdims=True)
    c /= np.linalg.norm(c, axis=1, keepdims=True) + 1e-9
    s = sharpness * (c @ _TRIADS.T)
    p = np.exp(s - s.max(axis=1, keepdims=True))
    return p / p.sum(axis=1, keepdims=True)


def chord_change(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """How much the chord changes between two chroma rows (row by row), in [0, 1].

    One minus the overlap (Bhattacharyya coefficient) of their triad posteriors: a passing
    melody note over a held chord, which moves the raw chroma, hardly moves the chord.
    """
    return np.clip(1.0 - np.sum(np.sqrt(chord_posterior(before) * chord_posterior(after)), axis=1), 0.0, 1.0)


def _bass_change(hop: np.ndarray, fine: np.ndarray, fine_hz: np.ndarray, span: int = 2) -> np.ndarray:
    """Cosine distance between the bass register's spectrum over the *span* beats after each beat and
    the *span* beats before it (each band's median over the piece removed, so a steady drone or
    the kick's constant thump does not hide which notes change)."""
    sel = np.flatnonzero((fine_hz >= _BASS_HZ[0]) & (fine_hz < _BASS_HZ[1]))
    nb = len(hop)
    if not len(sel) or not len(fine):
        return np.zeros(nb)
    rows = hop // FINE_DECIM
    per_beat = _segment_means(fine, rows, _next_hops(rows))[:, sel]
    per_beat = np.maximum(per_beat - np.median(per_beat, axis=0), 0.0)
    c = np.concatenate([np.zeros((1, len(sel))), np.cumsum(per_beat, axis=0)])
    k = np.arange(nb)
    after = c[np.minimum(k + span, nb)] - c[k]
    before = c[k] - c[np.maximum(k - span, 0)]
    norm = np.linalg.norm(after, axis=1) * np.linalg.norm(before, axis=1)
    dist = 1.0 - np.sum(after * before, axis=1) / np.maximum(norm, 1e-12)
    return np.where(norm > 1e-12, dist, 0.0)


def _lag_similarity(beats: np.ndarray, flux: np.ndarray, chroma: np.ndarray, bands: np.ndarray):
    """Mean cosine similarity of beats 1..:data:`_MAX_LAG` apart (lags, similarities).

    Each beat is described by its loudness in each band, its chroma and its onset pattern (flux in
    three bands over four quarter-beats), each part standardised and given the same total weight.
    """
    nb = len(beats)
    hop = np.round(beats).astype(int)
    nxt = _next_hops(hop)
    parts = [_segment_means(bands, hop, nxt), _segment_means(chroma, hop // CHROMA_DECIM, nxt // CHROMA_DECIM)]
    for q in range(4):
        a, b = hop + (q * (nxt - hop)) // 4, hop + ((q + 1) * (nxt - hop)) // 4
        parts.append(np.log1p(_segment_means(flux, a, b)))
    # each part standardised and given the same total weight, whatever its number of columns
    v = np.concatenate([(p - p.mean(0)) / (p.std(0) + 1e-9) / np.sqrt(p.shape[1]) for p in parts], axis=1)
    v -= v.mean(0)
    v /= np.linalg.norm(v, axis=1, keepdims=True) + 1e-9
    lags = np.arange(1, min(_MAX_LAG, nb - 1) + 1)
    return lags, np.array([np.mean(np.sum(v[lag:] * v[:-lag], axis=1)) for lag in lags])


def bar_repetition(
    beats: np.ndarray, flux: np.ndarray, chroma: np.ndarray, bands: np.ndarray
) -> dict[int, float]:
    """How much the music repeats at each candidate bar length (beats in hops).

    Each beat is described by its loudness in each band, its chroma and its onset pattern (flux in
    three bands over four quarter-beats); for every lag of 1-16 beats, the mean cosine similarity
    of beats that far apart. A meter's score is the mean over lags that are whole bars minus the
    mean over the other lags: phase-free evidence for the bar length, where the accent pattern
    (which the downbeat score measures) is ambiguous.
    """
    if len(beats) < 2 * max(METERS) or not len(bands):
        return {m: 0.0 for m in METERS}
    lags, sim = _lag_similarity(beats, flux, chroma, bands)
    out = {}
    for m in METERS:
        bar = lags % m == 0
        out[m] = float(sim[bar].mean() - sim[~bar].mean()) if bar.any() and (~bar).any() else 0.0
    return out


def bar_doubling(
    beats: np.ndarray, flux: np.ndarray, chroma: np.ndarray, bands: np.ndarray
) -> dict[int, float]:
    """For each even meter *m* whose half is a meter too (4, 6): how much more the music repeats
    every *m* beats than at odd multiples of *m*/2 (beats in hops).

    Positive where a bar of *m* is its own unit (a 4/4 riff, chords that last a bar of four),
    about zero where every half-bar is alike (a 2/4 or 6/8 whose bars repeat one by one). Phase-free
    like :func:`bar_repetition`, from the same beat descriptions.
    """
    doubled = [m for m in METERS if m % 2 == 0 and m // 2 in METERS]
    if len(beats) < 2 * max(METERS) or not len(bands):
        return {m: 0.0 for m in doubled}
    lags, sim = _lag_similarity(beats, flux, chroma, bands)
    out = {}
    for m in doubled:
        whole, odd = lags % m == 0, lags % m == m // 2
        out[m] = float(sim[whole].mean() - sim[odd].mean()) if whole.any() and odd.any() else 0.0
    return out


def _t_stat(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sample (pooled) t statistic of mean(a) - mean(b); -inf with fewer than two of either."""
    if len(a) < 2 or len(b) < 2:
        return -np.inf
    s = np.sqrt(((len(a) - 1) * a.var(ddof=1) + (len(b) - 1) * b.var(ddof=1)) / (len(a) + len(b) - 2))
    return float((a.mean() - b.mean()) / (s * np.sqrt(1 / len(a) + 1 / len(b)) + 1e-9))


def _meter_stat(d: np.ndarray, m: int) -> tuple[float, int]:
    """Best phase of a period-*m* downbeat pattern and its two-sample t statistic."""
    best, best_p = -np.inf, 0
    idx = np.arange(len(d))
    for p in range(m):
        on = (idx - p) % m == 0
        t = _t_stat(d[on], d[~on])
        if t > best:
            best, best_p = t, p
    return best, best_p


def _chance_best_t(m: int) -> float:
    """Expected t statistic of the best of *m* phases where nothing marks the bar lines.

    The *m* phases' t statistics are then about standard normal with correlation -1/(m-1) (their
    on-beat means share the piece's mean), so the best of them is sqrt(m/(m-1)) times the expected
    maximum of *m* independent normals: 0.80 for a bar of 2, 1.19 for 4, 1.46 for 7.
    """
    x = np.linspace(-8.0, 8.0, 3201)
    pdf = np.exp(-0.5 * x * x) / np.sqrt(2.0 * np.pi)
    cdf = 0.5 * (1.0 + np.vectorize(erf)(x / np.sqrt(2.0)))
    return float(np.sqrt(m / (m - 1.0)) * np.sum(x * m * pdf * cdf ** (m - 1)) * (x[1] - x[0]))


#: Each meter's chance level of its best phase's t above that of a bar of 4 (subtracted from its
#: evidence): the best of 7 phases is stronger than the best of 2 by chance alone, which, where
#: nothing marks the bar lines (strings, piano at one velocity), read long meters into noise.
_CHANCE_EXCESS = {m: _chance_best_t(m) - _chance_best_t(4) for m in METERS}


def _halved(d: np.ndarray, m: int, phase: int, meters: tuple[int, ...], doubling: float) -> int:
    """*m*, or half of it where the bar's first beat is not told apart from its middle beat.

    A bar of 4 (6) and one of 2 (3) whose lines are every other one of its bar lines fit the same
    accents; the longer bar is only heard where its first beat stands out from its middle one (a
    4/4's beat 1 against its beat 3: the chord changes, the crash). In a 2/4 or 6/8 whose bars are
    alike (classical strings, piano) the two are the same, and the bar is the shorter one.
    """
    half = m // 2
    if m % 2 or half not in meters or half < 2:
        return m
    idx = np.arange(len(d))
    first = (idx - phase) % m == 0
    middle = (idx - phase - half) % m == 0
    return half if _t_stat(d[first], d[middle]) + _REPETITION_WEIGHT * doubling < _SPLIT_T else m


def assign_bars(
    d: np.ndarray,
    meter: int | None = None,
    repetition: dict[int, float] | None = None,
    doubling: dict[int, float] | None = None,
    placing: np.ndarray | None = None,
    starts: np.ndarray | None = None,
    skips: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Bar number (from 1) and beat-in-bar (from 1) for each beat.

    Parameters
    ----------
    d : array
        Downbeat score per beat (:func:`downbeat_features`).
    meter : int, optional
        Force this many beats a bar.
    repetition : dict, optional
        Repetition score per meter (:func:`bar_repetition`), added to the accent evidence when
        the piece's meter is chosen.
    doubling : dict, optional
        :func:`bar_doubling`: with it, a chosen bar of 4 (6) whose first beat is not told apart
        from its middle beat, and which the music does not repeat at more than at its half, is
        read as bars of 2 (3).
    placing : array, optional
        Per-beat evidence that places the bar lines (the decoder's emissions) once the piece's
        meter is chosen from *d*: a learned downbeat activation (:mod:`.downbeatnet`). *d* by default.
    starts : array of int, optional
        Indices of beats a user says start a bar: the bars of the passage around each are moved to
        start there (:func:`anchor_bars`).
    skips : array of int, optional
        Per beat, the beats of the grid left out just before it (a music stop's): the count goes on
        through them, in the meter before. -1 where the count does not carry over the stop (the
        grid through it changed its period): the music starts again at any beat of any bar.
    """
    n = len(d)
    if n == 0:
        return np.zeros(0, int), np.zeros(0, int)
    meters = (meter,) if meter else METERS
    if n < 4:
        pos = anchor_bars(np.arange(n) % (meter or 4), starts)
        return _number(pos), pos + 1
    stats = {m: _meter_stat(d, m) for m in meters}
    rep = repetition or {}

    def evidence(m: int) -> float:
        chance = _CHANCE_EXCESS.get(m, 0.0)
        return stats[m][0] * METER_PRIOR.get(m, 0.5) - chance + _REPETITION_WEIGHT * rep.get(m, 0.0)

    m0 = max(stats, key=evidence)
    if doubling is not None:
        m0 = _halved(d, m0, stats[m0][1], meters, doubling.get(m0, 0.0))
    if placing is not None:
        d = np.asarray(placing, dtype=np.float64)
    # first guess at the bar lines: each beat that is the strongest of the m0 beats around it (not
    # one phase for the whole piece, which would blur the levels where a section is shifted)
    on = d >= window_max(d, m0 // 2, (m0 - 1) // 2)
    pos = meter_of = None
    for _ in range(_ROUNDS):
        # the two emission levels come from the current bar lines: first the single best
        # meter and phase for the whole piece, then the decoded bars (which may change meter or
        # phase), so a section whose bars are shifted (a bar of 3 inside a 4/4) does not blur them
        mu1, mu0 = float(d[on].mean()), float(d[~on].mean()) if (~on).any() else 0.0
        # robust spread (a few outliers, a stop or the final chord, would flatten every level)
        sd = 1.4826 * float(np.median(np.abs(np.where(on, d - mu1, d - mu0)))) + 1e-3
        new, meter_of = _decode(d, meters, m0, mu1, mu0, sd, skips)
        if pos is not None and np.array_equal(new, pos):
            break
        pos = new
        on = pos == 0
        if on.all() or not on.any():
            break
    pos = anchor_bars(pos, starts)
    return _number(pos, _lines_skipped(pos, meter_of, skips)), pos + 1


def _lines_skipped(pos: np.ndarray, meter_of: np.ndarray, skips: np.ndarray | None) -> np.ndarray | None:
    """Per beat, the bar lines that fell on the grid beats left out before it (a restart after a
    stop whose count does not carry over starts a new bar, a pickup's if it is not beat 1)."""
    if skips is None or not len(pos):
        return None
    skips = np.asarray(skips, int)
    prev = np.r_[0, pos[:-1]]
    lines = np.where(skips > 0, (prev + skips + 1) // meter_of - (pos == 0), 0)
    return np.where(skips < 0, (pos != 0).astype(int), np.maximum(lines, 0))


def anchor_bars(pos: np.ndarray, starts: np.ndarray | None) -> np.ndarray:
    """Move the bars of the passage around each beat a user says starts a bar so that it does.

    A passage is a run of bars of one length (the decoder's meter there; a pickup or a short last
    bar counts with its neighbour). Its bars keep their length and move as a whole, so bars one beat
    off are put right everywhere in the passage by one start, and the passages before and after are
    left as they were (the bar at the seam is shortened). A second start in the same passage moves
    the bars from itself on; where its distance from the first is no whole number of bars, the bar
    before it is cut short.

    Parameters
    ----------
    pos : array of int
        Each beat's position in its bar (from 0), as decoded.
    starts : array of int or None
        Indices of the beats that start a bar.

    Returns
    -------
    numpy.ndarray
        The positions, bars moved.
    """
    pos = np.asarray(pos, int).copy()
    n = len(pos)
    if starts is None or not len(starts) or not n:
        return pos
    heads = np.flatnonzero(pos == 0)
    edges = np.concatenate([[0], heads[heads > 0], [n]])
    lengths = np.diff(edges)
    if len(lengths) > 1:  # a pickup, or a last bar the audio's end cuts short, has its neighbour's length
        full = lengths.copy()
        if pos[0] != 0:
            full[0] = lengths[1]
        if lengths[-1] < lengths[-2]:
            full[-1] = lengths[-2]
        lengths = full
    meter_of = np.repeat(lengths, np.diff(edges))  # each beat's bar length
    change = np.flatnonzero(np.diff(meter_of) != 0) + 1
    bounds = np.concatenate([[0], change, [n]])  # passages of one bar length
    starts = np.unique(np.clip(np.asarray(starts, int), 0, n - 1))
    for a in starts:  # in time order: a later start renumbers from itself on
        k = int(np.searchsorted(bounds, a, side="right")) - 1
        lo, hi, m = int(bounds[k]), int(bounds[k + 1]), int(meter_of[a])
        if np.any((starts >= lo) & (starts < a)):
            lo = int(a)  # an earlier start in the passage keeps the bars before this one
        pos[lo:hi] = (np.arange(lo, hi) - a) % m
    return pos


def _decode(d: np.ndarray, meters: tuple[int, ...], m0: int, mu1: float, mu0: float, sd: float,
            skips: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Viterbi over (meter, position in bar) states; returns each beat's position (from 0) and
    meter. A beat after *skips* left-out beats moves that many more places in its bar; after -1,
    to any state, from the best state of any meter (music starting again in another tempo owes
    nothing to the meter before)."""
    n = len(d)
    ll_on = -0.5 * ((d - mu1) / sd) ** 2
    ll_off = -0.5 * ((d - mu0) / sd) ** 2
    states = [(m, k) for m in meters for k in range(m)]
    S = len(states)
    first = np.array([k == 0 for _, k in states])
    prior = np.array([0.0 if m == m0 else -_CHANGE_COST / 2 for m, _ in states])
    score = prior + np.where(first, ll_on[0], ll_off[0])
    back = np.zeros((n, S), np.int32)
    index = {s: i for i, s in enumerate(states)}
    ends = np.array([index[(m, m - 1)] for m in meters])
    starts = np.array([index[(m, 0)] for m in meters])
    # within a bar each state follows the one before it (*follows*; a bar's first beat is set
    # after), and a bar's first beat follows any meter's last, at a cost where the meter changes
    # (*change*: a row per meter, a column per last state)
    follows = np.array([index[(m, k - 1)] if k else 0 for m, k in states])
    change = np.array([[0.0 if states[e][0] == m else _CHANGE_COST + (_LONG_METER_COST if m >= 5 else 0.0)
                        for e in ends] for m in meters])
    heard = np.where(first[None, :], ll_on[:, None], ll_off[:, None])  # (beats, states)
    rows = np.arange(len(meters))
    meter_idx = np.array([meters.index(m) for m, _ in states])
    skips = np.zeros(n, int) if skips is None else np.asarray(skips, int)
    for t in range(1, n):
        if skips[t] > 0:  # the same bar goes on through the left-out beats
            src = np.array([index[(m, (k - skips[t] - 1) % m)] for m, k in states])
            new, back[t] = score[src], src
        elif skips[t] < 0:  # a fresh start: any state, from the best of all
            best = np.array([int(np.flatnonzero(meter_idx == i)[np.argmax(score[meter_idx == i])])
                             for i in range(len(meters))])
            cand = np.broadcast_to(score[best][None, :], change.shape)  # (meter entered, meter left)
            c = np.argmax(cand, axis=1)
            new, back[t] = cand[meter_idx, c[meter_idx]], best[c[meter_idx]]
        else:
            new = score[follows]
            cand = score[ends][None, :] - change
            c = np.argmax(cand, axis=1)
            new[starts] = cand[rows, c]
            back[t] = follows
            back[t, starts] = ends[c]
        score = new + heard[t]
    s = int(np.argmax(score))
    pos = np.zeros(n, int)
    meter_of = np.zeros(n, int)
    for t in range(n - 1, -1, -1):
        pos[t], meter_of[t] = states[s][1], states[s][0]
        s = back[t, s]
    return pos, meter_of


def beat_sounds(beats: np.ndarray, fine: np.ndarray, gain: np.ndarray | None = None) -> np.ndarray:
    """The mean fine log spectrum of each beat's sound (beats in hops) (nb, bands): its first 90 ms,
    from where the spectrum's window first reaches it, the rows at either end of the span counted
    for the part of them inside it. Whole rows (9 or 10 of them over the 90 ms span it first had, as
    the 10 ms rows fell against the beat) made a kick metronome's kicks, whose sweep sounds on past
    the span, unlike each other, so it was not read as a click track at 94 of 102 tempos and
    meters, and its kicks were effect cues. With *gain* (:attr:`~.features.Features.gain`, per
    hop) each row is taken back to the file's own level: the working level steps in a slow click
    track's silences, and a kick's accent, 3.5 dB over its clicks, read as a click after a step."""
    if not len(beats) or fine.ndim != 2 or not len(fine):
        return np.zeros((len(beats), fine.shape[1] if fine.ndim == 2 else 0))
    beats = np.asarray(beats, float)
    # only the gain's moves are undone: the level the click thresholds were set on is the gained one,
    # and log10(1 + m) is no log for soft bands, which a whole gain of 25 dB taken off emptied
    moves = gain is not None and len(gain) and float(np.ptp(gain)) > 0
    usual = float(np.median(gain)) if moves else 0.0
    a = (beats - _BEAT_SOUND_S[0] * FPS) / FINE_DECIM  # the span in rows, fractional
    width = sum(_BEAT_SOUND_S) * FPS / FINE_DECIM
    k = int(np.ceil(width)) + 1  # rows a span can touch
    out = np.empty((len(beats), fine.shape[1]))
    for g in range(0, len(beats), 2048):  # a reel's beats a group at a time
        lo = np.floor(a[g : g + 2048]).astype(int)
        rows = lo[:, None] + np.arange(k)[None, :]
        # each row's share of the span: the edge rows in part, so the sound is the same wherever
        # the rows fall against the beat (a whole row more or less at an edge was 10 % of the span)
        w = np.clip(np.minimum(rows + 1, a[g : g + 2048, None] + width) - np.maximum(rows, a[g : g + 2048, None]), 0, 1)
        x = fine[np.clip(rows, 0, len(fine) - 1)].astype(np.float32)
        if moves:  # a log10 band moves FINE_SCALE / 20 a dB where it is loud
            level = gain[np.clip(rows * FINE_DECIM, 0, len(gain) - 1)].astype(np.float32) - usual
            x = np.maximum(x - (FINE_SCALE / 20.0) * level[:, :, None], 0.0)
        out[g : g + 2048] = np.einsum("ij,ijk->ik", w.astype(np.float32), x) / width
    return out


def click_bar(sounds: np.ndarray, meter: int) -> tuple[int, float] | None:
    """Where the bars of a click track (or a loop of one accented beat and alike ones) start.

    A metronome's bar is one beat that sounds unlike the others (the accent: louder, or another
    pitch) and *meter* - 1 beats alike; the accent is the bar line. Music is never this regular:
    its beats differ from bar to bar, and the others of a bar differ among themselves, so its bars
    are left to the music's own evidence (:func:`assign_bars`), which in a click track has nothing
    to go by (no bass, no harmony), and placed the bar line a beat after the accent.

    Parameters
    ----------
    sounds : (nb, bands) array
        :func:`beat_sounds` of the beats.
    meter : int
        Beats a bar, 3 or more (in a bar of 2 each beat is the other's odd one out).

    Returns
    -------
    (int, float) or None
        The index of the first beat that starts a bar and how clearly the accent stands apart (its
        distance from the others over the most any place's beats usually lie from their median), or None
        where the beats do not make such bars.
    """
    nb = len(sounds)
    if meter < 3 or nb < 3 * meter:
        return None
    place = np.arange(nb) % meter
    # medians: an effect on a click, or a missing one, is one odd beat, not another bar; and every
    # place must be one sound (the most any place's beats lie from their median, as a median)
    typical = np.stack([np.median(sounds[place == p], axis=0) for p in range(meter)])
    off = np.linalg.norm(sounds - typical[place], axis=1)
    within = max(float(np.median(off[place == p])) for p in range(meter))
    dist = np.linalg.norm(typical[:, None] - typical[None, :], axis=2)
    least = _CLICK_ACCENT * float(np.median(np.linalg.norm(sounds, axis=1)))  # else no accent at all
    best = None
    for p in range(meter):
        rest = np.delete(np.arange(meter), p)
        apart = float(dist[p, rest].min())
        alike = float(dist[np.ix_(rest, rest)].max())
        if (apart > least and alike <= _CLICK_ALIKE * apart and apart >= _CLICK_APART * within
                and not _mixed_places(sounds, typical, place, p)):
            sep = apart / max(within, 1e-9)
            if best is None or sep > best[1]:
                best = (p, sep)
    return best


def click_pair(sounds: np.ndarray) -> tuple[int, float] | None:
    """Where the bars of a click track in bars of 2 start, as :func:`click_bar` for bars of 3 or more.

    In a bar of 2 neither sound is the rarer, and each is the other's odd one out, so the beats must
    alternate between two sounds each as tight as :func:`click_bar` holds a place (:data:`_CLICK_APART`)
    that are one sound (:data:`_PAIR_LEVEL`, :data:`_PAIR_BANDS`: a drum loop's kick and snare
    alternate as tightly) and hold no third one (:data:`_PAIR_ODD`); the
    accent is the louder of the two, or where they are as loud (:data:`_PAIR_LOUDER`), the higher.
    Left to the music's bar model, a 2/4 click track had every bar line on the click after the accent.
    """
    if len(sounds) < 8:  # four bars
        return None
    place = np.arange(len(sounds)) % 2
    typical = np.stack([np.median(sounds[place == p], axis=0) for p in range(2)])
    off = np.linalg.norm(sounds - typical[place], axis=1)
    within = max(float(np.median(off[place == p])) for p in range(2))
    apart = float(np.linalg.norm(typical[0] - typical[1]))
    if apart <= _CLICK_ACCENT * float(np.median(np.linalg.norm(sounds, axis=1))) or apart < _CLICK_APART * within:
        return None
    if max(float(np.mean(off[place == p] >= 0.5 * apart)) for p in range(2)) > _PAIR_ODD:
        return None  # a third sound in one place: a bar of 4's accents among its beats
    level = typical.sum(axis=1)
    if float(level.min()) < _PAIR_LEVEL * float(level.max()):
        return None
    centre = (typical * np.arange(typical.shape[1])).sum(axis=1) / level
    if abs(float(centre[0] - centre[1])) > _PAIR_BANDS:
        return None
    louder = abs(float(level[0] - level[1])) > _PAIR_LOUDER * float(level.max())
    accent = int(np.argmax(level)) if louder else int(np.argmax(centre))
    return accent, apart / max(within, 1e-9)


def _mixed_places(sounds: np.ndarray, typical: np.ndarray, place: np.ndarray, accent: int) -> bool:
    """Whether the bar's places mix the accent's sound and the clicks': more than
    :data:`_CLICK_MIXED` of the other places' beats sound nearer the accent than their own place, or
    of the accent's place nearer a click. A loop whose two sounds alternate (kick, snare), read in
    bars of 3, has each place half one and half the other; a median then is one of them exactly
    when the loop's hits are sample for sample alike, and the places' spread (a median) is nil."""
    to_accent = np.linalg.norm(sounds - typical[accent], axis=1)
    own = np.linalg.norm(sounds - typical[place], axis=1)
    rest = np.delete(np.arange(len(typical)), accent)
    to_click = np.linalg.norm(sounds[:, None] - typical[rest][None], axis=2).min(axis=1)
    head = place == accent
    return bool(np.mean(to_accent[~head] < own[~head]) > _CLICK_MIXED
                or np.mean(to_click[head] < to_accent[head]) > _CLICK_MIXED)


def _window_medians(x: np.ndarray, k: int, block: int = 512) -> np.ndarray:
    """The median of each run of *k* consecutive rows of *x* (``len(x) - k + 1`` rows), a block of
    runs at a time: taken over a two-hour reel's 14,703 beats at once, the analysis' peak RSS was
    560 MB, against 344 MB this way."""
    n = len(x) - k + 1
    out = np.empty((n, x.shape[1]))
    for a in range(0, n, block):
        b = min(n, a + block)
        out[a:b] = np.median(np.lib.stride_tricks.sliding_window_view(x[a : b + k - 1], k, axis=0), axis=2)
    return out


def click_accents(sounds: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """A click track's two sounds, the accent and the click, read without a meter.

    :func:`click_bar` needs one meter to hold each place of the bar to one sound; a click track
    whose meter changes (a bar of 3 or 2 in a 4/4 cue) mixes accents and clicks in every place
    once the phase has moved by half the track. Here each beat's sound is taken less the median
    of the :data:`_SPLIT_AROUND` beats either side of it (the working level follows a passage's
    loudness, which a click's density changes with the tempo: a kick's accent, the click 3.5 dB
    louder, was no further from the clicks than a click from a click two tempi on), and the beats
    are split into the two sounds nearest them (medians, from each of the few beats furthest from
    the overall median). The split stands where both sounds are as tight against their distance
    as :func:`click_bar` asks of a bar's places (:data:`_CLICK_APART`), the accent is the rarer
    and at least :data:`_CLICK_ACCENT` of a beat's sound away, and accents are three or more beats
    apart as a rule. The benchmark's music at its true beats splits at most 3.3 (133 excerpts),
    metronomes at least 11.9 (tone, wood, tick and kick through tempo steps and bars of 2-5).

    Returns
    -------
    (sounds as split, accent sound, click sound) or None
    """
    nb = len(sounds)
    if nb < 9:
        return None
    w = min(_SPLIT_AROUND, (nb - 1) // 2)
    around = _window_medians(sounds, 2 * w + 1)
    rel = sounds - around[np.clip(np.arange(nb) - w, 0, len(around) - 1)]  # shifted inward at the ends
    med = np.median(rel, axis=0)
    norm = float(np.median(np.linalg.norm(sounds, axis=1)))
    far = np.argsort(-np.linalg.norm(rel - med, axis=1))[:_SPLIT_TRIES]
    def nearer_accent(centres: np.ndarray) -> np.ndarray:  # centres: (click, accent)
        return np.linalg.norm(rel - centres[1], axis=1) < np.linalg.norm(rel - centres[0], axis=1)

    best, best_sep = None, _CLICK_APART
    for i in far:
        centres = np.stack([med, rel[i]])
        for _ in range(_SPLIT_ROUNDS):
            accent = nearer_accent(centres)
            if accent.sum() < 3 or accent.sum() > nb // 2:
                break
            moved = np.stack([np.median(rel[~accent], axis=0), np.median(rel[accent], axis=0)])
            if np.array_equal(moved, centres):
                break
            centres = moved
        accent = nearer_accent(centres)
        if accent.sum() < 3 or accent.sum() > nb // 2 or not _barred(np.diff(np.flatnonzero(accent))):
            continue
        apart = float(np.linalg.norm(centres[1] - centres[0]))
        within = max(float(np.median(np.linalg.norm(rel[accent] - centres[1], axis=1))),
                     float(np.median(np.linalg.norm(rel[~accent] - centres[0], axis=1))))
        sep = apart / max(within, 1e-9)
        if apart > _CLICK_ACCENT * norm and sep >= best_sep:
            best, best_sep = (rel, centres[1], centres[0]), sep
    return best


def _barred(gaps: np.ndarray) -> bool:
    """Whether accents *gaps* beats apart make bars: three beats or more apart as a rule, and one
    bar length (a meter's change aside) the gap of two of them and half of them at least. Effects over a noise bed,
    louder than the noise at the beats the tracker put over it, split from it as an accent from its
    clicks, at chance gaps."""
    if not len(gaps) or np.median(gaps) < 3:
        return False
    return int(np.bincount(gaps).max()) >= max(2.0, _BAR_SHARE * len(gaps))


def click_bars(sounds: np.ndarray, meter: int | None = None, starts: np.ndarray | None = None
               ) -> tuple[np.ndarray, np.ndarray] | None:
    """Bar numbers and beats in the bar of a click track, or None.

    A bar starts on every accent (:func:`click_accents`; else the accents of the meter of 3-7
    whose bars are a click track's, :func:`click_bar`, the clearest if several are; else the louder
    of two alternating sounds, :func:`click_pair`). A forced
    *meter* keeps its length, its bars starting on the first accent; *starts* (beats a user says
    start a bar) move them as in :func:`assign_bars`.
    """
    two = click_accents(sounds)
    if two is not None:
        sounds, accent_sound, click_sound = two
        m = meter or 4
    else:  # one meter's place medians
        found = [(m, r) for m in METERS if (r := click_bar(sounds, m)) is not None]
        if not found and meter in (None, 2) and (pair := click_pair(sounds)) is not None:
            found = [(2, pair)]
        if not found:
            return None
        m, (p, _) = max(found, key=lambda x: x[1][1])
        place = (np.arange(len(sounds)) - p) % m
        typical = np.stack([np.median(sounds[place == q], axis=0) for q in range(m)])
        accent_sound, click_sound = typical[0], typical[1:]
    pos = _accent_positions(sounds, accent_sound, np.atleast_2d(click_sound), m)
    if meter:
        heads = np.flatnonzero(pos == 0)
        pos = (np.arange(len(sounds)) - (heads[0] if len(heads) else 0)) % meter
    pos = anchor_bars(pos, starts)
    return _number(pos), pos + 1


def _accent_positions(sounds: np.ndarray, accent_sound: np.ndarray, click_sounds: np.ndarray,
                      meter: int) -> np.ndarray:
    """Each beat's position in its bar, a bar starting on each beat that sounds like the accent.

    A beat nearer *accent_sound* than any of *click_sounds*, by at least half the distance between
    them, starts a bar; a beat near neither (an effect on a click, a click missing) and a beat right
    after an accent go on in the bar before's length (*meter* before the second accent).
    """
    nb = len(sounds)
    to_accent = np.linalg.norm(sounds - accent_sound, axis=1)
    to_click = np.linalg.norm(sounds[:, None] - click_sounds[None], axis=2).min(axis=1)
    apart = float(np.linalg.norm(click_sounds - accent_sound, axis=1).min())
    accent = to_accent + 0.5 * apart < to_click
    click = to_click + 0.5 * apart < to_accent
    pos = np.empty(nb, int)
    length, k = meter, -1  # beats since the last bar line (-1: none yet)
    for i in range(nb):
        if k >= 1 and accent[i]:
            length, k = k + 1, 0
        elif k < 0:
            k = 0 if accent[i] else -1
        elif not click[i] and k + 1 == length:
            k = 0  # an odd beat where the bar before says the bar line falls
        else:
            k += 1
        pos[i] = k
    heads = np.flatnonzero(pos == 0)
    if not len(heads):
        return np.arange(nb) % meter
    lead = np.arange(heads[0])  # a pickup before the first accent, in the first bar's length
    first_len = int(heads[1] - heads[0]) if len(heads) > 1 else meter
    pos[lead] = (lead - heads[0]) % first_len
    return pos


def _number(pos: np.ndarray, skipped: np.ndarray | None = None) -> np.ndarray:
    """Bar numbers from positions: a new bar at each position 0 (and at each of *skipped*'s bar
    lines, those of beats left out); a pickup is bar 1."""
    bars = np.cumsum((pos == 0) + (0 if skipped is None else skipped))
    if len(pos) and pos[0] != 0:
        bars = bars + 1
    return np.maximum(bars, 1)
