"""Safe archive extraction for downloads and mirrors: zip and 7z members checked before a byte is written.

Limits against zip bombs (member count, total uncompressed size, compression ratio; docs/security.md) and
against path traversal (absolute names, ``..``, links): :func:`check_members`, :func:`safe_target`,
:func:`extract`.  Used by :mod:`marc.data.download` and :mod:`marc.data.bundle`.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from marc.core.errors import MarcError

_CHUNK = 1 << 16

#: Archive limits (zip bombs): members, total uncompressed bytes, and compression ratio of any
#: member larger than RATIO_FLOOR bytes (see docs/security.md).
MAX_MEMBERS = 20_000
MAX_UNCOMPRESSED = 8 * 1024**3
MAX_RATIO = 200
RATIO_FLOOR = 1024**2


def _fail(source_id: str, code: str, message: str) -> MarcError:
    return MarcError.single(source_id, code, message)


def is_archive(name: str) -> bool:
    return name.lower().endswith((".zip", ".7z"))


def check_archive(path: Path, source_id: str, kind: str | None = None) -> None:
    """Raise ``corrupt-download`` unless the zip/7z at *path* opens and its CRCs check."""
    kind = kind or path.suffix.lower().lstrip(".")
    try:
        if kind == "zip":
            with zipfile.ZipFile(path) as zf:
                bad = zf.testzip()
            if bad is not None:
                raise ValueError(f"member {bad} fails its CRC check")
        elif kind == "7z":
            import py7zr

            with py7zr.SevenZipFile(path) as sz:
                if sz.testzip() is not None:
                    raise ValueError("a member fails its CRC check")
    except MarcError:
        raise
    except Exception as exc:
        raise _fail(source_id, "corrupt-download",
                    f"{path.name} is not a valid {kind} archive ({exc}); the cached copy was kept. Run "
                    f"`marc pull {source_id} --force` to download it again.") from None


def check_members(members: list[tuple[str, int, int]], source_id: str, where: str) -> None:
    """Refuse an archive whose ``(name, uncompressed, compressed)`` members break the limits above."""
    if len(members) > MAX_MEMBERS:
        raise _fail(source_id, "archive-too-many-members",
                    f"{where} has {len(members):,} members; the limit is {MAX_MEMBERS:,}. Refused (it may be a zip bomb).")
    total = 0
    for name, size, packed in members:
        total += max(size, 0)
        if size > RATIO_FLOOR and size > MAX_RATIO * max(packed, 1):
            raise _fail(source_id, "archive-ratio",
                        f"{where}!{name} expands {size / max(packed, 1):,.0f} times ({size:,} bytes); the limit is "
                        f"{MAX_RATIO}×. Refused (it looks like a zip bomb).")
        if total > MAX_UNCOMPRESSED:
            raise _fail(source_id, "archive-too-large",
                        f"{where} expands to over {MAX_UNCOMPRESSED:,} bytes (at {name}); refused. Download it by hand if "
                        "it is genuine.")


def copy_member(src, out, limit: int, source_id: str, where: str) -> int:
    """Copy an archive member stream, refusing more bytes than it declared (sizes in headers can lie)."""
    written = 0
    try:
        for chunk in iter(lambda: src.read(_CHUNK), b""):
            written += len(chunk)
            if written > limit:
                raise _fail(source_id, "archive-too-large", f"{where} holds more bytes than its header declares; refused")
            out.write(chunk)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
        if isinstance(exc, MarcError):
            raise
        raise _fail(source_id, "corrupt-download", f"{where} is damaged ({exc}); the cached copy was kept. "
                    f"Run `marc pull {source_id} --force` to fetch it again.") from None
    return written


def archive_kind(path: Path) -> str:
    with open(path, "rb") as fh:
        head = fh.read(6)
    if head.startswith(b"PK"):
        return "zip"
    if head == b"7z\xbc\xaf\x27\x1c":
        return "7z"
    return path.suffix.lower().lstrip(".") or "zip"


def safe_target(root: Path, name: str, strip: int, source_id: str) -> Path | None:
    """Where archive member *name* goes below *root*; None for a folder entry or a stripped-away prefix."""
    pure = PurePosixPath(name.replace("\\", "/"))
    if pure.is_absolute() or ".." in pure.parts or (pure.parts and ":" in pure.parts[0]):
        raise _fail(source_id, "unsafe-archive", f"archive member {name!r} would be written outside the cache; refused")
    parts = pure.parts[strip:]
    if not parts:
        return None
    target = root.joinpath(*parts)
    if not target.resolve().is_relative_to(root.resolve()):
        raise _fail(source_id, "unsafe-archive", f"archive member {name!r} escapes the cache folder; refused")
    return target


def extract(archive: Path, dest: Path, *, source_id: str, strip: int = 0) -> list[Path]:
    """Extract a zip or 7z archive into *dest*, safely; returns the files written."""
    kind = archive_kind(archive)
    check_archive(archive, source_id, kind)
    dest.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    if kind == "zip":
        with zipfile.ZipFile(archive) as zf:
            check_members([(i.filename, i.file_size, i.compress_size) for i in zf.infolist()], source_id, archive.name)
            for info in zf.infolist():
                if (info.external_attr >> 16) & 0o170000 == 0o120000:
                    raise _fail(source_id, "unsafe-archive", f"archive member {info.filename!r} is a symbolic link; refused")
                target = safe_target(dest, info.filename, strip, source_id)
                if target is None or info.is_dir():
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(target, "wb") as out:
                    copy_member(src, out, info.file_size, source_id, f"{archive.name}!{info.filename}")
                written.append(target)
        return written
    import py7zr

    with py7zr.SevenZipFile(archive) as sz:
        listing = sz.list()
        check_members([(e.filename, int(e.uncompressed or 0), int(e.compressed or 0)) for e in listing],
                      source_id, archive.name)
        entries = [(e.filename, e.is_directory or e.is_symlink) for e in listing]
        targets = {n: safe_target(dest, n, strip, source_id) for n, skip in entries if not skip}
        with tempfile.TemporaryDirectory(dir=dest) as tmp:
            sz.extractall(path=tmp)
            for name, target in targets.items():
                if target is None or not (Path(tmp) / name).is_file():
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(Path(tmp) / name, target)
                written.append(target)
    return written


