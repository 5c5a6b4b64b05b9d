"""Atomic, backed-up file writes: nothing a user saved is ever lost.

A write goes to a temporary file in the target's folder, is flushed to disk, and then replaces the
target with :func:`os.replace` (atomic on POSIX).  When a file is replaced, its previous content is
first kept in a ``.backups/`` folder with a timestamp.

Concurrent writers (two app sessions, two processes) are serialised by a file lock (the maintained
``filelock`` library) on ``.<name>.lock`` beside the target: :func:`locked` holds it around any
read-modify-write, and :func:`replace_if_unchanged` checks the file's hash and replaces it under the
lock, so a check and a replace can never interleave with another writer's.  The writer that loses
the race gets a ``changed-on-disk`` error telling it to reload; its edit is kept in
``.backups/<name>.unsaved.<timestamp>`` (and on the error as ``pending``) for re-applying.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from marc.core.errors import MarcError

#: Seconds a writer waits for another writer's lock before giving up with a ``locked`` error
#: (``MARC_LOCK_TIMEOUT`` overrides it, for this and for ``marc pull``'s wait).
LOCK_TIMEOUT = float(os.environ.get("MARC_LOCK_TIMEOUT", "30"))


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


# --------------------------------------------------------------------------- concurrent writers


def lock_file(path: Path | str) -> Path:
    """The lock file guarding *path*: ``.<name>.lock`` in the same folder."""
    path = Path(path)
    return path.with_name(f".{path.name}.lock")


@contextmanager
def locked(path: Path | str, timeout: float | None = None) -> Iterator[Path]:
    """Hold the exclusive writer lock of *path* (inter-process, via ``filelock``) while the block runs.

    Every read-modify-write of a shared file (framework saves, evidence appends, the sources lock)
    runs inside ``with locked(path):``.  Raises a ``locked`` :class:`MarcError` after *timeout*
    seconds (default :data:`LOCK_TIMEOUT`).  Re-entrant within one process.
    """
    from filelock import FileLock, Timeout  # imported by writers only: not on the scoring path's start-up

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(lock_file(path)), timeout=LOCK_TIMEOUT if timeout is None else timeout)
    try:
        lock.acquire()
    except Timeout:
        raise MarcError.single(path, "locked", f"another writer has held this file for over {lock.timeout:.0f} s; "
                               f"try again, or remove {lock_file(path).name} if no MARC process is running") from None
    try:
        yield path
    finally:
        lock.release()


def keep_unsaved(path: Path, data: bytes) -> Path:
    """Keep a rejected edit as ``.backups/<name>.unsaved.<timestamp>`` so that it can be re-applied."""
    folder = path.parent / ".backups"
    folder.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S") + f".{time.time_ns() % 1_000_000_000:09d}"
    target = folder / f"{path.name}.unsaved.{stamp}"
    target.write_bytes(data)
    return target


def replace_if_unchanged(path: Path | str, expected_hash: str | None, data: bytes, *, keep_backup: bool = True,
                         timeout: float | None = None) -> Path | None:
    """Replace *path* with *data* only if its sha256 is still *expected_hash* (None: it must not exist).

    Check and replace happen under :func:`locked`, so two writers can never both pass the check.
    The loser gets a ``changed-on-disk`` :class:`MarcError` whose ``pending`` attribute holds its
    data and whose message names the file where its edit was kept.  Returns the backup path.
    """
    path = Path(path)
    with locked(path, timeout):
        current = file_hash(path) if path.exists() else None
        if current != expected_hash:
            kept = keep_unsaved(path, data)
            error = MarcError.single(path, "changed-on-disk",
                                     "the file changed on disk since it was loaded (another session or process saved it); "
                                     f"reload it and apply your edit again; your version was kept in {kept}")
            error.pending = data  # type: ignore[attr-defined]
            error.kept = kept  # type: ignore[attr-defined]
            raise error
        return write_bytes(path, data, keep_backup=keep_backup)
