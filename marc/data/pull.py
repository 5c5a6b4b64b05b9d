"""Filling the raw-data cache (``marc pull``): per source, keep what matches the lock, else copy from a mirror, else download.

:func:`ensure_report` runs under the pull lock, after :func:`marc.data.recovery.recover`, and records every source that
worked in the lock file before raising the problems of those that did not.  The registry, cache locations and lock
file are :mod:`marc.data.sources`; mirrors :mod:`marc.data.bundle`; downloads :mod:`marc.data.download`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from marc.core.atomic import locked
from marc.core.errors import MarcError, Problem
from marc.data.recovery import pending_dir, read_pending, recover, write_pending
from marc.data.sources import (
    Registry,
    Source,
    cache_root,
    default_mirror,
    load_registry,
    lock_entry,
    missing_patterns,
    read_lock,
    source_dir,
    verify,
    write_lock,
)


def manual_problem(source: Source) -> Problem:
    folder = source_dir(source.id)
    wanted = ", ".join(source.files)
    return Problem(source.id, 0, 0, "manual-download",
                   f"this source must be downloaded by hand (login or click-through): open {source.homepage} , "
                   f"download it, and put the files ({wanted}) into {folder} ; then run `marc pull {source.id}` "
                   "to record their checksums. Or pass --mirror DIR with a folder that has it.")


@dataclass
class Outcome:
    """What :func:`ensure_report` did for one source."""

    source_id: str
    action: str  # cached | adopted | copied | downloaded | on-demand
    path: Path
    files: int = 0
    size: int = 0
    origin: str = ""


def _resolve_ids(registry: Registry, source_ids: list[str] | None) -> list[str]:
    if not source_ids:
        return [sid for sid, src in registry.sources.items() if not src.on_demand]
    unknown = [sid for sid in source_ids if sid not in registry.sources]
    if unknown:
        known = ", ".join(sorted(registry.sources))
        raise MarcError([Problem(sid, 0, 0, "unknown-source", f"no source with this id in data/sources.yaml; known: {known}")
                         for sid in unknown])
    return list(dict.fromkeys(source_ids))


def ensure_report(source_ids: list[str] | None = None, mirror: Path | str | None = None, progress: bool = True,
                  force: bool = False, registry: Registry | None = None) -> list[Outcome]:
    """Make sure the sources are in the cache and say, per source, what was done.

    Order per source: present and matching the lock -> nothing; else copy from *mirror* (or
    :func:`default_mirror`) when it has the source; else download from the official URLs; a missing
    ``manual`` source is reported with where to download it and where to put it.  Every problem is
    collected and raised together at the end, after the sources that worked were recorded in the lock.
    Runs under the pull lock, after :func:`marc.data.recovery.recover`.
    """
    registry = registry or load_registry()
    ids = _resolve_ids(registry, source_ids)
    mirror = Path(mirror).expanduser() if mirror else default_mirror()
    if mirror is not None and not mirror.exists():
        raise MarcError.single(mirror, "mirror-not-found", "the mirror folder or bundle zip does not exist; check the path")
    cache_root().mkdir(parents=True, exist_ok=True)
    with locked(cache_root() / "pull", timeout=float(os.environ.get("MARC_LOCK_TIMEOUT", PULL_LOCK_TIMEOUT))):
        recover()
        return _ensure_locked(registry, ids, mirror, progress, force)


#: Seconds a second ``marc pull`` waits for the first one to finish.
PULL_LOCK_TIMEOUT = 600.0


def _ensure_locked(registry: Registry, ids: list[str], mirror: Path | None, progress: bool, force: bool) -> list[Outcome]:
    from marc.data import bundle, download  # here: httpx and rich.progress only when a pull runs (start-up)

    lock = read_lock()
    outcomes: list[Outcome] = []
    problems: list[Problem] = []
    first_write = True
    with download.progress_bar(progress) as bar:
        for sid in ids:
            source = registry.sources[sid]
            folder = source_dir(sid)
            try:
                present = folder.is_dir() and not missing_patterns(source)
                if present and not force:
                    entry = lock["sources"].get(sid)
                    if entry is not None:
                        mismatch = verify(sid, entry, folder)
                        if mismatch:
                            raise MarcError(mismatch)
                        outcomes.append(Outcome(sid, "cached", folder, len(entry["files"]),
                                                sum(f["size"] for f in entry["files"].values()), entry.get("origin", "")))
                        continue
                    files = bundle.hash_tree(folder)
                    entry = lock_entry(files, "local")
                    action = "adopted"
                elif mirror is not None and bundle.mirror_has(mirror, sid):
                    files, origin = bundle.stage_from_mirror(source, mirror, bar, before_install=write_pending)
                    entry, action = read_pending(sid) or lock_entry(files, origin), "copied"
                elif source.on_demand and not source.urls:  # with urls: downloaded when named
                    outcomes.append(Outcome(sid, "on-demand", folder))
                    continue
                elif source.manual:
                    if not present:
                        raise MarcError([manual_problem(source)])
                    entry, action = lock_entry(bundle.hash_tree(folder), "local"), "adopted"
                else:
                    files = download.stage_download(source, bar, before_install=write_pending)
                    entry, action = read_pending(sid) or lock_entry(files, "download"), "downloaded"
            except MarcError as error:
                problems.extend(error.problems)
                continue
            lock["sources"][sid] = entry
            write_lock(lock, keep_backup=first_write)
            (pending_dir() / f"{sid}.json").unlink(missing_ok=True)
            first_write = False
            outcomes.append(Outcome(sid, action, folder, len(entry["files"]),
                                    sum(f["size"] for f in entry["files"].values()), entry["origin"]))
    if problems:
        error = MarcError(problems)
        error.outcomes = outcomes  # type: ignore[attr-defined]  # what did work, for the CLI's summary
        raise error
    return outcomes


def ensure(source_ids: list[str] | None = None, mirror: Path | str | None = None, progress: bool = True,
           force: bool = False) -> dict[str, Path]:
    """Make sure the sources are in the cache; returns ``{source_id: cache folder}``.  See :func:`ensure_report`."""
    return {o.source_id: o.path for o in ensure_report(source_ids, mirror, progress, force)}
