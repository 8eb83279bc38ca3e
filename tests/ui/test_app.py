"""The command line: --screenshot opens a file, waits for the work, saves a 1600x1000 picture."""

from PyQt6.QtGui import QImage
from syncsheet_ui.app import main


def test_screenshot_of_a_project(qapp, demo_project_file, tmp_path, capsys):
    png = tmp_path / "shot.png"
    assert main(["--screenshot", str(png), "--at", "20", "--ruler", "timecode", str(demo_project_file)]) == 0
    image = QImage(str(png))
    assert (image.width(), image.height()) == (1600, 1000)
    # not a blank frame: the dark timeline and the light X-sheet are both there
    colors = {image.pixelColor(x, y).lightness() // 64 for x in range(0, 1600, 50) for y in range(0, 1000, 50)}
    assert len(colors) >= 3
    assert "saved" in capsys.readouterr().out


def test_screenshot_errors_are_one_line(qapp, tmp_path, capsys):
    assert main(["--screenshot", str(tmp_path / "a.png"), str(tmp_path / "missing.wav")]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("syncsheet-ui: error:") and "missing.wav" in err and "\n" not in err
    assert main(["--screenshot", str(tmp_path / "a.png")]) == 2
