"""Adversarial outputs and archives.

Class 5: an `--out` that cannot be written, a folder where a file is needed (or the reverse), an
extension that does not match the format: a located message, exit 2, nothing written, existing
files unchanged.  Class 2 (archives): zip bombs by ratio, size and member count, a CRC error, and an
over-long member, through `marc pull --mirror BUNDLE` and the library."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from marc.core.errors import MarcError
from marc.data import download
from marc.reporting.outputs import check_out

REPO = Path(__file__).resolve().parents[2]


def marc(*args, env=None):
    return subprocess.run([sys.executable, "-m", "marc", *map(str, args)], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})}, timeout=300)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ------------------------------------------------------------------------------- class 5: outputs
def out_cases(tmp: Path):
    afile = tmp / "afile.txt"
    afile.write_text("keep me\n")
    folder = tmp / "afolder"
    folder.mkdir()
    return [
        # (name, CLI args, library call (path, formats, folder), where, code)
        ("unwritable", ["score", "--out", "/proc/marc-out.csv"], ("/proc/marc-out.csv", ("csv", "xlsx", "parquet"), False),
         "/proc/marc-out.csv", "unwritable"),
        ("folder-for-file", ["score", "--out", folder], (folder, ("csv", "xlsx", "parquet"), False), str(folder), "not-a-file"),
        ("file-as-parent", ["score", "--out", afile / "x.csv"], (afile / "x.csv", ("csv",), False), str(afile / "x.csv"),
         "not-a-folder"),
        ("extension-vs-format", ["export", "--format", "csv", "--out", tmp / "scores.xlsx"], (tmp / "scores.xlsx", "csv", False),
         str(tmp / "scores.xlsx"), "bad-extension"),
        ("file-for-folder", ["brief", "CIV", "--out", afile], (afile, None, True), str(afile), "not-a-folder"),
        ("bundle-extension", ["pack", tmp / "bundle.tar"], (tmp / "bundle.tar", "zip", False), str(tmp / "bundle.tar"),
         "bad-extension"),
        ("report-extension", ["data", "report", "--out", tmp / "report.xlsx"], (tmp / "report.xlsx", "csv", False),
         str(tmp / "report.xlsx"), "bad-extension"),
        ("schema-into-file", ["schema", "--out", afile], (afile, None, True), str(afile), "not-a-folder"),
    ]


@pytest.mark.parametrize("k", range(8))
def test_bad_out_paths(k, tmp_path):
    name, args, (path, formats, is_folder), where, code = out_cases(tmp_path)[k]
    before = {p: sha(p) for p in tmp_path.rglob("*") if p.is_file()}
    listing = sorted(tmp_path.rglob("*"))
    with pytest.raises(MarcError) as err:
        check_out(path, formats, folder=is_folder)
    assert f"{where}: [{code}]" in err.value.render()
    run = marc(*args)
    assert run.returncode == 2, (name, run.stdout, run.stderr)
    assert f"{where}: [{code}]" in run.stderr and "Traceback" not in run.stderr, (name, run.stderr)
    assert sorted(tmp_path.rglob("*")) == listing  # nothing half-written, no temporary file left
    assert {p: sha(p) for p in tmp_path.rglob("*") if p.is_file()} == before


# ------------------------------------------------------------------------------- class 2: archives
SID = "paris_agreement_status"  # a real source id (its registry entry says which files it needs)


def bundle(path: Path, members: dict[str, bytes], method=zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def bomb_ratio(tmp):
    return bundle(tmp / "b.zip", {f"{SID}/data/paris-agreement-entry-into-force.csv": b"0" * (64 * 1024 * 1024)}), \
        "archive-ratio"


def bomb_members(tmp):
    members = {f"{SID}/data/m{k}.csv": b"x" for k in range(download.MAX_MEMBERS + 1)}
    return bundle(tmp / "b.zip", members, zipfile.ZIP_STORED), "archive-too-many-members"


def crc_error(tmp):
    path = bundle(tmp / "b.zip", {f"{SID}/data/paris-agreement-entry-into-force.csv": b"iso3,date\n" + b"KEN,2016\n" * 500},
                  zipfile.ZIP_STORED)
    data = bytearray(path.read_bytes())
    at = data.index(b"KEN,2016") + 100
    data[at] = ord("X")  # flip one stored byte: the member's CRC no longer matches
    path.write_bytes(bytes(data))
    return path, "corrupt-bundle"


def lying_size(tmp):
    """A member whose header declares fewer bytes than it holds."""
    path = tmp / "b.zip"
    name = f"{SID}/data/paris-agreement-entry-into-force.csv"
    payload = b"iso3,date\n" + b"KEN,2016\n" * 50_000
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(name, payload)
    data = bytearray(path.read_bytes())
    # patch the uncompressed size in the local header and the central directory to 10 bytes
    for sig, off in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        pos = data.index(sig)
        data[pos + off:pos + off + 4] = (10).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    return path, "corrupt-bundle"


def not_a_zip(tmp):
    path = tmp / "b.zip"
    path.write_bytes(b"PK\x03\x04 this is not really a zip")
    return path, "bad-bundle"


@pytest.mark.parametrize("make", [bomb_ratio, bomb_members, crc_error, lying_size, not_a_zip])
def test_hostile_bundles(make, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    path, code = make(tmp_path)
    before = sha(path)
    env = {"MARC_DATA_DIR": str(cache)}
    run = marc("pull", SID, "--mirror", path, "--no-progress", env=env)
    assert run.returncode == 2, run.stdout + run.stderr
    assert f"[{code}]" in run.stderr and "Traceback" not in run.stderr, run.stderr
    assert str(path) in run.stderr or SID in run.stderr.split(":")[0]  # located: the bundle (member) or the source
    assert not (cache / SID).exists() and not list(cache.glob(".staging-*"))
    assert sha(path) == before
    monkeypatch.setenv("MARC_DATA_DIR", str(cache))
    from marc.data import pull

    with pytest.raises(MarcError) as err:
        pull.ensure_report([SID], mirror=path, progress=False)
    assert err.value.problems[0].code == code


def test_extract_refuses_a_zip_bomb_download(tmp_path):
    """The download path (extract) applies the same limits, located by source id and member."""
    path = bundle(tmp_path / "dl.zip", {"huge.csv": b"0" * (32 * 1024 * 1024)})
    with pytest.raises(MarcError) as err:
        download.extract(path, tmp_path / "out", source_id="src")
    p = err.value.problems[0]
    assert (p.file, p.code) == ("src", "archive-ratio") and "dl.zip!huge.csv" in p.message
    assert not (tmp_path / "out" / "huge.csv").exists()
