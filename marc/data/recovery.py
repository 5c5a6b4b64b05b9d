"""Crash-safe pulls: the journal of sources being swapped in, and the repair after a ``kill -9``.

A pull holds an inter-process lock (``<cache>/.pull.lock``) for its whole run; each
source is assembled in a ``.staging-*`` folder and swapped in by two renames; before the swap its new
lock entry is written to ``<cache>/.pending/<source_id>.json``, and removed once the lock file is
written.  :func:`recover`, run at the start of every pull, repairs whatever a ``kill -9`` left at any
moment: it removes staging folders and temporary files, puts back a folder caught between the two
renames, and records a source that was swapped in but not yet recorded (when its files match the
pending entry).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from marc.core.atomic import write_text
from marc.data.sources import cache_root, lock_path, read_lock, source_dir, verify, write_lock


def read_pending(source_id: str) -> dict[str, Any] | None:
    path = pending_dir() / f"{source_id}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
    except (OSError, ValueError):
        return None


def pending_dir() -> Path:
    return cache_root() / ".pending"


def write_pending(source_id: str, entry: dict[str, Any]) -> Path:
    """Journal the lock entry of a source about to be swapped in (atomically)."""
    path = pending_dir() / f"{source_id}.json"
    write_text(path, json.dumps(entry), keep_backup=False)
    return path


def recover(lock: dict[str, Any] | None = None) -> list[str]:
    """Repair what an interrupted pull left behind; returns what was done (one line per repair).

    Call with the pull lock held.  Safe to run at any time: it only touches MARC's own temporary
    names (``.staging-*``, ``.old-*``, ``*.tmp``, ``.pending/``).
    """
    root = cache_root()
    done: list[str] = []
    if not root.is_dir():
        return done
    for old in sorted(root.glob(".old-*")):
        name = old.name[len(".old-"):].rsplit("-", 1)[0]
        target = root / name
        if old.is_dir() and not target.exists():
            os.replace(old, target)  # killed between the two renames of install(): put the old copy back
            done.append(f"restored {name} from an interrupted swap")
        else:
            shutil.rmtree(old, ignore_errors=True)
            done.append(f"removed {old.name}")
    for staging in sorted(root.glob(".staging-*")):
        shutil.rmtree(staging, ignore_errors=True)
        done.append(f"removed {staging.name}")
    for folder in {root, lock_path().parent}:
        for tmp in folder.glob(".*.tmp"):
            tmp.unlink(missing_ok=True)
            done.append(f"removed {tmp.name}")
    pending = sorted(pending_dir().glob("*.json")) if pending_dir().is_dir() else []
    for tmp in pending_dir().glob(".*.tmp") if pending_dir().is_dir() else []:
        tmp.unlink(missing_ok=True)
    if pending:
        lock = lock if lock is not None else read_lock()
        changed = False
        for path in pending:
            sid = path.stem
            try:
                entry = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                entry = None
            if isinstance(entry, dict) and source_dir(sid).is_dir() and not verify(sid, entry) \
                    and lock["sources"].get(sid) != entry:
                lock["sources"][sid] = entry  # swapped in, but the kill came before the lock was written
                changed = True
                done.append(f"recorded {sid} (swapped in before an interruption)")
            path.unlink(missing_ok=True)
        if changed:
            write_lock(lock, keep_backup=False)
    return done
