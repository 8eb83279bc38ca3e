"""``syncsheet-ui [AUDIO|PROJECT]``: start the timeline app; ``--screenshot PNG FILE`` saves a picture.

The screenshot mode opens FILE, waits for the waveform and the analysis, lays the window out at
1600×1000, saves the window as PNG and exits (it works offscreen: ``QT_QPA_PLATFORM=offscreen``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

__all__ = ["main"]

_APP = None


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="syncsheet-ui", description="syncsheet timeline: music on film frames")
    p.add_argument("file", nargs="?", help="an audio file or a .syncsheet project to open")
    p.add_argument("--screenshot", metavar="PNG", help="open FILE, save a 1600x1000 screenshot to PNG and exit")
    p.add_argument("--at", type=float, default=None, metavar="SECONDS",
                   help="with --screenshot: put the playhead here and show the bars around it")
    p.add_argument("--ruler", choices=("frames", "timecode", "feet", "bars"), default=None,
                   help="ruler units (default frames)")
    p.add_argument("--timeout", type=float, default=600.0, metavar="S",
                   help="with --screenshot: longest wait for the analysis (default %(default)s s)")
    return p


def _wait_idle(app, win, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        app.processEvents()
        if not win.busy:
            app.processEvents()
            return True
        time.sleep(0.02)
    return False


def main(argv: list[str] | None = None) -> int:
    """Run the app; returns the exit status."""
    args = _parser().parse_args(argv)
    if args.screenshot and not args.file:
        print("syncsheet-ui: error: --screenshot needs a FILE to open", file=sys.stderr)
        return 2
    # Qt Multimedia logs every optional library it probes for (pipewire, VA-API...) at start-up;
    # that is noise for a user in a terminal. A rule the user set wins.
    os.environ.setdefault("QT_LOGGING_RULES", "qt.multimedia.symbolsresolver=false;qt.multimedia.ffmpeg=false")
    from PyQt6.QtWidgets import QApplication

    global _APP
    app = QApplication.instance() or QApplication(sys.argv[:1])
    _APP = app  # a QApplication must outlive every widget: never let it go with this frame
    app.setApplicationName("syncsheet")
    app.setOrganizationName("syncsheet")
    from .files import app_settings
    from .mainwindow import MainWindow
    from .style import apply_dark_palette

    apply_dark_palette(app)
    shot = bool(args.screenshot)  # a screenshot is laid out the same every time: no remembered layout
    win = MainWindow(ask_on_close=not shot, autosave_ms=0 if shot else 60_000, remember_layout=not shot)
    if args.ruler:
        win.set_ruler_mode(args.ruler)
    if args.screenshot:
        try:
            return _screenshot(app, win, args)
        finally:
            _dispose(win)
    if app_settings().value("window/geometry") is None:
        win.resize(1600, 1000)
    win.show()
    if args.file:
        win.open_path(args.file)
    return app.exec()


def _screenshot(app, win, args) -> int:
    errors: list[str] = []
    win.dialogs.error = lambda title, text: errors.append(f"{title}: {text}")
    win.dialogs.confirm = lambda *_a: False
    win.dialogs.locate_audio = lambda *_a: None
    win.resize(1600, 1000)
    win.show()
    if not Path(args.file).exists():
        print(f"syncsheet-ui: error: {args.file}: no such file", file=sys.stderr)
        return 1
    if not win.open_path(args.file) or errors:
        print(f"syncsheet-ui: error: {'; '.join(errors) or 'cannot open ' + args.file}", file=sys.stderr)
        return 1
    if not _wait_idle(app, win, args.timeout):
        print(f"syncsheet-ui: error: still analysing after {args.timeout:g} s", file=sys.stderr)
        return 1
    if errors:
        print(f"syncsheet-ui: error: {'; '.join(errors)}", file=sys.stderr)
        return 1
    if args.at is not None:
        win.seek(args.at)
        win.zoom_bars()
    for _ in range(5):
        app.processEvents()
    image = win.grab()
    if not image.save(args.screenshot):
        print(f"syncsheet-ui: error: cannot write {args.screenshot}", file=sys.stderr)
        return 1
    print(f"saved {args.screenshot} ({image.width()}x{image.height()})")
    return 0


def _dispose(win) -> None:
    """Close and delete the window now, not whenever the garbage collector gets to it (a window
    deleted in the middle of another one's event handling takes the process down)."""
    from PyQt6 import sip

    win.close()
    sip.delete(win)


if __name__ == "__main__":
    sys.exit(main())
