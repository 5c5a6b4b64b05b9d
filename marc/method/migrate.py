"""Schema versions of a framework folder, and ``marc migrate``, which upgrades an older folder in place.

Versions (``schema_version:`` at the top of ``index.yaml``; a folder without it is version 1):

* **1**: before versioning.  Expert CSVs may lack the review columns (``status``, ``reviewer``,
  ``review_date``, ``note``, ``review_note``); their rows are read as ``approved``, with a warning.
* **2**: expert CSVs carry the review columns; adds risk orientation, ``higher_is_worse`` / ``lower_is_worse``, ``gap_fill``, the
  ``complement``/``min``/``max`` aggregations and per-level ``round``, and declares
  ``schema_version``.  Every version-1 file is valid version 2, so the upgrade stamps the version and
  completes the expert CSVs' review columns: ``status: approved``, as the rows were read, with the
  reviewer ``schema 1 (no review recorded)``, the migration date and a note saying so.

The upgrade edits text, never re-serialises the YAML: comments, quoting and layout stay as written.
Every file changed is written atomically with a backup of the old one (:mod:`marc.core.atomic`).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from marc.core.atomic import write_text
from marc.core.errors import MarcError
from marc.method.evidence import EXPERT_COLUMNS
from marc.method.framework import SCHEMA_VERSION

_VERSION_LINE = re.compile(r"^schema_version:[^\n]*$", re.MULTILINE)
_TOP_KEY = re.compile(r"^[A-Za-z_][\w-]*\s*:", re.MULTILINE)


@dataclass
class Migration:
    """What ``migrate`` changed (or would change, with ``dry_run``)."""

    folder: Path
    from_version: int
    to_version: int
    changed: list[Path] = field(default_factory=list)
    backups: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def declared_version(index_text: str) -> int:
    """The ``schema_version`` of an index.yaml's text (1 when it declares none)."""
    m = _VERSION_LINE.search(index_text)
    if not m:
        return 1
    value = m.group(0).split(":", 1)[1].split("#", 1)[0].strip()
    return int(value) if value.isdigit() else 1


def legacy_expert_files(root: Path) -> list[Path]:
    """Expert CSVs of the folder whose header has no ``status`` column (schema version 1)."""
    out = []
    for path in sorted((Path(root) / "expert").glob("*.csv")):
        try:
            with path.open(encoding="utf-8-sig", newline="") as fh:
                header = next(csv.reader(fh), [])
        except (OSError, UnicodeDecodeError):
            continue  # the loader reports an unreadable file with its own message
        if header and "status" not in [h.strip() for h in header]:
            out.append(path)
    return out


def warnings(root: Path, version: int) -> list[str]:
    """What an older folder should be told when it is loaded (never an error: it still scores)."""
    out = []
    if version < SCHEMA_VERSION:
        out.append(f"{Path(root) / 'index.yaml'}: schema_version {version} (current {SCHEMA_VERSION}); "
                   f"run 'marc migrate {root}' to upgrade the folder in place (a backup is kept)")
    for path in legacy_expert_files(root):
        out.append(f"{path}: no status column (an older expert CSV); its rows are read as approved. "
                   f"'marc migrate {root}' adds the review columns")
    return out


def _stamp(text: str) -> str:
    line = f"schema_version: {SCHEMA_VERSION}"
    newline = "\r\n" if "\r\n" in text else "\n"
    if _VERSION_LINE.search(text):
        return _VERSION_LINE.sub(line, text, count=1)
    m = _TOP_KEY.search(text)  # before the first top-level key, after the leading comments
    at = m.start() if m else len(text)
    return text[:at] + line + newline + text[at:]


LEGACY_REVIEWER = "schema 1 (no review recorded)"
LEGACY_NOTE = "approved under schema 1: coded before review columns existed; set by marc migrate"


def _complete_expert(text: str, today: str) -> str:
    rows = list(csv.reader(io.StringIO(text)))
    header = [h.strip() for h in rows[0]]
    extra = [c for c in EXPERT_COLUMNS if c not in header]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(rows[0] + extra)
    for row in rows[1:]:
        if not any(c.strip() for c in row):
            continue
        fill = {"status": "approved", "reviewer": LEGACY_REVIEWER, "review_date": today, "review_note": LEGACY_NOTE}
        writer.writerow(row + [fill.get(c, "") for c in extra])
    return out.getvalue()


def migrate(folder: Path | str, *, dry_run: bool = False) -> Migration:
    """Upgrade the framework folder to :data:`SCHEMA_VERSION` in place."""
    root = Path(folder)
    index = root / "index.yaml"
    if not index.is_file():
        raise MarcError.single(index, "not-found", "a framework folder needs index.yaml; pass the folder holding it")
    text = index.read_bytes().decode("utf-8")  # bytes: keep the file's own line endings
    version = declared_version(text)
    if version > SCHEMA_VERSION:
        raise MarcError.single(index, "schema-newer", f"schema_version {version} is newer than this MARC "
                                                      f"({SCHEMA_VERSION}); upgrade MARC instead")
    result = Migration(root, version, SCHEMA_VERSION)
    todo: list[tuple[Path, str]] = []
    if version < SCHEMA_VERSION or not _VERSION_LINE.search(text):
        todo.append((index, _stamp(text)))
        result.notes.append(f"index.yaml: schema_version {version} -> {SCHEMA_VERSION}")
    for path in legacy_expert_files(root):
        raw = path.read_text(encoding="utf-8-sig")
        todo.append((path, _complete_expert(raw, date.today().isoformat())))
        result.notes.append(f"expert/{path.name}: review columns added, rows approved as they were read "
                            f"(reviewer {LEGACY_REVIEWER!r})")
    for path, new in todo:
        result.changed.append(path)
        if not dry_run:
            backup = write_text(path, new, keep_backup=True)
            if backup is not None:
                result.backups.append(backup)
    return result
