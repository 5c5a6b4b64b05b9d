"""Checks on every ``--out`` before any work is done: a clear, located message instead of a crash
half-way through writing.

:func:`check_out` refuses an output whose extension does not match its format, a folder where a
file is needed (or a file where a folder is needed), and a place that cannot be written (tested by
really creating and removing a temporary file there).  Writers then write atomically
(:mod:`marc.core.atomic`), so a failure leaves nothing half-written.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from marc.core.errors import MarcError

#: Output format -> the extensions it may be written under.
EXTENSIONS: dict[str, tuple[str, ...]] = {
    "csv": (".csv",), "xlsx": (".xlsx",), "parquet": (".parquet",), "json": (".json",), "geojson": (".geojson", ".json"),
    "gpkg": (".gpkg",), "png": (".png",), "svg": (".svg",), "html": (".html", ".htm"), "zip": (".zip",),
    "pdf": (".pdf",), "docx": (".docx",),
}


def _existing_ancestor(path: Path) -> Path:
    for parent in [path, *path.parents]:
        if os.path.lexists(parent):
            return parent
    return Path(".")


def _writable(folder: Path) -> bool:
    try:
        fd, tmp = tempfile.mkstemp(prefix=".marc-write-test-", dir=folder)
    except OSError:
        return False
    os.close(fd)
    os.unlink(tmp)
    return True


def check_out(path: Path | str, formats: str | tuple[str, ...] | list[str] | None = None, *,
              folder: bool = False, option: str = "--out") -> Path:
    """Check that *path* can take an output of *formats* (a name or several; None: any extension).

    With *folder*, *path* is a folder to write files into.  Raises :class:`MarcError`
    (``bad-extension``, ``not-a-file``, ``not-a-folder``, ``unwritable``) naming *path*.
    """
    path = Path(path).expanduser()
    if folder:
        if os.path.lexists(path) and not path.is_dir():
            raise MarcError.single(path, "not-a-folder", f"{option} names a file, but a folder is needed here; "
                                   "choose another name or remove the file")
        target_dir = path
    else:
        if path.is_dir():
            raise MarcError.single(path, "not-a-file", f"{option} names a folder; give a file name inside it, "
                                   f"e.g. {path / ('output' + (path.suffix or '.csv'))}")
        target_dir = path.parent
    if formats is not None and not folder:
        names = [formats] if isinstance(formats, str) else list(formats)
        allowed = [ext for f in names for ext in EXTENSIONS.get(f.lower(), (f".{f.lower()}",))]
        if path.suffix.lower() not in allowed:
            what = f"--format {names[0]}" if len(names) == 1 else "this command"
            raise MarcError.single(path, "bad-extension", f"{option} ends in {path.suffix or '(no extension)'!r} but "
                                   f"{what} writes {' or '.join(allowed)}; change the name or the format")
    base = _existing_ancestor(target_dir)
    if not base.is_dir():
        raise MarcError.single(path, "not-a-folder", f"{base} is a file, but {option} needs it to be a folder; "
                               "choose another place")
    if not _writable(base):
        raise MarcError.single(path, "unwritable", f"cannot write in {base} (permission denied or read-only); "
                               f"choose another {option}")
    if os.path.lexists(path) and not folder and not os.access(path, os.W_OK):
        raise MarcError.single(path, "unwritable", f"{path.name} is read-only; choose another {option} or make it writable")
    return path
