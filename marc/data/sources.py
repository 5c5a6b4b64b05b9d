"""The source registry (``data/sources.yaml``), the raw-data cache and its lock file.

Every dataset MARC reads is declared once in ``data/sources.yaml``: where to download it, which
files it leaves in the cache, its licence and citation.  The cache holds one folder per source id
(``data/cache/<source_id>/``, or ``$MARC_DATA_DIR/<source_id>/``), laid out exactly like the mirror
folder of the same id (``../shared/data/<source_id>/``).

:func:`marc.data.pull.ensure` fills the cache: a source that is present and matches the lock is left alone; else
it is copied from a mirror (a folder or a ``marc pack`` zip); else downloaded from its URLs.

The lock file (JSON, ``data/sources.lock``; ``$MARC_DATA_DIR/sources.lock`` when that variable is
set) records, per source and per file, the sha256, size, origin (URL or mirror path) and the time it
was retrieved::

    {"version": 1, "sources": {"wb_wgi": {"retrieved": "...", "origin": "mirror:/.../wb_wgi",
      "files": {"wgidataset.xlsx": {"sha256": "...", "size": 3111893,
                                    "origin": "https://...", "retrieved": "2026-11-23T18:30:00+00:00"}}}}}

Checksums cannot be pinned in the registry (WDI, the NDC registry and GCF change continuously), so
the lock records what was fetched and later reads verify against it.

Crash safety (the pull lock, the journal and the repair after a kill): :mod:`marc.data.recovery`.
"""

from __future__ import annotations

import json
import os
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator
from pydantic_core import PydanticCustomError

from marc.core import yamlio, yamlmodel
from marc.core.atomic import file_hash, write_text
from marc.core.errors import MarcError, Problem
from marc.core.paths import cache_root, project_root  # noqa: F401  (part of this module's API)

_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")


class UrlSpec(BaseModel):
    """One file to download.  ``to`` is the path inside the source folder (a folder when extracting)."""

    model_config = ConfigDict(extra="forbid")

    url: str
    to: str | None = None
    extract: bool = False
    strip: int = Field(0, ge=0)
    official: bool = True
    fallback: list[str] = []
    headers: dict[str, str] = {}

    @field_validator("url", "fallback")
    @classmethod
    def _http(cls, value: Any) -> Any:
        for url in [value] if isinstance(value, str) else value:
            if not url.startswith(("https://", "http://")):
                raise PydanticCustomError("bad-url", "URL {url!r} must start with https:// or http://", {"url": url})
        return value

    @field_validator("to")
    @classmethod
    def _relative(cls, value: str | None) -> str | None:
        if value is not None:
            _check_relative(value)
        return value

    def target(self) -> str:
        """Relative destination: ``to``, or the last segment of the URL path."""
        if self.to:
            return self.to
        from urllib.parse import unquote, urlsplit

        return unquote(urlsplit(self.url).path.rstrip("/").rsplit("/", 1)[-1]) or "download"


def _check_relative(pattern: str) -> None:
    parts = Path(pattern).parts
    if pattern.startswith(("/", "\\")) or ".." in parts or re.match(r"^[A-Za-z]:", pattern):
        raise PydanticCustomError("bad-path", "path {p!r} must stay inside the source folder", {"p": pattern})


