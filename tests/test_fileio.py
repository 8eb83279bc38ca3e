import errno

import pytest

from syncsheet.errors import OutputError
from syncsheet.fileio import atomic_write, atomic_write_bytes


def test_writes_and_replaces(tmp_path):
    p = tmp_path / "a.txt"
    atomic_write_bytes(p, b"one")
    atomic_write_bytes(p, b"two")
    assert p.read_bytes() == b"two"
    assert sorted(x.name for x in tmp_path.iterdir()) == ["a.txt"]


def test_error_in_writer_leaves_old_file_and_no_temp(tmp_path):
    p = tmp_path / "a.txt"
    atomic_write_bytes(p, b"keep me")

    def broken(stream):
        stream.write(b"half")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        atomic_write(p, broken)
    assert p.read_bytes() == b"keep me"
    assert sorted(x.name for x in tmp_path.iterdir()) == ["a.txt"]


def test_disk_full_is_an_output_error(tmp_path):
    p = tmp_path / "a.txt"
    atomic_write_bytes(p, b"keep me")

    def full(stream):
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OutputError, match="disk is full"):
        atomic_write(p, full)
    assert p.read_bytes() == b"keep me"
    assert sorted(x.name for x in tmp_path.iterdir()) == ["a.txt"]


def test_missing_folder(tmp_path):
    with pytest.raises(OutputError, match="does not exist"):
        atomic_write_bytes(tmp_path / "no" / "a.txt", b"x")
