"""Standard MIDI File for composers and sound designers: a tempo map on the music, markers, hits.

Writing (format 1, text in UTF-8):

* **Track 1, conductor.** One grid beat (a quarter note) per detected beat, so a DAW's bar lines fall
  on the music. Tempo events sit on beats; a steady stretch shares one event as long as every beat
  of it stays within :data:`TOLERANCE` (0.5 ms) of the detected beat. Tempos are whole microseconds
  per quarter, so the error does not accumulate: each stretch is fitted to the absolute beat times.
  Time signatures ``N/4`` follow the detected bars (N = the beats of each bar; note that some
  readers, pretty_midi among them, count 6/4, 9/4 and 12/4 in dotted halves). Music before the
  first beat becomes a *pre-roll* bar of its own, timed so that the first beat lands exactly: whole
  beats when the gap is long, a single eighth, sixteenth... (a ``1/8``, ``1/16`` bar) when it is
  short, so that its tempo stays within a factor 1.5 of the music's instead of thousands of BPM that
  a DAW would clamp. The DAW's bar numbers then run one (or more) ahead of the sheet's, which is why
  every bar also gets a marker ``Bar N``, exactly on its bar line. Markers (FF 06) mark bars,
  sections and music stops, cue points (FF 07) sound-effect hits, each named
  ``LABEL - frame N - TIMECODE`` and placed at the cue's own time (not its frame's start).
* **SMPTE offset** (FF 54) from the sheet's start timecode. MIDI can state 24, 25, 29.97 drop-frame
  and 30 fps. 23.976 is written with the 24 fps code and 29.97 non-drop with the 30 fps code: the
  HH:MM:SS:FF digits are right, and a DAW session set to 23.976 / 29.97 reads them as such (the usual
  convention of Pro Tools and Logic). 48, 50, 60 (and 47.952, 59.94) are written at half rate with
  the odd frame in sub-frames (50 of 100). Other rates get no SMPTE offset; the markers still carry
  the timecode. Each of these cases prints a one-line warning when a start timecode was asked for.
* **Track 2, notes on channel 10** (General MIDI drums) so the timing shows in a piano roll:
  downbeats :data:`NOTES` ``["downbeat"]`` (36, kick), other beats 42 (closed hi-hat), onsets 39
  (clap), sound-effect cues 49 (crash), stops/sections 56 (cowbell); velocity from strength.

PPQ is 960, raised in steps of 960 for slow tempos so that a mark between beats is within 0.25 ms.

Reading turns any MIDI file's tempo map, time signatures, markers and cue points into an
:class:`~syncsheet.model.Analysis` (beats at the times the tempo map implies, bar/beat from the
time signatures; note attacks become onsets), so ``syncsheet sheet --from-midi`` makes the same
outputs as ``analyze``. A file written by syncsheet reads back to its own bars (its pre-roll is
recognised by the ``syncsheet grid:`` text event at tick 0).
"""

from __future__ import annotations

import bisect
import io
import re
import sys
from collections.abc import Callable
from fractions import Fraction
from typing import TYPE_CHECKING, BinaryIO

from ..errors import FormatError, TimecodeError
from ..model import Analysis, Beat, Cue, Onset, TempoMap
from ..timebase import MAX_SCORE_S
from ..wording import counted
from . import _marks
from ._tempogrid import MAX_TEMPO, TOLERANCE, TempoGrid, build_grid

if TYPE_CHECKING:  # mido loads where it is used: a command that writes no MIDI need not load it
    import mido

__all__ = ["NAME", "SUFFIXES", "DESCRIPTION", "NOTES", "TOLERANCE", "MAX_TEMPO", "TempoGrid", "build_grid",
           "smpte_offset", "smpte_start", "write", "read"]

NAME = "midi"
SUFFIXES = (".mid", ".midi", ".smf")
DESCRIPTION = "Standard MIDI File: tempo map on the music, markers, cue points, beat notes"

#: General MIDI drum notes (channel 10) for each kind of event.
NOTES = {"downbeat": 36, "beat": 42, "onset": 39, "sfx": 49, "structure": 56}
_CHANNEL = 9  # channel 10, counted from 1
_MAX_BEATS = 500_000  # more implied beats than this is not a score (24 h at 340 BPM)
_GRID_TEXT = re.compile(r"syncsheet grid: pre-roll (\d+) beats?, first beat (\d+):(\d+), (\d+) beats?")


