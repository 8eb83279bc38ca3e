"""The ``syncsheet`` command line: ``main(argv=None) -> int``.

Errors a user can cause print one line, ``syncsheet: error: ...``, and exit 1; usage errors
exit 2 (argparse); Ctrl+C exits 130. No traceback reaches the user.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from . import __version__
from .commands import COMMANDS
from .errors import Cancelled, SyncsheetError

__all__ = ["main", "build_parser"]


class _Parser(argparse.ArgumentParser):
    """Usage errors in one line too, like every other error."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(2, f"syncsheet: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="syncsheet",
        description="Sync animation to sound: beats, bars, accents and hits on film frames.",
    )
    parser.add_argument("--version", action="version", version=f"syncsheet {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        importlib.import_module(f"{__package__}.commands.{name}").register(sub)
    return parser


def _parser_deferring_ctrl_c() -> argparse.ArgumentParser:
    """Build the parser (it imports every command: numpy, soundfile...) with Ctrl+C held back until the
    imports are done: an interrupt inside a C extension's import surfaces as an ImportError with a
    traceback, not a KeyboardInterrupt. A Ctrl+C during that half second is raised afterwards."""
    import signal

    pressed: list[int] = []
    try:
        previous = signal.signal(signal.SIGINT, lambda signum, _frame: pressed.append(signum))
    except ValueError:  # not the main thread: signals cannot be handled here anyway
        return build_parser()
    try:
        parser = build_parser()
    finally:
        signal.signal(signal.SIGINT, previous)
    if pressed:
        raise KeyboardInterrupt
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        # a Ctrl+C while the commands are imported must end as quietly as one during the work
        args = _parser_deferring_ctrl_c().parse_args(argv)
        return int(args.func(args) or 0)
    except Cancelled:
        print("syncsheet: cancelled", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("\nsyncsheet: interrupted", file=sys.stderr)
        return 130
    except SyncsheetError as exc:
        print(f"syncsheet: error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 1


if __name__ == "__main__":
    sys.exit(main())
