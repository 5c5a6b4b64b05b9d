"""Offline copies of the cache: mirror folders and ``marc pack`` bundles.

A *mirror* is either a folder laid out like ``../shared/data`` (one sub-folder per source id) or a
zip written by :func:`pack` (the same layout, plus ``sources.lock`` and ``BUNDLE.md``).  Field
offices without internet run ``marc pull --mirror bundle.zip``.  Files are copied and hashed in one
pass; they are checked against the mirror's ``MANIFEST.sha256`` or the bundle's ``sources.lock``
when present, and a source is swapped into the cache only when complete.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from rich.progress import Progress

from marc.core.atomic import backup
from marc.core.errors import MarcError, Problem
from marc.data.sources import (
    Registry,
    Source,
    cache_root,
    list_files,
    load_registry,
    lock_entry,
    missing_patterns,
    public_mode,
    read_lock,
    source_dir,
    verify,
)

_CHUNK = 1 << 20
_STORED = (".zip", ".7z", ".xlsx", ".gz", ".nc", ".png", ".jpg")


def _copy_hash(src: IO[bytes], dst: Path, bar: Progress | None = None, task: object = None,
               limit: int | None = None) -> tuple[str, int]:
    """Copy an open stream to *dst*, hashing on the way; returns (sha256, size).  More than *limit*
    bytes (an archive member's declared size) is refused."""
    digest, size = hashlib.sha256(), 0
    dst.parent.mkdir(parents=True, exist_ok=True)
    with open(dst, "wb") as out:
        for chunk in iter(lambda: src.read(_CHUNK), b""):
            digest.update(chunk)
            out.write(chunk)
            size += len(chunk)
            if limit is not None and size > limit:
                raise ValueError(f"more bytes than the {limit:,} its header declares")
            if bar is not None:
                bar.advance(task, len(chunk))
    return digest.hexdigest(), size


def hash_tree(folder: Path) -> dict[str, tuple[str, int, str]]:
    """``{relative path: (sha256, size, "local")}`` for every file below *folder*."""
    result = {}
    for rel in list_files(folder):
        digest = hashlib.sha256()
        with open(folder / rel, "rb") as fh:
            for chunk in iter(lambda: fh.read(_CHUNK), b""):
                digest.update(chunk)
        result[rel] = (digest.hexdigest(), (folder / rel).stat().st_size, "local")
    return result


def install(staging: Path, target: Path) -> None:
    """Replace folder *target* by *staging* (two renames; the old folder is restored on failure)."""
    old = None
    if target.exists():
        old = target.with_name(f".old-{target.name}-{time.time_ns()}")
        os.replace(target, old)
    try:
        os.replace(staging, target)
    except BaseException:
        if old is not None:
            os.replace(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _is_zip(mirror: Path) -> bool:
    return mirror.is_file()


def _open_bundle(mirror: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(mirror)
    except (zipfile.BadZipFile, OSError) as exc:
        raise MarcError.single(mirror, "bad-bundle", f"not a readable zip ({exc}); make it again with `marc pack`") from None


def mirror_has(mirror: Path, source_id: str) -> bool:
    """Does the mirror folder or bundle zip hold a folder for *source_id*?"""
    if _is_zip(mirror):
        with _open_bundle(mirror) as zf:
            return any(n.startswith(f"{source_id}/") and not n.endswith("/") for n in zf.namelist())
    return (mirror / source_id).is_dir()


def _manifest(mirror: Path) -> dict[str, str]:
    """``{"<source_id>/<rel>": sha256}`` from a mirror folder's MANIFEST.sha256 (empty when absent)."""
    path = mirror / "MANIFEST.sha256"
    if not path.is_file():
        return {}
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        digest, _, name = line.strip().partition("  ")
        if digest and name:
            out[name.removeprefix("./")] = digest.lower()
    return out


def _bundle_lock(zf: zipfile.ZipFile, mirror: Path) -> dict:
    if "sources.lock" not in zf.namelist():
        return {}
    try:
        return json.loads(zf.read("sources.lock")).get("sources", {})
    except (json.JSONDecodeError, AttributeError):
        raise MarcError.single(f"{mirror}!sources.lock", "bad-bundle", "the bundle's lock file is not valid JSON; pack it again") from None


def stage_from_mirror(source: Source, mirror: Path, bar: Progress | None = None, before_install=None
                      ) -> tuple[dict[str, tuple[str, int, str]], str]:
    """Copy *source* from a mirror folder or bundle zip into the cache (atomically, whole source).

    Returns the lock files ``{rel: (sha256, size, origin)}`` and the source's origin string.
    *before_install(source_id, lock entry)* runs just before the swap (the pull's crash journal).
    """
    from marc.data.archives import check_members, safe_target

    mirror = mirror.expanduser().resolve()
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".staging-{source.id}-", dir=root))
    files: dict[str, tuple[str, int, str]] = {}
    expected: dict[str, str] = {}
    try:
        if _is_zip(mirror):
            origin = f"bundle:{mirror}"
            with _open_bundle(mirror) as zf:
                expected = {k: v["sha256"] for k, v in _bundle_lock(zf, mirror).get(source.id, {}).get("files", {}).items()}
                members = [i for i in zf.infolist() if i.filename.startswith(f"{source.id}/") and not i.is_dir()]
                check_members([(i.filename, i.file_size, i.compress_size) for i in zf.infolist()], source.id, str(mirror))
                task = bar.add_task(f"{source.id} (bundle)", total=sum(i.file_size for i in members)) if bar else None
                for info in members:
                    target = safe_target(staging, info.filename, 1, source.id)
                    if target is None:
                        continue
                    rel = target.relative_to(staging).as_posix()
                    try:
                        with zf.open(info) as src:
                            sha, size = _copy_hash(src, target, bar, task, info.file_size)
                    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
                        raise MarcError.single(f"{mirror}!{info.filename}", "corrupt-bundle",
                                               f"this member is damaged ({exc}); the cache was left unchanged. "
                                               "Make the bundle again with `marc pack`.") from None
                    files[rel] = (sha, size, f"{origin}!{info.filename}")
        else:
            folder = mirror / source.id
            origin = f"mirror:{folder}"
            manifest = _manifest(mirror)
            expected = {k.removeprefix(f"{source.id}/"): v for k, v in manifest.items() if k.startswith(f"{source.id}/")}
            rels = list_files(folder)
            task = bar.add_task(f"{source.id} (mirror)", total=sum((folder / r).stat().st_size for r in rels)) if bar else None
            for rel in rels:
                with open(folder / rel, "rb") as src:
                    sha, size = _copy_hash(src, staging / rel, bar, task)
                files[rel] = (sha, size, f"mirror:{folder / rel}")
        if bar is not None and task is not None:
            bar.remove_task(task)
        bad = [rel for rel, (sha, _s, _o) in files.items() if rel in expected and expected[rel] != sha]
        if bad:
            raise MarcError([Problem(source.id, 0, 0, "checksum-mismatch",
                                     f"{rel} in {mirror} does not match the mirror's checksum list (a damaged copy); "
                                     "the cache was left unchanged. Get a fresh mirror or bundle.") for rel in bad])
        missing = missing_patterns(source, staging)
        if missing:
            raise MarcError.single(source.id, "mirror-incomplete",
                                   f"the mirror {mirror} lacks {', '.join(missing)} for this source; the cache was left "
                                   "unchanged. Use another mirror, or pull without --mirror to download it.")
        if before_install is not None:
            before_install(source.id, lock_entry(files, origin))
        install(staging, source_dir(source.id))
        return files, origin
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


# --------------------------------------------------------------------------- marc pack


@dataclass
class PackResult:
    """What :func:`pack` wrote and what it left out, and why."""

    path: Path
    packed: list[str] = field(default_factory=list)
    restricted: list[str] = field(default_factory=list)  # left out: redistribution not allowed
    missing: list[str] = field(default_factory=list)  # left out: not in the cache
    size: int = 0


def _bundle_readme(registry: Registry, result: PackResult) -> str:
    lines = ["# MARC data bundle", "", "Made by `marc pack`. Use it offline with `marc pull --mirror THIS.zip`.", "",
             "Each folder is one source of data/sources.yaml, as downloaded from the publisher. Cite them as below.", ""]
    for sid in result.packed:
        src = registry.sources[sid]
        lines += [f"## {sid}: {src.title}", f"- Publisher: {src.publisher}", f"- Licence: {src.licence}"
                  + ("" if src.open_licence else " (NOT an open licence)"), f"- Citation: {src.citation}", ""]
    if result.restricted:
        lines += ["Left out (licence forbids redistribution): " + ", ".join(result.restricted), ""]
    return "\n".join(lines)


def pack(out: Path | str, *, include_restricted: bool = False, source_ids: list[str] | None = None,
         registry: Registry | None = None, bar: Progress | None = None) -> PackResult:
    """Write the cache to a zip (one folder per source id, plus ``sources.lock`` and ``BUNDLE.md``).

    Sources whose licence forbids redistribution are left out unless *include_restricted*; sources
    not in the cache are left out too.  Each packed source is verified against the lock first.
    The zip is written atomically; a file it replaces is backed up.
    """
    registry = registry or load_registry()
    out = Path(out).expanduser().resolve()
    ids = source_ids or [sid for sid, s in registry.sources.items() if not s.on_demand]
    for sid in ids:
        registry.get(sid)
    lock = read_lock()
    result = PackResult(out)
    entries: dict[str, dict] = {}
    problems: list[Problem] = []
    for sid in ids:
        source = registry.sources[sid]
        folder = source_dir(sid)
        if not folder.is_dir() or missing_patterns(source):
            result.missing.append(sid)
            continue
        if not source.redistribution and not include_restricted:
            result.restricted.append(sid)
            continue
        entry = lock["sources"].get(sid)
        if entry is None:
            entry = lock_entry(hash_tree(folder), "local")
        else:
            problems.extend(verify(sid, entry, folder))
        entries[sid] = entry
        result.packed.append(sid)
    if problems:
        raise MarcError(problems)
    if not result.packed:
        raise MarcError.single(out, "nothing-to-pack", "no source is both in the cache and redistributable; run `marc pull` "
                               "first, or pass --include-restricted")
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    os.close(fd)
    try:
        total = sum(f["size"] for e in entries.values() for f in e["files"].values())
        task = bar.add_task(f"pack {out.name}", total=total) if bar is not None else None
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
            for sid, entry in entries.items():
                for rel in entry["files"]:
                    kind = zipfile.ZIP_STORED if rel.lower().endswith(_STORED) else zipfile.ZIP_DEFLATED
                    zf.write(source_dir(sid) / rel, f"{sid}/{rel}", compress_type=kind)
                    if bar is not None:
                        bar.advance(task, entry["files"][rel]["size"])
            zf.writestr("sources.lock", json.dumps({"version": 1, "sources": entries}, indent=2) + "\n")
            zf.writestr("BUNDLE.md", _bundle_readme(registry, result))
        with zipfile.ZipFile(tmp) as zf:  # never hand out a bundle we cannot read back
            if zf.testzip() is not None:
                raise MarcError.single(out, "pack-failed", "the written zip failed its CRC check; try again")
        backup(out)
        public_mode(Path(tmp))
        os.replace(tmp, out)
    finally:
        Path(tmp).unlink(missing_ok=True)
    result.size = out.stat().st_size
    return result
