"""Citable releases: the identity of a result (MARC version, edition, framework hash, data lock hash)
and ``marc release``, which freezes them into a folder a reviewer can reproduce a quoted number from.

The **data lock hash** is computed from the file checksums in ``sources.lock`` only (not from the
download times or origins), so two people who pulled the same files get the same hash.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
from pathlib import Path
from typing import Any

from marc.core.atomic import write_text
from marc.core.errors import MarcError

RELEASE_FILE = "release.json"


def data_lock_digest(lock: dict[str, Any] | None = None) -> str | None:
    """Short hash of the checksums of every pulled file (None when nothing was pulled)."""
    from marc.data.sources import read_lock

    lock = read_lock() if lock is None else lock
    canon = {sid: {name: f.get("sha256") for name, f in sorted((entry.get("files") or {}).items())}
             for sid, entry in sorted((lock.get("sources") or {}).items())}
    if not canon:
        return None
    return hashlib.sha256(json.dumps(canon, sort_keys=True).encode()).hexdigest()[:10]


def declared_versions(root: Path) -> dict[str, str | None]:
    """The version written in pyproject.toml and in CITATION.cff."""
    out: dict[str, str | None] = {}
    for name, pattern in (("pyproject.toml", r'(?m)^version\s*=\s*"([^"]+)"'), ("CITATION.cff", r"(?m)^version:\s*['\"]?([^'\"\s]+)")):
        path = root / name
        hit = re.search(pattern, path.read_text(encoding="utf-8")) if path.exists() else None
        out[name] = hit.group(1) if hit else None
    return out


def freeze(version: str, out: Path, *, framework_dir: Path, edition: int, root: Path | None = None) -> Path:
    """Write ``<out>/MARC-v<version>/``: release.json (version, edition, framework and data lock hashes),
    the sources.lock, the framework YAML and expert CSVs, and CITATION.cff.  A frozen release is never
    overwritten."""
    from marc.data.sources import lock_path, read_lock
    from marc.method.loader import load_framework
    from marc.pipeline.project import ROOT

    root = root or ROOT
    if not re.fullmatch(r"\d+\.\d+(\.\d+)?([a-z0-9.+-]*)", version):
        raise MarcError.single("release", "bad-version", f"{version!r} is not a version such as 0.2.0")
    declared = declared_versions(root)
    wrong = [f"{name} says {v or 'nothing'}" for name, v in declared.items() if v != version]
    if wrong:
        raise MarcError.single("release", "version-mismatch", f"release {version}, but {'; '.join(wrong)}: set the same "
                               "version in pyproject.toml and CITATION.cff, then run again")
    lock = read_lock()
    digest = data_lock_digest(lock)
    if digest is None:
        raise MarcError.single(lock_path(), "no-data-lock", "nothing pulled yet: run `marc pull` first")
    fw = load_framework(Path(framework_dir))
    target = Path(out) / f"MARC-v{version}"
    if target.exists():
        raise MarcError.single(target, "release-exists", "this release is already frozen; choose a new version")
    manifest = {"marc_version": version, "edition": int(edition), "framework": fw.digest, "data_lock": digest,
                "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                "cite_as": f"MARC v{version}, edition {edition}, framework {fw.digest}, data lock {digest}",
                "reproduce": f"git checkout v{version}; copy sources.lock to data/sources.lock; marc pull; "
                             f"marc score --year {edition} --framework framework --out scores.csv",
                "sources": {sid: {"files": len(e.get("files") or {}), "retrieved": e.get("retrieved")}
                            for sid, e in sorted(lock["sources"].items())}}
    staging = Path(out) / f".MARC-v{version}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "framework").mkdir(parents=True)
    for path in sorted(Path(framework_dir).rglob("*")):
        if path.is_file() and path.suffix in (".yaml", ".yml", ".csv") and ".backups" not in path.parts:
            dest = staging / "framework" / path.relative_to(framework_dir)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dest)
    write_text(staging / "sources.lock", json.dumps(lock, indent=1, sort_keys=True) + "\n", keep_backup=False)
    if (root / "CITATION.cff").exists():
        shutil.copy2(root / "CITATION.cff", staging / "CITATION.cff")
    write_text(staging / RELEASE_FILE, json.dumps(manifest, indent=2) + "\n", keep_backup=False)
    staging.rename(target)  # the release appears whole or not at all
    return target
