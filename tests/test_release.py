"""Citable releases: data-lock hash, marc release (frozen folder, version checks), cite-as line."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from builders import write_framework

from marc.core.errors import MarcError
from marc.pipeline import release


def _lock(sha: str, when: str) -> dict:
    return {"version": 1, "sources": {"wdi": {"retrieved": when, "origin": f"mirror:/x/{when}",
                                              "files": {"a.csv": {"sha256": sha, "size": 3, "retrieved": when}}}}}


def test_data_lock_hash_depends_on_checksums_not_on_times():
    a = release.data_lock_digest(_lock("aa", "2026-01-01"))
    assert a == release.data_lock_digest(_lock("aa", "2027-05-05")) and len(a) == 10
    assert a != release.data_lock_digest(_lock("bb", "2026-01-01"))
    assert release.data_lock_digest({"version": 1, "sources": {}}) is None


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "sources.lock").write_text(json.dumps(_lock("aa", "2026-01-01")))
    monkeypatch.setenv("MARC_DATA_DIR", str(folder))
    return folder


def test_freeze_writes_a_whole_release_once(tmp_path, data_dir):
    fw = write_framework(tmp_path / "fw", {"p": [{"id": "a"}]})
    version = release.declared_versions(release.Path(__file__).resolve().parents[1])["pyproject.toml"]
    target = release.freeze(version, tmp_path / "rel", framework_dir=fw, edition=2004)
    manifest = json.loads((target / "release.json").read_text())
    assert manifest["data_lock"] == release.data_lock_digest(_lock("aa", "x")) and manifest["edition"] == 2004
    assert manifest["cite_as"] == f"MARC v{version}, edition 2004, framework {manifest['framework']}, data lock {manifest['data_lock']}"
    assert (target / "framework" / "p.yaml").read_text() == (fw / "p.yaml").read_text()
    assert json.loads((target / "sources.lock").read_text())["sources"]["wdi"]["files"]["a.csv"]["sha256"] == "aa"
    assert not list((tmp_path / "rel").glob(".*partial"))
    with pytest.raises(MarcError) as err:
        release.freeze(version, tmp_path / "rel", framework_dir=fw, edition=2004)
    assert err.value.problems[0].code == "release-exists"


def test_release_refuses_a_version_not_declared(tmp_path, data_dir):
    fw = write_framework(tmp_path / "fw", {"p": [{"id": "a"}]})
    env = {**os.environ, "COLUMNS": "200"}
    run = subprocess.run([sys.executable, "-m", "marc", "release", "99.0.0", "--out", str(tmp_path / "rel"), "--edition", "2004",
                          "--framework", str(fw)], capture_output=True, text=True, env=env)
    assert run.returncode == 2 and "[version-mismatch]" in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "rel" / "MARC-v99.0.0").exists()


def test_release_needs_a_pull(tmp_path, monkeypatch):
    monkeypatch.setenv("MARC_DATA_DIR", str(tmp_path))
    fw = write_framework(tmp_path / "fw", {"p": [{"id": "a"}]})
    version = release.declared_versions(release.Path(__file__).resolve().parents[1])["pyproject.toml"]
    with pytest.raises(MarcError) as err:
        release.freeze(version, tmp_path / "rel", framework_dir=fw, edition=2004)
    assert err.value.problems[0].code == "no-data-lock"
