"""Building the tidy panel from the raw-data cache: every reader run once, the result cached on disk.

``build_panel`` runs the readers of :mod:`marc.data.readers` on the pulled sources and saves the panel (and what
could not be used: unmatched names, dropped aggregates) in ``<cache>/_processed``, keyed by the input hashes and the
reader code; ``load_panel`` returns the cached panel or builds it.  The panel contract is :mod:`marc.data.panel`.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from marc.core.errors import MarcError
from marc.data.panel import empty_panel, validate_panel

PROCESSED_DIR = "_processed"


@dataclass
class PanelBuild:
    """The tidy panel built from the raw sources, with everything that could not be used."""

    panel: pd.DataFrame
    unmatched: list = field(default_factory=list)  # list[marc.data.countries.Unmatched]
    dropped_aggregates: dict[str, list[str]] = field(default_factory=dict)  # source -> codes/names
    notes: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)  # sources read
    missing_sources: list[str] = field(default_factory=list)  # known readers whose folder is absent
    cache_path: Path | None = None
    from_cache: bool = False
    seconds: float = 0.0


def _cache_root(cache_root: Path | None) -> Path:
    if cache_root is not None:
        return Path(cache_root)
    try:
        from marc.data.sources import cache_root as registry_cache_root
        return registry_cache_root()
    except ImportError:  # pragma: no cover - the registry module is always shipped
        return Path(os.environ.get("MARC_DATA_DIR", "data/cache"))


def _fingerprint(root: Path, sources: list[str], code: str) -> str:
    """sha256 over the code version and every raw file's sha256 (reused while size+mtime match)."""
    from marc.core.atomic import file_hash

    memo_path = root / PROCESSED_DIR / "file-hashes.json"
    try:
        memo = json.loads(memo_path.read_text()) if memo_path.exists() else {}
    except (OSError, ValueError):
        memo = {}
    h = hashlib.sha256(code.encode())
    fresh: dict[str, list] = {}
    for source in sources:
        folder = root / source
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")):
            rel = path.relative_to(root).as_posix()
            stat = path.stat()
            old = memo.get(rel)
            digest = old[2] if old and old[0] == stat.st_size and old[1] == stat.st_mtime_ns else file_hash(path)
            fresh[rel] = [stat.st_size, stat.st_mtime_ns, digest]
            h.update(f"{rel}\0{digest}\n".encode())
    if fresh != {k: v for k, v in memo.items() if k in fresh}:
        from marc.core.atomic import write_text
        memo.update(fresh)
        try:
            write_text(memo_path, json.dumps(memo, indent=0, sort_keys=True), keep_backup=False)
        except OSError:
            pass  # a read-only cache still builds; it just re-hashes next time
    return h.hexdigest()[:20]


def _save(build: PanelBuild, path: Path) -> None:
    from dataclasses import asdict

    from marc.core.atomic import write_bytes, write_text

    buffer = io.BytesIO()
    build.panel.to_parquet(buffer, index=False)
    write_bytes(path, buffer.getvalue(), keep_backup=False)
    meta = {"unmatched": [asdict(u) for u in build.unmatched], "dropped_aggregates": build.dropped_aggregates,
            "notes": build.notes, "sources": build.sources, "missing_sources": build.missing_sources}
    write_text(path.with_suffix(".json"), json.dumps(meta, indent=1, ensure_ascii=False), keep_backup=False)
    for old in path.parent.glob("panel-*.parquet"):
        if old != path:
            old.unlink(missing_ok=True)
            old.with_suffix(".json").unlink(missing_ok=True)


def _load(path: Path) -> PanelBuild | None:
    from marc.data.countries import Unmatched

    meta_path = path.with_suffix(".json")
    if not (path.exists() and meta_path.exists()):
        return None
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        panel = validate_panel(pd.read_parquet(path), origin=str(path))
    except (OSError, ValueError, MarcError):
        return None  # a damaged cache is rebuilt, never trusted
    return PanelBuild(panel, [Unmatched(**u) for u in meta["unmatched"]], meta["dropped_aggregates"], meta["notes"],
                      meta["sources"], meta["missing_sources"], path, True)


def build_panel(cache_root: Path | None = None, sources: list[str] | None = None, progress: bool = False,
                force: bool = False) -> PanelBuild:
    """Read every available source into one validated panel, cached as Parquet.

    ``cache_root`` holds one folder per source id (default: :func:`marc.data.sources.cache_root`, i.e.
    env ``MARC_DATA_DIR`` or ``data/cache``).  ``sources`` limits the build (default: every source
    with a reader whose folder exists; a requested source whose folder is missing is an error).
    The result is written to ``<cache_root>/_processed/panel-<hash>.parquet`` where the hash covers
    the raw files' sha256 (re-hashed only when size or mtime change) and the reader code, so the
    panel is rebuilt only when a raw file or the code changes (or ``force``).
    """
    from marc.data.readers import READERS, code_version, wdi

    started = time.perf_counter()
    root = _cache_root(cache_root)
    requested = list(READERS) if sources is None else list(sources)
    if unknown := [s for s in requested if s not in READERS]:
        raise MarcError.single(",".join(unknown), "no-reader", f"no reader for {unknown}; readers exist for {sorted(READERS)}")
    present = [s for s in requested if (root / s).is_dir()]
    missing = [s for s in requested if s not in present]
    if sources is not None and missing:
        raise MarcError.single(missing[0], "source-missing", f"{root / missing[0]} does not exist; run `marc pull {' '.join(missing)}`")
    if not present:
        raise MarcError.single(str(root), "no-data", "no source folders found; run `marc pull` (or `marc pull --mirror DIR`)")

    path = root / PROCESSED_DIR / f"panel-{_fingerprint(root, present, code_version())}.parquet"
    if not force and (cached := _load(path)) is not None:
        cached.seconds = time.perf_counter() - started
        return cached

    results = {}
    if progress:
        from rich.progress import Progress
        with Progress(transient=True) as bar:
            task = bar.add_task("Reading sources", total=len(present))
            for source in present:
                bar.update(task, description=f"Reading {source}")
                results[source] = READERS[source](root / source)
                bar.advance(task)
    else:
        results = {source: READERS[source](root / source) for source in present}

    notes: list[str] = [f"{s}: folder missing, not read" for s in missing]
    if wdi.PKG in results and wdi.API in results:
        wdi.resolve_overlap(results[wdi.PKG], results[wdi.API])
    for result in results.values():
        notes.extend(result.notes)
    frames = [r.panel for r in results.values() if len(r.panel)]
    panel = validate_panel(pd.concat(frames, ignore_index=True) if frames else empty_panel(), origin="panel")
    panel = panel.sort_values(["variable", "unit", "year"]).reset_index(drop=True)
    build = PanelBuild(panel, [u for r in results.values() for u in r.unmatched],
                       {s: sorted(set(r.aggregates)) for s, r in results.items() if r.aggregates},
                       notes, present, missing, path, False)
    try:
        _save(build, path)
    except OSError as error:
        build.notes.append(f"processed panel not cached ({error})")
        build.cache_path = None
    build.seconds = time.perf_counter() - started
    return build


def load_panel(cache_root: Path | None = None, sources: list[str] | None = None) -> pd.DataFrame:
    """The tidy panel (from the Parquet cache when the raw files are unchanged)."""
    return build_panel(cache_root, sources).panel