class Source(BaseModel):
    """One dataset in the registry."""

    model_config = ConfigDict(extra="forbid")

    id: str
    title: str
    publisher: str
    homepage: str | None = None
    urls: list[UrlSpec] = []
    files: list[str] = []
    licence: str
    open_licence: bool = True
    redistribution: bool
    commercial_use: bool
    manual: bool = False
    on_demand: bool = False
    api: str | None = None
    citation: str
    notes: str = ""

    @field_validator("urls", mode="before")
    @classmethod
    def _url_strings(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [{"url": v} if isinstance(v, str) else v for v in value]
        return value

    @field_validator("files")
    @classmethod
    def _files(cls, value: list[str]) -> list[str]:
        for pattern in value:
            _check_relative(pattern)
        return value

    @model_validator(mode="after")
    def _consistent(self) -> "Source":
        if not _ID.match(self.id):
            raise PydanticCustomError("bad-id", "source id {id} may only hold letters, digits, _ and - (it names the cache folder)", {"id": repr(self.id)})
        if not self.on_demand and not self.files:
            raise PydanticCustomError("missing-key", "list the files expected in the cache under 'files'")
        if not self.manual and not self.on_demand and not self.urls:
            raise PydanticCustomError("missing-key", "give the download 'urls', or mark the source 'manual: true'")
        if self.manual and not self.homepage:
            raise PydanticCustomError("missing-key", "a manual source needs a 'homepage' to download from")
        return self


class Registry(BaseModel):
    """All sources, keyed by id (``Registry.sources``)."""

    model_config = ConfigDict(extra="forbid")

    version: int = 1
    sources: dict[str, Source]
    _path: Path | None = PrivateAttr(default=None)

    @model_validator(mode="before")
    @classmethod
    def _ids(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("sources"), dict):
            data = dict(data)
            data["sources"] = {k: ({"id": k, **v} if isinstance(v, dict) else v) for k, v in data["sources"].items()}
        return data

    @property
    def path(self) -> Path | None:
        return self._path

    def get(self, source_id: str) -> Source:
        if source_id not in self.sources:
            known = ", ".join(sorted(self.sources))
            where = str(self._path or "data/sources.yaml")
            raise MarcError.single(source_id, "unknown-source", f"no source with this id in {where}; known: {known}")
        return self.sources[source_id]


# --------------------------------------------------------------------------- locations


def registry_path() -> Path:
    return project_root() / "data" / "sources.yaml"


def source_dir(source_id: str) -> Path:
    return cache_root() / source_id


def lock_path() -> Path:
    """``$MARC_DATA_DIR/sources.lock`` when that variable is set, else ``<project root>/data/sources.lock``."""
    return cache_root() / "sources.lock" if os.environ.get("MARC_DATA_DIR") else project_root() / "data" / "sources.lock"


def default_mirror() -> Path | None:
    """``$MARC_DATA_MIRROR``, else ``<project root>/../shared/data`` when it exists, else None."""
    env = os.environ.get("MARC_DATA_MIRROR")
    if env:
        return Path(env).expanduser()
    shared = project_root().parent / "shared" / "data"
    return shared if shared.is_dir() else None


_REGISTRY_CACHE: dict[tuple[str, int], Registry] = {}


def load_registry(path: Path | str | None = None) -> Registry:
    """Read and validate the registry; errors are located at ``file:line:column``."""
    path = Path(path) if path else registry_path()
    try:
        key = (str(path.resolve()), path.stat().st_mtime_ns)
    except FileNotFoundError:
        raise MarcError.single(path, "not-found", "the source registry is missing; restore data/sources.yaml from git") from None
    if key not in _REGISTRY_CACHE:
        registry = yamlmodel.parse_model(yamlio.read(path), Registry)
        registry._path = path
        _REGISTRY_CACHE[key] = registry
    return _REGISTRY_CACHE[key]


# --------------------------------------------------------------------------- cache contents


def list_files(folder: Path) -> list[str]:
    """Relative POSIX paths of every regular file below *folder*, sorted."""
    if not folder.is_dir():
        return []
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def missing_patterns(source: Source, folder: Path | None = None) -> list[str]:
    """The ``files`` patterns of *source* that match nothing in its cache folder."""
    folder = folder or source_dir(source.id)
    if not folder.is_dir():
        return list(source.files)
    return [pat for pat in source.files if not any(p.is_file() for p in folder.glob(pat))]


def is_available(source_id: str, registry: Registry | None = None) -> bool:
    """True when every ``files`` pattern of the source matches a file in the cache."""
    source = (registry or load_registry()).get(source_id)
    return source_dir(source_id).is_dir() and not missing_patterns(source)


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


# --------------------------------------------------------------------------- lock file


def read_lock(path: Path | None = None) -> dict[str, Any]:
    """The lock file as ``{"version": 1, "sources": {...}}`` (empty when absent)."""
    path = path or lock_path()
    if not path.exists():
        return {"version": 1, "sources": {}}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise MarcError.single(path, "lock-syntax", f"{exc.msg}; delete the lock file and run `marc pull` again",
                               exc.lineno, exc.colno) from None
    if not isinstance(data, dict) or not isinstance(data.get("sources"), dict):
        raise MarcError.single(path, "lock-syntax", "expected an object with a 'sources' object; delete it and run `marc pull`")
    return data


def write_lock(lock: dict[str, Any], path: Path | None = None, *, keep_backup: bool = True) -> None:
    path = path or lock_path()
    new = not path.exists()
    lock = {"version": 1, "sources": dict(sorted(lock["sources"].items()))}
    write_text(path, json.dumps(lock, indent=2, ensure_ascii=False) + "\n", keep_backup=keep_backup)
    if new:
        public_mode(path)


def public_mode(path: Path) -> None:
    """Give a file made by mkstemp (0600) the usual mode for new files (0666 minus the umask)."""
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(path, 0o666 & ~mask)


def lock_entry(files: dict[str, tuple[str, int, str]], origin: str) -> dict[str, Any]:
    """Build a lock entry from ``{relpath: (sha256, size, origin)}``."""
    stamp = now()
    return {"retrieved": stamp, "origin": origin,
            "files": {rel: {"sha256": sha, "size": size, "origin": org, "retrieved": stamp}
                      for rel, (sha, size, org) in sorted(files.items())}}


def verify(source_id: str, entry: dict[str, Any], folder: Path | None = None) -> list[Problem]:
    """Problems (``checksum-mismatch``) where the cache differs from its lock *entry*."""
    folder = folder or source_dir(source_id)
    todo = f"re-pull it with `marc pull {source_id} --force`"
    problems = []
    for rel, info in entry.get("files", {}).items():
        path = folder / rel
        if not path.is_file():
            problems.append(Problem(source_id, 0, 0, "checksum-mismatch", f"{rel} is recorded in the lock but missing from {folder}; {todo}"))
        elif path.stat().st_size != info.get("size"):
            problems.append(Problem(source_id, 0, 0, "checksum-mismatch",
                                    f"{rel} has {path.stat().st_size} bytes, the lock recorded {info.get('size')}; {todo}"))
        elif file_hash(path) != info.get("sha256"):
            problems.append(Problem(source_id, 0, 0, "checksum-mismatch",
                                    f"{rel} sha256 differs from the lock (file changed or corrupted); {todo}"))
    return problems
