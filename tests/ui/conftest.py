"""UI test fixtures: offscreen Qt, one shared analysis of the demo score, a window with no sound
device, a fake clock and scripted dialogs."""

from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before anything imports Qt

import pytest  # noqa: E402

pytest.importorskip("PyQt6.QtWidgets", reason="the UI extra (PyQt6) is not installed")
pytest.importorskip("pyqtgraph", reason="the UI extra (pyqtgraph) is not installed")

import numpy as np  # noqa: E402
import soundfile as sf  # noqa: E402
from PyQt6.QtCore import QSettings, QStandardPaths  # noqa: E402

from syncsheet import demo  # noqa: E402
from syncsheet import project as pj  # noqa: E402
from syncsheet.analysis import analyze  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def _isolated_settings(tmp_path_factory):
    """Recent files and autosaves go to a temporary place, never the developer's own."""
    QStandardPaths.setTestModeEnabled(True)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path_factory.mktemp("qsettings")))


@pytest.fixture(scope="session")
def demo_analysis():
    """The demo score analysed once for the whole session (takes a few seconds)."""
    return analyze(demo.score_path())


@pytest.fixture
def demo_project_file(tmp_path, demo_analysis):
    """A saved project of the demo score with its analysis (opening it does not re-analyse)."""
    project = pj.Project.for_audio(demo.score_path()).with_analysis(demo_analysis)
    return pj.save(project, tmp_path / "demo.syncsheet")


class FakeClock:
    """A monotonic clock in milliseconds that only moves when told."""

    def __init__(self) -> None:
        self.ms = 0.0

    def __call__(self) -> float:
        return self.ms


class ScriptedDialogs:
    """Answers the window's questions from a script; an unexpected question fails the test."""

    def __init__(self) -> None:
        self.answers: dict[str, list] = {}
        self.asked: list[tuple] = []
        self.errors: list[str] = []

    def script(self, name: str, *answers) -> None:
        self.answers.setdefault(name, []).extend(answers)

    def _answer(self, name: str, *args):
        self.asked.append((name, *args))
        queue = self.answers.get(name)
        if not queue:
            raise AssertionError(f"unexpected dialog {name}{args}")
        return queue.pop(0)

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *args: self._answer(name, *args)

    def error(self, title: str, text: str) -> None:
        self.errors.append(f"{title}: {text}")


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def make_window(qtbot, clock):
    """make_window(**kwargs) -> MainWindow with no sound device, a fake clock, scripted dialogs."""
    from syncsheet_ui.mainwindow import MainWindow
    from syncsheet_ui.transport import Transport

    def make(**kwargs):
        kwargs.setdefault("autosave_ms", 0)
        kwargs.setdefault("ask_on_close", False)
        win = MainWindow(transport=Transport(clock=clock, audio=False), **kwargs)
        win.dialogs = ScriptedDialogs()
        qtbot.addWidget(win)
        win.resize(1400, 900)
        win.show()
        return win

    return make


@pytest.fixture
def wait_idle(qtbot):
    def wait(win, timeout: int = 60000) -> None:
        qtbot.waitUntil(lambda: not win.busy, timeout=timeout)
        assert not win.dialogs.errors, win.dialogs.errors

    return wait


@pytest.fixture
def click_wav(tmp_path):
    """A short click track (120 BPM, accented every 4th beat) written as WAV: fast to analyse."""
    from helpers import click_track

    y, times = click_track(120, 6.0, sr=22050)
    path = tmp_path / "clicks.wav"
    sf.write(path, y, 22050, subtype="PCM_16")
    return path, np.asarray(times)
