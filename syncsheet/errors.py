"""The one error root of syncsheet and the situations it names.

Every error a user can cause is a :class:`SyncsheetError`; its message names the bad value
and, where it helps, what would be valid. The CLI prints ``syncsheet: error: <message>`` on
one line and exits non-zero; the UI shows the message in a dialog.
"""

from __future__ import annotations

__all__ = [
    "SyncsheetError",
    "FrameRateError",
    "TimecodeError",
    "AudioError",
    "AudioNotFoundError",
    "AudioDecodeError",
    "AudioTruncatedError",
    "EmptyAudioError",
    "AnalysisError",
    "Cancelled",
    "UnknownFormatError",
    "FormatError",
    "OutputError",
    "ProjectError",
    "ClusterError",
]


class SyncsheetError(Exception):
    """Root of every error syncsheet raises on purpose."""


class FrameRateError(SyncsheetError, ValueError):
    """A frame rate that does not exist or cannot be parsed."""


class TimecodeError(SyncsheetError, ValueError):
    """A timecode, frame number or footage that cannot exist at the given rate."""


class AudioError(SyncsheetError):
    """Any problem reading an audio file."""


class AudioNotFoundError(AudioError, FileNotFoundError):
    """The audio path does not exist."""


class AudioDecodeError(AudioError):
    """The file exists but is not audio that can be decoded."""


class AudioTruncatedError(AudioDecodeError):
    """The file's header promises more audio than the file holds."""


class EmptyAudioError(AudioError):
    """The file decodes to zero samples."""


class AnalysisError(SyncsheetError):
    """Analysis parameters that make no sense (a BPM range upside down, a meter of 0...)."""


class Cancelled(SyncsheetError):
    """A long job was cancelled through its progress callback."""


class UnknownFormatError(SyncsheetError, KeyError):
    """No exporter or importer is registered for a name or file suffix."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class FormatError(SyncsheetError, ValueError):
    """A file in a known format (MIDI, XDTS, labels, JSON...) is malformed."""


class OutputError(SyncsheetError, OSError):
    """An output file could not be written (folder missing or read-only, disk full...)."""


class ProjectError(SyncsheetError):
    """A project file that cannot be read, or one from a newer syncsheet."""


class ClusterError(SyncsheetError):
    """A Dask cluster that cannot be reached, or whose workers cannot run the batch."""
