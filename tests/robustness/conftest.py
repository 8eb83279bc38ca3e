"""Fixtures of the robustness tests."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest


@pytest.fixture
def script() -> Path:
    """The installed ``syncsheet`` console script."""
    path = Path(sys.executable).with_name("syncsheet")
    if not path.exists():
        found = shutil.which("syncsheet")
        if not found:
            pytest.skip("the syncsheet console script is not installed")
        path = Path(found)
    return path
