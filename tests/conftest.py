"""Shared test setup: the builders module on the path, and where the offline data mirror lives."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

REPO = Path(__file__).resolve().parents[1]
MIRROR = Path(os.environ.get("MARC_TEST_MIRROR", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session", autouse=True)
def parse_store(tmp_path_factory) -> Path:
    """A parse store (marc.core.parsestore) private to the session, never the project's data cache."""
    root = tmp_path_factory.mktemp("parse-store")
    os.environ["MARC_PARSE_CACHE"] = str(root)
    return root


@pytest.fixture(scope="session")
def mirror() -> Path:
    """The offline mirror of the real datasets; integration tests skip (with a reason) without it."""
    if not (MIRROR / "SOURCES.md").exists():
        pytest.skip(f"integration data mirror not found at {MIRROR} (set MARC_TEST_MIRROR)")
    return MIRROR


@pytest.fixture(scope="session")
def real_data(mirror, tmp_path_factory) -> Path:
    """A data cache filled from the mirror by ``marc pull`` (as ``make app`` does), private to the session."""
    from marc.data import pull

    root = tmp_path_factory.mktemp("marc-data")
    os.environ["MARC_DATA_DIR"] = str(root)
    pull.ensure(None, mirror=mirror, progress=False)
    return root


@pytest.fixture(scope="session")
def real_outcome(real_data):
    """The default framework scored on the real data, latest complete edition (computed once)."""
    from marc.pipeline import project

    return project.compute(REPO / "indicators", years="latest", progress=False)


@pytest.fixture()
def fw_copy(real_data, tmp_path, monkeypatch) -> Path:
    """A private copy of the default framework, which the app (MARC_FRAMEWORK_DIR) uses instead of indicators/."""
    dest = tmp_path / "indicators"
    shutil.copytree(REPO / "indicators", dest, ignore=shutil.ignore_patterns(".backups"))
    monkeypatch.setenv("MARC_FRAMEWORK_DIR", str(dest))
    return dest
