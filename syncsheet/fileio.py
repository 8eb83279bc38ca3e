"""Writing files so that nothing already saved is ever lost.

Every file syncsheet writes goes to a temporary file in the same folder, is flushed to disk,
and then renamed over the target in one step: a crash, a full disk or a kill mid-write leaves
the previous file intact and no partial file behind.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from .errors import OutputError

__all__ = ["atomic_write", "atomic_write_bytes", "check_writable"]


def atomic_write(path: str | os.PathLike, write: Callable[[BinaryIO], None]) -> Path:
    """Call ``write(stream)`` on a temporary file, then rename it to *path*.

    Raises
    ------
    OutputError
        When the folder is missing or read-only, or the disk is full; the temporary file is
        removed and any earlier file at *path* is untouched.
    """
    target = Path(path)
    fd, tmp = _temporary(target)
    try:
        with os.fdopen(fd, "wb") as stream:
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except OSError as exc:
        _discard(tmp)
        raise OutputError(f"{target}: not written ({_reason(exc)}); any earlier file is unchanged") from None
    except BaseException:
        _discard(tmp)
        raise
    return target


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write *data* to *path* atomically."""
    return atomic_write(path, lambda stream: stream.write(data))


def check_writable(path: str | os.PathLike) -> None:
    """Raise the :class:`OutputError` :func:`atomic_write` would for *path*'s folder (missing,
    read-only, or *path* a folder), before the work that makes the file's contents: a reel's
    analysis is a minute and more."""
    fd, tmp = _temporary(Path(path))
    os.close(fd)
    _discard(tmp)


def _temporary(target: Path) -> tuple[int, str]:
    """A new temporary file beside *target* (descriptor, path)."""
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"{target}: the folder {folder} does not exist")
    if target.is_dir():
        raise OutputError(f"{target}: is a folder")
    try:
        return tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise OutputError(f"{target}: cannot write in {folder} ({_reason(exc)})") from None


def _discard(tmp: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(tmp)


def _reason(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "the disk is full"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "permission denied"
    return exc.strerror or type(exc).__name__


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