# -- writing ---------------------------------------------------------------------------------------


def smpte_offset(sheet) -> tuple[mido.MetaMessage | None, str | None]:
    """The FF 54 message for the sheet's start timecode, and a note when MIDI cannot state the rate.

    Returns
    -------
    (MetaMessage or None, str or None)
    """
    import mido

    fps = sheet.fps
    rate, name = fps.rate, fps.name
    if not sheet.has_timecode:
        return None, f"MIDI has no SMPTE code for {name} fps: no SMPTE offset written (markers carry the frame)"
    tc = sheet.timecode(0)
    hh, mm, ss, ff = (int(x) for x in re.split(r"[:;]", tc))
    code: float | None
    sub, note = 0, None
    if rate in (24, 25, 30):
        code = int(rate)
    elif rate == Fraction(30000, 1001) and fps.drop_frame:
        code = 29.97
    elif rate in (Fraction(24000, 1001), Fraction(30000, 1001)):
        code = fps.nominal
        note = (f"MIDI has no {name} fps code: SMPTE offset {tc} written with the {code} fps code; "
                f"set the DAW session to {name} fps to read it as {name} timecode")
    elif fps.nominal in (48, 50, 60):
        code = 29.97 if fps.drop_frame else fps.nominal // 2
        ff, sub = divmod(ff, 2)
        sub *= 50
        note = (f"MIDI has no {name} fps code: SMPTE offset {tc} written at {code} fps "
                f"(frame {ff}, sub-frame {sub}); set the DAW session to {name} fps")
    else:
        return None, f"MIDI has no SMPTE code for {name} fps: no SMPTE offset written (markers carry the timecode)"
    msg = mido.MetaMessage("smpte_offset", frame_rate=code, hours=hh, minutes=mm, seconds=ss, frames=ff,
                           sub_frames=sub, time=0)
    return msg, note


def _stderr_warning(message: str) -> None:
    print(f"syncsheet: warning: {message}", file=sys.stderr)


