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


def main(argv: list[str] | None = None) -> int:
    try:
        # building the parser imports every command (numpy, scipy...): a Ctrl+C during that
        # half second must end as quietly as one during the work
        args = build_parser().parse_args(argv)
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
