"""Shared test setup: the builders module on the path, and where the offline data mirror lives."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

REPO = Path(__file__).resolve().parents[1]
MIRROR = Path(os.environ.get("MARC_TEST_MIRROR", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def mirror() -> Path:
    """The offline mirror of the real datasets; integration tests skip (with a reason) without it."""
    if not (MIRROR / "SOURCES.md").exists():
        pytest.skip(f"integration data mirror not found at {MIRROR} (set MARC_TEST_MIRROR)")
    return MIRROR
