"""Atomic, backed-up file writes: nothing a user saved is ever lost.

A write goes to a temporary file in the target's folder, is flushed to disk, and then replaces the
target with :func:`os.replace` (atomic on POSIX).  When a file is replaced, its previous content is
first kept as ``<name>.bak`` (or in a ``.backups/`` folder with a timestamp when ``keep`` > 1).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from pathlib import Path


def file_hash(path: Path | str, algorithm: str = "sha256") -> str:
    """Hex digest of a file, read in chunks."""
    h = hashlib.new(algorithm)
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def backup(path: Path, keep: int = 10) -> Path | None:
    """Copy *path* into ``<folder>/.backups/<name>.<timestamp>`` and prune to the newest *keep*."""
    if not path.exists():
        return None
    folder = path.parent / ".backups"
    folder.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S") + f".{time.time_ns() % 1_000_000:06d}"
    target = folder / f"{path.name}.{stamp}"
    shutil.copy2(path, target)
    olds = sorted(folder.glob(f"{path.name}.*"))
    for old in olds[:-keep]:
        old.unlink(missing_ok=True)
    return target


def current_umask() -> int:
    """The process umask (read without changing it where /proc allows; else set and restored at once)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_bytes(path: Path | str, data: bytes, *, keep_backup: bool = True) -> Path | None:
    """Write *data* to *path* atomically; back up the file it replaces. Returns the backup path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    saved = backup(path) if keep_backup else None
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if path.exists():
            shutil.copymode(path, tmp)
        else:  # mkstemp creates 0600: give a new file the mode the user's umask asks for (e.g. group-readable)
            os.chmod(tmp, 0o666 & ~current_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return saved


def write_text(path: Path | str, text: str, *, keep_backup: bool = True, encoding: str = "utf-8") -> Path | None:
    """Text version of :func:`write_bytes`."""
    return write_bytes(path, text.encode(encoding), keep_backup=keep_backup)
