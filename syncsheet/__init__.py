"""syncsheet: sync animation to sound.

Listens to a music score and says, frame by frame, where the beats, bars, accents,
sound-effect hits and musical stops fall, as exposure sheets and DAW/editor markers.

Public API: :func:`syncsheet.analysis.analyze` -> :class:`syncsheet.model.Analysis`
-> :class:`syncsheet.sheet.ExposureSheet` -> :mod:`syncsheet.exporters`.
"""

__version__ = "0.1.0"
