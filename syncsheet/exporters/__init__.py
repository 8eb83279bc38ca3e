"""Exporters and importers, one module a format, registered by name and file suffix.

Every format module has ``NAME``, ``SUFFIXES``, ``DESCRIPTION`` and
``write(sheet, stream, **options)`` writing bytes to a binary stream; where the format can be
read back, ``read(stream, **options) -> Analysis``. Optional: ``DEFAULT_SUFFIX`` (the name used
when writing every format into a folder, when it differs from ``SUFFIXES[0]``),
``add_arguments(group)`` and ``options_from(args) -> dict`` for format-specific CLI flags.
``write`` takes unknown options as ``**options``: every writer is passed ``progress`` (a
callback, see :mod:`syncsheet.progress`) and uses it when writing takes long (the PDF sheet).
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from types import ModuleType

from ..errors import UnknownFormatError
from ..fileio import atomic_write
from ..timebase import MAX_SCORE_S

__all__ = ["names", "get", "for_path", "all_formats", "write_file", "read_file", "default_name"]

# Module names under syncsheet.exporters, in the order menus list them.
_MODULES = (
    "jsonsheet",
    "csvsheet",
    "pdfsheet",
    "xdts",
    "barsheet",
    "barcsv",
    "midi",
    "audacity",
    "edl",
    "otio",
)


def all_formats() -> list[ModuleType]:
    """Every registered format module."""
    return [importlib.import_module(f"{__name__}.{m}") for m in _MODULES]


def names() -> list[str]:
    return [m.NAME for m in all_formats()]


def get(name: str) -> ModuleType:
    """The format module called *name*."""
    for mod in all_formats():
        if name == mod.NAME:
            return mod
    raise UnknownFormatError(f"no format called {name!r}; known formats: {', '.join(names())}")


def for_path(path: str | os.PathLike) -> ModuleType:
    """The format module for a file name, by its suffix (longest match wins)."""
    lower = Path(path).name.lower()
    best: tuple[int, ModuleType] | None = None
    for mod in all_formats():
        for suffix in mod.SUFFIXES:
            if lower.endswith(suffix) and (best is None or len(suffix) > best[0]):
                best = (len(suffix), mod)
    if best is None:
        known = ", ".join(s for m in all_formats() for s in m.SUFFIXES)
        raise UnknownFormatError(f"{Path(path).name}: no format for this suffix; known: {known}")
    return best[1]


def default_name(mod: ModuleType, stem: str) -> str:
    """File name a format is written under in an output folder."""
    return stem + getattr(mod, "DEFAULT_SUFFIX", mod.SUFFIXES[0])


def write_file(sheet, path: str | os.PathLike, fmt: str | None = None, **options) -> Path:
    """Write *sheet* to *path* atomically, in format *fmt* or the one its suffix names."""
    mod = get(fmt) if fmt else for_path(path)
    return atomic_write(path, lambda stream: mod.write(sheet, stream, **options))


def read_file(path: str | os.PathLike, fmt: str | None = None, **options):
    """Read an Analysis back from a file in a readable format."""
    from ..errors import FormatError

    mod = get(fmt) if fmt else for_path(path)
    if not hasattr(mod, "read"):
        raise UnknownFormatError(f"{mod.NAME} files can be written but not read")
    try:
        with open(path, "rb") as stream:
            analysis = mod.read(stream, **options)
    except FileNotFoundError:
        raise FormatError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise FormatError(f"{path}: is a folder") from None
    except OSError as exc:  # permission denied, a disk error...
        raise FormatError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if analysis.duration > MAX_SCORE_S:
        raise FormatError(f"{path}: its timing runs to {analysis.duration / 3600:,.1f} hours; over 24 h is not a score")
    return analysis
