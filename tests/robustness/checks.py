"""Checks shared by the robustness tests: run the CLI and hold it to the one-line-error contract."""

from __future__ import annotations

from pathlib import Path

from syncsheet.cli import main


def run_cli(argv: list[str], capsys) -> tuple[int, str, str]:
    """``syncsheet ARGV`` in this process: (exit status, stdout, stderr)."""
    try:
        rc = main([str(a) for a in argv])
    except SystemExit as exc:  # argparse usage errors
        rc = exc.code if isinstance(exc.code, int) else 1
    out = capsys.readouterr()
    assert "Traceback" not in out.err and "Traceback" not in out.out
    return rc, out.out, out.err


def assert_one_error(rc: int, err: str, *names: str) -> None:
    """Exactly one line ``syncsheet: error: ...`` naming every one of *names*, and a failing exit."""
    assert rc != 0
    lines = err.splitlines()
    assert len(lines) == 1 and err.endswith("\n"), err
    assert lines[0].startswith("syncsheet: error: ") and len(lines[0]) > len("syncsheet: error: ") + 5
    for name in names:
        assert name in lines[0], (name, lines[0])


def files_in(folder: Path) -> list[str]:
    """Every file under *folder*, hidden temporary files included."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()) if folder.exists() else []
