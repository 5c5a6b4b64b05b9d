"""Mirror folders, ``marc pack`` bundles and the ``marc pull --mirror`` round trip."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from marc.cli import app
from marc.core.errors import MarcError
from marc.data import bundle, sources
from marc.data.pull import ensure_report
from marc.data.sources import Registry, read_lock, source_dir

OPEN_FILES = {"data/groups.csv": b"iso3,group\nTUV,SIDS\n", "README.md": b"# open\n"}
CLOSED_FILES = {"milex.xlsx": b"PK fake workbook bytes"}


def make_registry() -> Registry:
    common = {"publisher": "T", "citation": "T (2026)", "commercial_use": True, "urls": ["https://example.invalid/x"]}
    return Registry.model_validate({"sources": {
        "open_src": {"id": "open_src", "title": "Open", "licence": "CC0", "redistribution": True,
                     "files": ["data/*.csv"], **common},
        "closed_src": {"id": "closed_src", "title": "Closed", "licence": "SIPRI terms", "open_licence": False,
                       "redistribution": False, "files": ["milex.xlsx"], **common},
    }})


def make_mirror(root: Path, manifest: bool = True) -> Path:
    lines = []
    for sid, files in {"open_src": OPEN_FILES, "closed_src": CLOSED_FILES}.items():
        for rel, data in files.items():
            path = root / sid / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            lines.append(f"{hashlib.sha256(data).hexdigest()}  ./{sid}/{rel}")
    if manifest:
        (root / "MANIFEST.sha256").write_text("\n".join(lines) + "\n")
    return root


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("MARC_DATA_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("MARC_DATA_MIRROR", str(tmp_path / "unused-mirror"))


def test_pull_from_mirror_folder(tmp_path):
    mirror = make_mirror(tmp_path / "mirror")
    outcomes = ensure_report(progress=False, mirror=mirror, registry=make_registry())
    assert [(o.source_id, o.action, o.files) for o in outcomes] == [("open_src", "copied", 2), ("closed_src", "copied", 1)]
    assert (source_dir("open_src") / "data/groups.csv").read_bytes() == OPEN_FILES["data/groups.csv"]
    entry = read_lock()["sources"]["open_src"]
    assert entry["origin"] == f"mirror:{(mirror / 'open_src').resolve()}"
    assert entry["files"]["README.md"]["sha256"] == hashlib.sha256(OPEN_FILES["README.md"]).hexdigest()


def test_damaged_mirror_file_is_refused(tmp_path):
    mirror = make_mirror(tmp_path / "mirror")
    (mirror / "open_src/data/groups.csv").write_bytes(b"iso3,group\nTUV,LDC\n")  # differs from MANIFEST
    with pytest.raises(MarcError) as err:
        ensure_report(["open_src"], progress=False, mirror=mirror, registry=make_registry())
    (problem,) = err.value.problems
    assert (problem.file, problem.code) == ("open_src", "checksum-mismatch")
    assert "data/groups.csv" in problem.message
    assert not source_dir("open_src").exists()


def test_incomplete_mirror_keeps_cache(tmp_path):
    mirror = make_mirror(tmp_path / "mirror")
    reg = make_registry()
    ensure_report(["open_src"], progress=False, mirror=mirror, registry=reg)
    (mirror / "open_src/data/groups.csv").unlink()
    (mirror / "open_src/data/other.txt").write_text("x")
    with pytest.raises(MarcError) as err:
        ensure_report(["open_src"], progress=False, mirror=mirror, registry=reg, force=True)
    assert [p.code for p in err.value.problems] == ["mirror-incomplete"]
    assert (source_dir("open_src") / "data/groups.csv").read_bytes() == OPEN_FILES["data/groups.csv"]


def test_missing_mirror_path_is_an_error(tmp_path):
    with pytest.raises(MarcError) as err:
        ensure_report(progress=False, mirror=tmp_path / "nowhere", registry=make_registry())
    assert err.value.problems[0].code == "mirror-not-found"


def test_pack_and_pull_round_trip(tmp_path, monkeypatch):
    reg = make_registry()
    ensure_report(progress=False, mirror=make_mirror(tmp_path / "mirror"), registry=reg)
    lock_before = read_lock()["sources"]
    out = tmp_path / "out" / "bundle.zip"
    result = bundle.pack(out, registry=reg)
    assert (result.packed, result.restricted, result.missing) == (["open_src"], ["closed_src"], [])
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        packed_lock = json.loads(zf.read("sources.lock"))["sources"]
    assert names == {"open_src/data/groups.csv", "open_src/README.md", "sources.lock", "BUNDLE.md"}
    assert packed_lock["open_src"]["files"] == lock_before["open_src"]["files"]
    full = bundle.pack(tmp_path / "full.zip", include_restricted=True, registry=reg)
    assert full.packed == ["open_src", "closed_src"] and full.restricted == []
    with zipfile.ZipFile(tmp_path / "full.zip") as zf:
        assert "Licence: SIPRI terms (NOT an open licence)" in zf.read("BUNDLE.md").decode()

    # a fresh machine: empty cache, pull from the bundle
    monkeypatch.setenv("MARC_DATA_DIR", str(tmp_path / "cache2"))
    outcomes = ensure_report(["open_src"], progress=False, mirror=out, registry=reg)
    assert outcomes[0].action == "copied"
    after = read_lock()["sources"]["open_src"]
    assert {k: v["sha256"] for k, v in after["files"].items()} == {k: v["sha256"] for k, v in lock_before["open_src"]["files"].items()}
    assert after["origin"] == f"bundle:{out}"
    # the restricted source is not in the bundle: with no other way to get it, the download is tried
    assert not bundle.mirror_has(out, "closed_src")



def test_tampered_bundle_is_refused(tmp_path, monkeypatch):
    reg = make_registry()
    ensure_report(["open_src"], progress=False, mirror=make_mirror(tmp_path / "mirror"), registry=reg)
    good = tmp_path / "good.zip"
    bundle.pack(good, registry=reg)
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            dst.writestr(name, data.replace(b"SIDS", b"LDCS") if name.endswith(".csv") else data)
    monkeypatch.setenv("MARC_DATA_DIR", str(tmp_path / "cache2"))
    with pytest.raises(MarcError) as err:
        ensure_report(["open_src"], progress=False, mirror=bad, registry=reg)
    assert [p.code for p in err.value.problems] == ["checksum-mismatch"]
    assert not source_dir("open_src").exists()


def test_pack_refuses_a_cache_that_drifted(tmp_path):
    reg = make_registry()
    ensure_report(["open_src"], progress=False, mirror=make_mirror(tmp_path / "mirror"), registry=reg)
    (source_dir("open_src") / "README.md").write_bytes(b"# edited\n")
    with pytest.raises(MarcError) as err:
        bundle.pack(tmp_path / "b.zip", registry=reg)
    assert [(p.file, p.code) for p in err.value.problems] == [("open_src", "checksum-mismatch")]
    assert not (tmp_path / "b.zip").exists()


def test_not_a_zip_bundle(tmp_path):
    fake = tmp_path / "bundle.zip"
    fake.write_text("not a zip")
    with pytest.raises(MarcError) as err:
        ensure_report(["open_src"], progress=False, mirror=fake, registry=make_registry())
    assert err.value.problems[0].code == "bad-bundle"


def test_cli_pull_and_pack_with_project_registry(tmp_path):
    """`marc pull --mirror DIR` and `marc pack` on real source ids, with a tiny hand-made mirror."""
    reg = sources.load_registry()
    mirror = tmp_path / "mirror"
    for sid in ("paris_agreement_status", "sipri_milex"):
        for pattern in reg.sources[sid].files:
            path = mirror / sid / pattern
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"fixture for {sid}\n")
    runner = CliRunner()
    res = runner.invoke(app, ["pull", "paris_agreement_status", "sipri_milex", "--mirror", str(mirror), "--no-progress"])
    assert res.exit_code == 0, res.output
    assert "copied" in res.output and sources.is_available("sipri_milex")
    res = runner.invoke(app, ["pack", str(tmp_path / "b.zip"), "paris_agreement_status", "sipri_milex", "--no-progress"])
    assert res.exit_code == 0, res.output
    assert "left out (licence forbids redistribution" in res.output and "sipri_milex" in res.output
    with zipfile.ZipFile(tmp_path / "b.zip") as zf:
        assert "paris_agreement_status/data/paris-agreement-entry-into-force.csv" in zf.namelist()
        assert not any(n.startswith("sipri_milex/") for n in zf.namelist())
    res = runner.invoke(app, ["sources"])
    assert res.exit_code == 0
    row = next(line for line in res.output.splitlines() if "sipri_milex" in line)
    cells = [c.strip() for c in row.split("│")[1:-1]]
    assert cells[2:] == ["no", "no", "no", "no", "cached"]  # open, redistribute, commercial, manual, status
