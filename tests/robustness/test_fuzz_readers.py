"""A short fuzz run of every reader (seconds); ``benchmarks/fuzz_readers.py --minutes N`` runs it long.

Only :class:`~syncsheet.errors.SyncsheetError` may come out of a reader. The run here is
derandomised so CI is repeatable; the long command draws new inputs every time.
"""

from __future__ import annotations

import pytest
from robustness.fuzz_targets import run_target, targets

from syncsheet import exporters

#: Inputs per target in the test suite: enough to catch the plain mistakes, a second or two each.
EXAMPLES = 150


@pytest.fixture(scope="module")
def all_targets(tmp_path_factory):
    return targets(tmp_path_factory.mktemp("fuzz"))


def test_every_readable_format_is_a_target(all_targets):
    readable = {m.NAME for m in exporters.all_formats() if hasattr(m, "read")}
    assert readable and {f"read:{n}" for n in readable} <= set(all_targets)
    assert {"project", "timecode", "rate", "feet", "convert"} <= set(all_targets)


def _names() -> list[str]:
    readers = [f"read:{m.NAME}" for m in exporters.all_formats() if hasattr(m, "read")]
    return [*readers, "project", "timecode", "rate", "feet", "convert"]


@pytest.mark.parametrize("name", _names())
def test_fuzz(name, all_targets):
    assert run_target(all_targets[name], EXAMPLES, derandomize=True) >= EXAMPLES // 2
