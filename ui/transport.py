"""Playback and scrubbing: a QMediaPlayer for playing, a QAudioSink for one frame's slice of sound.

QMediaPlayer reports its position only about every 100 ms, four video frames at 24 fps. The
playhead is therefore interpolated with a monotonic clock (QElapsedTimer): each report anchors
``(position, clock)`` and, between reports, the position is the anchor plus the time elapsed.
The shown position never steps backwards by a few ms at a resync (that reads as jitter); a
real jump (a seek, a stall) is followed at once.

With no audio output (a server, CI, offscreen tests) nothing fails: playback runs silent on the
same clock so the playhead still moves in time, and :attr:`Transport.note` says why it is silent.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PyQt6.QtCore import QBuffer, QByteArray, QElapsedTimer, QIODevice, QObject, QTimer, QUrl, pyqtSignal

from syncsheet import timebase as tb
from syncsheet.errors import SyncsheetError
from syncsheet.waveform import read_span

__all__ = ["Transport", "has_audio_output"]

#: Resyncs that would move the playhead back by less than this are absorbed (seconds).
JITTER = 0.12
#: Redraw rate of the moving playhead while playing (ms).
TICK_MS = 16


def has_audio_output() -> bool:
    """True when Qt sees at least one audio output device."""
    try:
        from PyQt6.QtMultimedia import QMediaDevices

        return bool(QMediaDevices.audioOutputs())
    except ImportError:
        return False


class Transport(QObject):
    """Play, pause, seek and scrub one audio file.

    Parameters
    ----------
    clock : callable returning milliseconds, optional
        A monotonic clock; tests pass a fake one. Default: a QElapsedTimer.
    audio : bool or None
        Use the sound device: True/False to force, None to use one when present.

    Signals
    -------
    positionChanged(seconds)
        The (interpolated) playhead, at most every :data:`TICK_MS` while playing, and on seeks.
    playingChanged(bool)
    note(str)
        Something the status bar should say (no audio device, a playback error).
    """

    positionChanged = pyqtSignal(float)
    playingChanged = pyqtSignal(bool)
    note = pyqtSignal(str)

    def __init__(self, parent: QObject | None = None, *, clock: Callable[[], float] | None = None,
                 audio: bool | None = None) -> None:
        super().__init__(parent)
        if clock is None:
            timer = QElapsedTimer()
            timer.start()
            clock = timer.elapsed
            self._timer = timer  # keep it alive
        self._clock = clock
        self._audio = has_audio_output() if audio is None else audio
        self._player = None
        self._output = None
        self._sink = None
        self._sink_buffer: QBuffer | None = None
        self.path: str | None = None
        self.without: tuple[int, ...] = ()  # channels a scrub leaves out: a timecode's buzz
        self.duration = 0.0
        self.sample_rate = 0
        self.playing = False
        self._anchor_pos = 0.0
        self._anchor_clock = 0.0
        self._shown = 0.0
        self._tick = QTimer(self)
        self._tick.setInterval(TICK_MS)
        self._tick.timeout.connect(self._on_tick)
        self.silent_reason = "" if self._audio else \
            "no audio output device: playback is silent, the playhead still runs"

    # -- media -------------------------------------------------------------------------
    def load(self, path: str | None, duration: float, sample_rate: int, *, without: tuple[int, ...] = ()) -> None:
        """Point the transport at an audio file (None: no audio, e.g. a project whose audio is missing);
        a scrub leaves out channels *without* (the file's timecode), playback plays the file as it is."""
        self.stop()
        self.path, self.duration, self.sample_rate = path, float(duration), int(sample_rate)
        self.without = tuple(without)
        self._anchor_pos = self._shown = 0.0
        if path and self._audio:
            self._ensure_player()
            if self._player is not None:
                self._player.setSource(QUrl.fromLocalFile(path))
        if self.silent_reason and path:
            self.note.emit(self.silent_reason)

    def _ensure_player(self) -> None:
        if self._player is not None:
            return
        try:
            from PyQt6.QtMultimedia import QAudioOutput, QMediaPlayer
        except ImportError:
            self._audio = False
            self.silent_reason = "QtMultimedia is not available: playback is silent"
            return
        self._player = QMediaPlayer(self)
        self._output = QAudioOutput(self)
        self._player.setAudioOutput(self._output)
        self._player.positionChanged.connect(self._on_player_position)
        self._player.errorOccurred.connect(self._on_player_error)

    def _on_player_error(self, _error, message: str) -> None:
        self.silent_reason = f"playback error ({message or 'unknown'}): playing silent"
        self.note.emit(self.silent_reason)
        self._audio = False

    # -- clock -------------------------------------------------------------------------
    def _now(self) -> float:
        return float(self._clock()) / 1000.0

    def position(self) -> float:
        """The playhead in seconds: exact when stopped, interpolated while playing."""
        if not self.playing:
            return self._anchor_pos
        pos = self._anchor_pos + (self._now() - self._anchor_clock)
        return min(max(pos, 0.0), self.duration)

    def _on_player_position(self, ms: int) -> None:
        """A position report from the player: resync the interpolation."""
        if not self.playing:
            return
        self._anchor_pos, self._anchor_clock = ms / 1000.0, self._now()

    def _on_tick(self) -> None:
        pos = self.position()
        if self._shown - JITTER < pos < self._shown:
            pos = self._shown  # a resync a hair behind the interpolation: hold, don't step back
        self._shown = pos
        self.positionChanged.emit(pos)
        if pos >= self.duration > 0:
            self.pause()

    # -- control -----------------------------------------------------------------------
    def play(self) -> None:
        if self.playing or self.duration <= 0:
            return
        if self._anchor_pos >= self.duration:
            self._anchor_pos = 0.0
        self.playing = True
        self._anchor_clock = self._now()
        self._shown = self._anchor_pos
        if self._player is not None and self._audio:
            self._player.setPosition(int(round(self._anchor_pos * 1000)))
            self._player.play()
        self._tick.start()
        self.playingChanged.emit(True)

    def pause(self) -> None:
        if not self.playing:
            return
        pos = self.position()
        self.playing = False
        self._tick.stop()
        if self._player is not None:
            self._player.pause()
        self._anchor_pos = self._shown = pos
        self.positionChanged.emit(pos)
        self.playingChanged.emit(False)

    def stop(self) -> None:
        self.pause()
        if self._player is not None:
            self._player.stop()

    def toggle(self) -> None:
        self.pause() if self.playing else self.play()

    def seek(self, seconds: float) -> None:
        """Move the playhead (and the player) to *seconds*."""
        pos = min(max(float(seconds), 0.0), self.duration)
        self._anchor_pos, self._anchor_clock, self._shown = pos, self._now(), pos
        if self._player is not None and self._audio:
            self._player.setPosition(int(round(pos * 1000)))
        self.positionChanged.emit(pos)

    # -- scrubbing ---------------------------------------------------------------------
    def frame_slice(self, frame: int, fps: tb.FrameRate) -> np.ndarray:
        """The samples of one film frame (exact sample bounds from the time base)."""
        if not self.path or not self.sample_rate:
            return np.zeros(0, np.float32)
        a = tb.first_sample(frame, self.sample_rate, fps)
        b = tb.first_sample(frame + 1, self.sample_rate, fps)
        try:
            return read_span(self.path, a, b, without=self.without)
        except SyncsheetError as exc:
            self.note.emit(str(exc))
            return np.zeros(0, np.float32)

    def scrub(self, frame: int, fps: tb.FrameRate) -> bool:
        """Play one frame's slice of sound, as a scrub. Returns True if it went to a device."""
        samples = self.frame_slice(frame, fps)
        if not samples.size or not self._audio or self.playing:
            return False
        try:
            return self._play_slice(samples)
        except Exception as exc:  # a device that goes away mid-session must not take the window with it
            self._audio = False
            self.silent_reason = f"audio output failed ({exc}): scrubbing is silent"
            self.note.emit(self.silent_reason)
            return False

    def _play_slice(self, samples: np.ndarray) -> bool:
        from PyQt6.QtMultimedia import QAudioFormat, QAudioSink, QMediaDevices

        device = QMediaDevices.defaultAudioOutput()
        if device.isNull():
            return False
        fmt = QAudioFormat()
        fmt.setSampleRate(self.sample_rate)
        fmt.setChannelCount(1)
        fmt.setSampleFormat(QAudioFormat.SampleFormat.Int16)
        if not device.isFormatSupported(fmt):
            fmt = device.preferredFormat()
        data = _encode(samples, self.sample_rate, fmt)
        if data is None:
            return False
        if self._sink is None or self._sink.format() != fmt:
            if self._sink is not None:
                self._sink.stop()
            self._sink = QAudioSink(device, fmt, self)
        self._sink.stop()
        self._sink_buffer = QBuffer(self)
        self._sink_buffer.setData(QByteArray(data))
        self._sink_buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self._sink.start(self._sink_buffer)
        return True


def _encode(samples: np.ndarray, sr: int, fmt) -> bytes | None:
    """Samples as the bytes a sink in *fmt* expects (resampled, channels copied, short fades)."""
    from PyQt6.QtMultimedia import QAudioFormat

    y = np.asarray(samples, np.float32)
    if fmt.sampleRate() != sr and y.size > 1:
        n = max(1, int(round(y.size * fmt.sampleRate() / sr)))
        y = np.interp(np.linspace(0, y.size - 1, n), np.arange(y.size), y).astype(np.float32)
    fade = min(y.size // 4, max(1, fmt.sampleRate() // 500))  # 2 ms ramps: no click at the cut
    if fade:
        ramp = np.linspace(0.0, 1.0, fade, dtype=np.float32)
        y = y.copy()
        y[:fade] *= ramp
        y[-fade:] *= ramp[::-1]
    y = np.repeat(y[:, None], max(1, fmt.channelCount()), axis=1)
    kind = fmt.sampleFormat()
    if kind == QAudioFormat.SampleFormat.Int16:
        return (np.clip(y, -1, 1) * 32767).astype("<i2").tobytes()
    if kind == QAudioFormat.SampleFormat.Int32:
        return (np.clip(y, -1, 1) * 2147483647).astype("<i4").tobytes()
    if kind == QAudioFormat.SampleFormat.Float:
        return y.astype("<f4").tobytes()
    if kind == QAudioFormat.SampleFormat.UInt8:
        return ((np.clip(y, -1, 1) * 127) + 128).astype(np.uint8).tobytes()
    return None