def write(sheet, stream: BinaryIO, *, include=None, notes: bool = True,
          warn: Callable[[str], None] | None = None, **_options) -> None:
    """Write the sheet as a format-1 Standard MIDI File.

    Parameters
    ----------
    sheet : ExposureSheet
    stream : binary stream
    include : str or sequence, optional
        Marks to write as markers/cue points: ``cues``, ``bars``, ``beats``, ``onsets``
        (default ``cues,bars``).
    notes : bool
        Write the note track (channel 10).
    warn : callable(str), optional
        Receives a one-line note when the SMPTE offset cannot state the frame rate exactly
        (default: print it to stderr).
    """
    import mido

    warn = warn or _stderr_warning
    a = sheet.analysis
    grid = build_grid(a.beats)
    ppq = grid.ppq
    conductor: list[tuple[int, int, mido.MetaMessage]] = []  # (tick, order, message)

    def meta(tick: int, order: int, kind: str, **fields) -> None:
        conductor.append((tick, order, mido.MetaMessage(kind, **fields)))

    meta(0, 0, "track_name", name="syncsheet tempo map")
    smpte, note = smpte_offset(sheet)
    if smpte is not None:
        conductor.append((0, 1, smpte))
    if note and sheet.options.start_timecode:
        warn(note)
    first = a.beats[0] if a.beats else None
    meta(0, 2, "text", text=f"syncsheet grid: pre-roll {counted(grid.preroll, 'beat')}, first beat "
                            f"{first.bar if first else 1}:{first.beat if first else 1}, {len(a.beats)} beats")
    meta(0, 2, "text", text=f"{a.source or 'audio'} at {sheet.fps.name} fps, frame {sheet.number(0)} = "
                            f"{_marks.timecode_or_dash(sheet, 0)}" + (f"; {note}" if note else ""))
    last_num = None
    for pos, num, den in grid.bars:
        if (num, den) != last_num:
            meta(int(pos * ppq), 3, "time_signature", numerator=num, denominator=den,
                 clocks_per_click=24 * 4 // den or 1, notated_32nd_notes_per_beat=8)
            last_num = (num, den)
    for pos, tempo in grid.tempos:
        meta(int(pos * ppq), 4, "set_tempo", tempo=tempo)
    if grid.preroll:
        meta(0, 5, "marker", text="Pre-roll (before the first beat)")
    on_grid = grid.beat_ticks()
    for m in _marks.marks(sheet, _marks.parse_include(include)):
        tick = on_grid.get(m.time, grid.tick_of(m.time)) if m.kind in ("bar", "beat") else grid.tick_of(m.time)
        meta(tick, 6, "cue_marker" if m.is_sfx else "marker", text=_marks.name_of(sheet, m))
    # the file ends with the audio, and never on the last grid beat (a reader would count one beat more)
    end_tick = max(grid.tick_of(a.duration), grid.beat_tick(len(grid.targets) - 1) + 1, max(e[0] for e in conductor))
    mid = mido.MidiFile(type=1, ticks_per_beat=ppq, charset="utf-8")
    mid.tracks.append(_track(conductor, end_tick))
    if notes:
        mid.tracks.append(_track(_note_events(sheet, grid), end_tick, "syncsheet beats and hits"))
    buffer = io.BytesIO()
    mid.save(file=buffer)
    stream.write(buffer.getvalue())


def _note_events(sheet, grid: TempoGrid) -> list[tuple[int, int, mido.Message]]:
    """Note on/off pairs on channel 10 for beats, onsets and cues."""
    import mido

    a, ppq = sheet.analysis, grid.ppq
    hits: list[tuple[int, int, float]] = []  # (tick, note, strength)
    on_grid = grid.beat_ticks()
    for b in a.beats:  # beats exactly on the grid's beats (each within 0.5 ms of the detected time)
        hits.append((on_grid.get(b.time, grid.tick_of(b.time)), NOTES["downbeat" if b.is_downbeat else "beat"],
                     b.strength))
    for o in a.onsets:
        hits.append((grid.tick_of(o.time), NOTES["onset"], o.strength))
    for c in a.cues:
        hits.append((grid.tick_of(c.time), NOTES["sfx" if c.kind in _marks.SFX_KINDS else "structure"], c.strength))
    hits.sort()
    next_on: dict[int, int] = {}
    events: list[tuple[int, int, mido.Message]] = []
    for tick, note, strength in reversed(hits):
        if next_on.get(note) == tick:
            continue  # the same note twice on one tick: keep one
        length = max(1, min(ppq // 8, next_on.get(note, tick + ppq) - tick))
        velocity = min(127, max(1, 1 + round(max(0.0, min(1.0, strength)) * 126)))
        events.append((tick, 1, mido.Message("note_on", channel=_CHANNEL, note=note, velocity=velocity)))
        events.append((tick + length, 0, mido.Message("note_off", channel=_CHANNEL, note=note, velocity=0)))
        next_on[note] = tick
    return events


def _track(events: list[tuple[int, int, object]], end_tick: int, name: str | None = None) -> mido.MidiTrack:
    """A track from (absolute tick, order, message), with delta times and an end of track."""
    import mido

    track = mido.MidiTrack()
    if name:
        track.append(mido.MetaMessage("track_name", name=name, time=0))
    now = 0
    for tick, _, msg in sorted(events, key=lambda e: (e[0], e[1])):
        track.append(msg.copy(time=tick - now))
        now = tick
    track.append(mido.MetaMessage("end_of_track", time=max(0, end_tick - now)))
    return track


# -- reading ---------------------------------------------------------------------------------------


class _Timeline:
    """Tick -> seconds through a file's tempo map, exactly."""

    def __init__(self, ppq: int, changes: list[tuple[int, int]]) -> None:
        self.ppq = ppq
        self.ticks = [t for t, _ in changes]  # sorted, the first at tick 0
        self.tempos = [us for _, us in changes]
        self.at: list[Fraction] = [Fraction(0)]  # µs at each change
        for k in range(1, len(changes)):
            self.at.append(self.at[-1] + Fraction((self.ticks[k] - self.ticks[k - 1]) * self.tempos[k - 1], ppq))

    def seconds(self, tick: int | Fraction) -> float:
        k = max(0, bisect.bisect_right(self.ticks, tick) - 1)
        return float((self.at[k] + Fraction((tick - self.ticks[k]) * self.tempos[k], self.ppq)) / 1_000_000)


def _load(stream: BinaryIO) -> mido.MidiFile:
    import mido

    data = stream.read()
    if not data:
        raise FormatError("not a MIDI file: the file is empty")
    if not data.startswith(b"MThd"):
        raise FormatError(f"not a MIDI file: it starts with {data[:4]!r}, not the 'MThd' header")
    try:
        mid = mido.MidiFile(file=io.BytesIO(data), charset="latin1")
    except EOFError:
        raise FormatError("MIDI file is truncated: it ends in the middle of a track") from None
    except Exception as exc:  # mido raises many kinds (KeySignatureError...) on bad bytes
        raise FormatError(f"MIDI file is malformed: {exc or type(exc).__name__}") from None
    if not mid.tracks:
        raise FormatError("MIDI file has no tracks")
    if not 0 < mid.ticks_per_beat < 0x8000:
        raise FormatError(f"MIDI file uses SMPTE time division ({mid.ticks_per_beat:#06x}); "
                          "only ticks per quarter note (PPQ) files can be read")
    return mid


def _text(raw: str) -> str:
    """Meta text was decoded as Latin-1; it is UTF-8 when it decodes as such."""
    try:
        return raw.encode("latin1").decode("utf-8").strip()
    except (UnicodeDecodeError, UnicodeEncodeError):
        return raw.strip()


def _absolute(mid: mido.MidiFile) -> tuple[list[tuple[int, int, object]], int]:
    """All messages of all tracks as (tick, track, message), and the last tick of the file."""
    events, end = [], 0
    for n, track in enumerate(mid.tracks):
        tick = 0
        for msg in track:
            tick += msg.time
            events.append((tick, n, msg))
        end = max(end, tick)
    events.sort(key=lambda e: (e[0], e[1]))
    return events, end


def read(stream: BinaryIO, **_options) -> Analysis:
    """Read a Standard MIDI File's timing into an Analysis.

    Beats are the beats of the time signatures (a ``6/8`` bar has six eighth-note beats) at the
    times the tempo map implies; a time signature change starts a new bar, as in a DAW. Markers
    become ``section``/``stop``/... cues and cue points sound-effect cues (``hit`` unless the
    label names a kind); note attacks become onsets.

    Raises
    ------
    FormatError
        For a file that is not MIDI, is truncated or malformed, or states impossible timing.
    """
    mid = _load(stream)
    ppq = mid.ticks_per_beat
    events, end = _absolute(mid)
    tempos: dict[int, int] = {0: 500_000}
    sigs: dict[int, tuple[int, int]] = {0: (4, 4)}
    grid_text = None
    for tick, _, msg in events:
        if msg.type == "set_tempo":
            if msg.tempo <= 0:
                raise FormatError(f"MIDI tempo of {msg.tempo} µs per quarter at tick {tick} is impossible")
            tempos[tick] = msg.tempo
        elif msg.type == "time_signature":
            if msg.numerator < 1 or msg.denominator > 64:
                raise FormatError(f"MIDI time signature {msg.numerator}/{msg.denominator} at tick {tick} is impossible "
                                  "(need a numerator of 1 or more and a denominator up to 64)")
            sigs[tick] = (msg.numerator, msg.denominator)
        elif msg.type == "text" and tick == 0 and grid_text is None:
            grid_text = _GRID_TEXT.search(_text(msg.text))
    timeline = _Timeline(ppq, sorted(tempos.items()))
    duration = timeline.seconds(end)
    if duration > MAX_SCORE_S:  # checked before the beats are listed, not only by read_file after
        raise FormatError(f"MIDI file lasts {duration / 3600:.1f} hours by its tempo map; over 24 h is not a score")
    beats = _beats(timeline, sorted(sigs.items()), end, grid_text)
    ours = grid_text is not None
    cues, onsets = [], {}
    for tick, _, msg in events:
        t = timeline.seconds(tick)
        if msg.type in ("marker", "cue_marker"):
            label = _marks.split_name(_text(msg.text))
            kind = _marks.kind_of_label(label, "hit" if msg.type == "cue_marker" else "section")
            if kind in ("bar", "beat", "onset") or (ours and label.startswith("Pre-roll")):
                continue  # bars and beats come from the grid itself
            cues.append(Cue(t, kind, label))
        elif msg.type == "note_on" and msg.velocity > 0 and (not ours or msg.note == NOTES["onset"]):
            onsets[tick] = max(onsets.get(tick, 0.0), msg.velocity / 127)
    if ours:
        beats = _strengths(beats, [(timeline.seconds(t), m.velocity / 127) for t, _, m in events
                                   if m.type == "note_on" and m.velocity > 0
                                   and m.note in (NOTES["downbeat"], NOTES["beat"])])
    return Analysis(
        duration,
        beats=beats,
        onsets=tuple(Onset(timeline.seconds(k), v) for k, v in sorted(onsets.items())),
        cues=tuple(cues),
        tempo=TempoMap.from_beats(beats),
    )


def _strengths(beats: list[Beat], notes: list[tuple[float, float]]) -> list[Beat]:
    """Beat strengths back from the velocities of our beat notes (each within 2 ms of its beat)."""
    times = [t for t, _ in notes]
    out = []
    for b in beats:
        k = bisect.bisect_left(times, b.time - 0.002)
        if k < len(times) and abs(times[k] - b.time) <= 0.002:
            b = Beat(b.time, b.bar, b.beat, round(notes[k][1], 3))
        out.append(b)
    return out


def _beats(timeline: _Timeline, sigs: list[tuple[int, tuple[int, int]]], end: int, grid_text) -> list[Beat]:
    """Beats of the time signatures up to the end of the file, with bar and beat numbers."""
    ticks: list[tuple[Fraction, int, int]] = []  # (tick, bar index from 0, beat index from 0)
    bar = 0
    for k, (start, (num, den)) in enumerate(sigs):
        stop = sigs[k + 1][0] if k + 1 < len(sigs) else max(end, start + 1)
        step = Fraction(timeline.ppq * 4, den)
        if (stop - start) / step > _MAX_BEATS or len(ticks) > _MAX_BEATS:
            raise FormatError(f"MIDI file implies more than {_MAX_BEATS:,} beats; it is not a score")
        tick, beat = Fraction(start), 0
        while tick < stop:
            ticks.append((tick, bar, beat))
            tick += step
            beat += 1
            if beat == num:
                bar, beat = bar + 1, 0
        if beat:  # a signature change mid-bar starts a new bar
            bar += 1
    skip, first_bar, first_beat, count = 0, 1, 1, len(ticks)
    if grid_text:  # a file of ours: drop its pre-roll, and the grid after the last detected beat
        skip, first_bar, first_beat, count = (int(g) for g in grid_text.groups())
        skip = min(skip, len(ticks))
    out: list[Beat] = []
    base_bar = ticks[skip][1] if skip < len(ticks) else 0
    for tick, b, n in ticks[skip:skip + count]:
        bar_no = first_bar + b - base_bar
        beat_no = n + 1 + (first_beat - 1 if b == base_bar else 0)
        out.append(Beat(timeline.seconds(tick), bar_no, beat_no))
    return out


def smpte_start(stream: BinaryIO, fps=None) -> str | None:
    """The SMPTE offset of a MIDI file as ``HH:MM:SS:FF`` (``;`` for 29.97 drop-frame), or None.

    Parameters
    ----------
    fps : FrameRate, optional
        When given, the offset is returned only if the file's SMPTE rate is this rate's timecode
        (24 for 24 and 23.976, 25, 30 for 30 and 29.97 non-drop, 29.97 drop for 29.97df): the digits
        of a 25 fps offset mean nothing at 24 fps.
    """
    mid = _load(stream)
    for tick, _, msg in _absolute(mid)[0]:
        if tick == 0 and msg.type == "smpte_offset":
            drop = msg.frame_rate == 29.97
            if fps is not None:
                try:
                    same = (fps.nominal == round(msg.frame_rate + 0.1)) and (fps.drop_frame == drop)
                except TimecodeError:
                    same = False
                if not same:
                    return None
            sep = ";" if drop else ":"
            return f"{msg.hours:02d}:{msg.minutes:02d}:{msg.seconds:02d}{sep}{msg.frames:02d}"
    return None


def add_arguments(group) -> None:
    """MIDI options for the CLI."""
    _marks.include_argument(group, NAME)
    group.add_argument("--midi-no-notes", action="store_true", help="leave out the note track (channel 10)")


def options_from(args) -> dict:
    """write() options from parsed CLI arguments."""
    return {"include": getattr(args, "midi_include", None), "notes": not getattr(args, "midi_no_notes", False)}
